"""fyp_jax's own keypoint files: JSON (`"format": "fyp_jax.pose/1"`) and NumPy `.npy` / `.npz`.

JSON layout: `{"format", "width", "height", "fps", "keypoint_names", "frames"}` where `frames` is
a list (one per frame) of people, each 17 `[x, y, confidence]` triples; people with no confident
joint are left out. `.npz` holds `keypoints` `[F, P, 17, 3]` and scalar `width`, `height`, `fps`
(NaN when unknown); `.npy` holds the array alone, `[F, P, 17, 3]`, `[F, 17, 3]` (one person) or
with (x, y) only (confidence 1).
"""

import json
from pathlib import Path

import numpy as np

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.coco import KEYPOINT_NAMES, NUM_KEYPOINTS
from fyp_jax.pose.keypoints.people import left_to_right
from fyp_jax.pose.keypoints.sequence import PoseSequence, stack_people

FORMAT_TAG = "fyp_jax.pose/1"


def looks_like_native(data: object) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT_TAG


def parse_native(data: dict) -> tuple[np.ndarray, tuple[int, int], float | None]:
    frames = [[np.asarray(person, np.float32) for person in people] for people in data["frames"]]
    return stack_people(frames), (data["height"], data["width"]), data.get("fps")


def native_json(seq: PoseSequence) -> str:
    """The JSON text of `seq` (coordinates rounded to 1/1000 pixel)."""
    frames = [
        [np.round(person, 3).tolist() for person in people if (person[:, 2] > 0).any()]
        for people in seq.keypoints
    ]
    document = {
        "format": FORMAT_TAG,
        "width": seq.width,
        "height": seq.height,
        "fps": seq.fps,
        "keypoint_names": list(KEYPOINT_NAMES),
        "frames": frames,
    }
    return json.dumps(document, separators=(",", ":"))


def read_array(path: Path) -> tuple[np.ndarray, tuple[int, int] | None, float | None]:
    """Keypoints `[F, P, 17, 3]`, (height, width) and fps from a `.npy` or `.npz` file."""
    if path.suffix.lower() == ".npy":
        return _as_frames_people(np.load(path, allow_pickle=False), path), None, None
    with np.load(path, allow_pickle=False) as archive:
        if "keypoints" not in archive:
            raise PoseInputError(f"{path} has no 'keypoints' array (found {sorted(archive.files)})")
        keypoints = _as_frames_people(archive["keypoints"], path)
        size = (int(archive["height"]), int(archive["width"])) if "width" in archive else None
        fps = float(archive["fps"]) if "fps" in archive else float("nan")
    return keypoints, size, None if np.isnan(fps) else fps


def write_npz(seq: PoseSequence, path: Path) -> None:
    fps = np.nan if seq.fps is None else seq.fps
    np.savez_compressed(path, keypoints=seq.keypoints, width=seq.width, height=seq.height, fps=fps)


def _as_frames_people(array: np.ndarray, path: Path) -> np.ndarray:
    """`[F, P, 17, 2|3]` or `[F, 17, 2|3]` -> float32 `[F, P, 17, 3]` (missing confidence = 1),
    slots (each one person, as stored) ordered left to right."""
    array = np.asarray(array, np.float32)
    if array.ndim == 3:
        array = array[:, None]
    if array.ndim != 4 or array.shape[2] != NUM_KEYPOINTS or array.shape[3] not in (2, 3):
        raise PoseInputError(
            f"{path}: keypoint array of shape {list(array.shape)}; expected [frames, people, 17, 3]"
            " or [frames, 17, 3] (x, y, confidence in pixels)"
        )
    if array.shape[3] == 2:
        array = np.concatenate([array, np.ones(array.shape[:3] + (1,), np.float32)], axis=3)
    return left_to_right(array)
