"""`load_keypoints` / `save_keypoints`: one entry point over every keypoint format.

Formats are told apart by the path (a folder is OpenPose per-frame files; `.npy` / `.npz` are
arrays) and, for `.json`, by the document's structure.
"""

import json
import logging
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.files import existing_path, files_with_suffix
from fyp_jax.pose.keypoints import coco_json, mmpose, native, openpose
from fyp_jax.pose.keypoints.sequence import PoseSequence, stack_people

log = logging.getLogger(__name__)

Size = tuple[int, int]  # (height, width)
Parsed = tuple[np.ndarray, Size | None, float | None]


def _people_only(parse: Callable[[object], list[list[np.ndarray]]]) -> Callable[[object], Parsed]:
    return lambda data: (stack_people(parse(data)), None, None)


def _coco_annotations(data: dict) -> Parsed:
    frames, size = coco_json.parse_coco_annotations(data)
    return stack_people(frames), size, None


# (format name, recogniser, parser), tried in order on a parsed JSON document.
_JSON_FORMATS: tuple[tuple[str, Callable[[object], bool], Callable[[object], Parsed]], ...] = (
    ("fyp_jax", native.looks_like_native, native.parse_native),
    ("OpenPose", openpose.looks_like_openpose, _people_only(openpose.parse_openpose)),
    ("COCO annotations", coco_json.looks_like_coco_annotations, _coco_annotations),
    ("COCO results", coco_json.looks_like_coco_results, _people_only(coco_json.parse_coco_results)),
    ("MMPose", mmpose.looks_like_mmpose, _people_only(mmpose.parse_mmpose)),
)


def load_keypoints(
    path: str | Path, image_size: Size | None = None, fps: float | None = None
) -> PoseSequence:
    """Read COCO-17 keypoints from `path`.

    `path` may be: a folder of OpenPose per-frame JSON files; one JSON file in OpenPose (BODY_25
    or COCO-18), COCO results / annotations, MMPose prediction or fyp_jax format; a `.npy` / `.npz`
    array. `image_size` (height, width) overrides the size stored in the file; formats without
    one and no `image_size` get the smallest canvas holding every confident keypoint (a warning
    says so). `fps` likewise overrides the stored frame rate.
    """
    path = existing_path(path, "keypoint file")
    keypoints, stored_size, stored_fps = _parse(path)
    size = image_size or stored_size or _size_holding(keypoints, path)
    return PoseSequence(keypoints, width=size[1], height=size[0], fps=fps or stored_fps)


def save_keypoints(seq: PoseSequence, path: str | Path) -> Path:
    """Write `seq` as fyp_jax JSON (`.json`) or NumPy (`.npz`); returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".npz"):
        raise PoseInputError(f"cannot write keypoints to {path}: use a .json or .npz file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        path.write_text(native.native_json(seq))
    else:
        native.write_npz(seq, path)
    return path


def _parse(path: Path) -> Parsed:
    if path.is_dir():
        documents = [
            _read_json(p) for p in files_with_suffix(path, frozenset({".json"}), "JSON files")
        ]
        if not all(openpose.looks_like_openpose(d) for d in documents):
            raise PoseInputError(f"{path}: a folder must hold OpenPose per-frame JSON files only")
        return (
            stack_people([people for d in documents for people in openpose.parse_openpose(d)]),
            None,
            None,
        )
    if path.suffix.lower() in (".npy", ".npz"):
        return native.read_array(path)
    document = _read_json(path)
    for name, recognise, parse in _JSON_FORMATS:
        if recognise(document):
            try:
                return parse(document)
            except (KeyError, TypeError, ValueError, IndexError) as error:
                raise PoseInputError(
                    f"{path}: malformed {name} keypoint JSON ({error!r})"
                ) from error
    names = ", ".join(name for name, _, _ in _JSON_FORMATS)
    raise PoseInputError(f"{path}: unrecognised keypoint JSON; supported formats: {names}")


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PoseInputError(f"cannot read keypoint JSON {path}: {error}") from error


def _size_holding(keypoints: np.ndarray, path: Path) -> Size:
    confident = keypoints[..., 2] > 0
    if not confident.any():
        raise PoseInputError(
            f"{path} holds no confident keypoint and no image size; pass image_size"
        )
    width = math.ceil(float(keypoints[..., 0][confident].max())) + 1
    height = math.ceil(float(keypoints[..., 1][confident].max())) + 1
    log.warning(
        "%s stores no image size; using %dx%d (HxW), the extent of its keypoints",
        path,
        height,
        width,
    )
    return height, width
