"""COCO-17 keypoints of many images, looked up by image path, for a `laion_pose` build.

Two JSON layouts are read:
- COCO person-keypoint annotations: {"images": [{"id", "file_name", ...}], "annotations":
  [{"image_id", "keypoints": [x, y, v] * 17, "iscrowd"?}]}; visibility v > 0 counts as
  confidence 1, crowd annotations are ignored, an image without annotations has no person.
- A mapping {image path: people}, people a list of persons, each 17 (x, y[, confidence]) points
  or a flat list of 51 numbers (also Halpe-26 / WholeBody-133, of which the first 17 are used).
Paths are matched relative to the image root with '/' separators, falling back to the file name.
"""

import json
from pathlib import Path

import numpy as np

from fyp_jax.errors import DataError, PoseInputError
from fyp_jax.pose.keypoints.instance import person_keypoints


class KeypointTable:
    """People [P, 17, 3] (x, y, confidence in pixels) per image path."""

    def __init__(self, people: dict[str, np.ndarray], source: Path):
        self._people = people
        self._by_name = {Path(k).name: v for k, v in people.items()}
        self.source = source

    def __len__(self) -> int:
        return len(self._people)

    def lookup(self, key: str) -> np.ndarray:
        """The people of the image `key` (path relative to the root); DataError when absent."""
        found = self._people.get(key)
        if found is None:
            found = self._by_name.get(Path(key).name)
        if found is None:
            raise DataError(f"no keypoints for {key} in {self.source}")
        return found


def load_keypoint_table(path: str | Path) -> KeypointTable:
    path = Path(path).expanduser()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"cannot read keypoint JSON {path}: {error}") from error
    try:
        if isinstance(document, dict) and "annotations" in document and "images" in document:
            people = _from_coco(document)
        elif isinstance(document, dict):
            people = {
                Path(k).as_posix(): _stack([person_keypoints(p) for p in v])
                for k, v in document.items()
            }
        else:
            raise DataError("expected a COCO annotation file or a {image path: people} mapping")
    except (KeyError, TypeError, ValueError, PoseInputError) as error:
        raise DataError(f"{path}: malformed keypoint JSON ({error!r})") from error
    return KeypointTable(people, path)


def _from_coco(document: dict) -> dict[str, np.ndarray]:
    names = {image["id"]: Path(image["file_name"]).as_posix() for image in document["images"]}
    people: dict[str, list[np.ndarray]] = {name: [] for name in names.values()}
    for annotation in document["annotations"]:
        if annotation.get("iscrowd"):
            continue
        person = person_keypoints(annotation["keypoints"])
        person[:, 2] = (person[:, 2] > 0).astype(np.float32)
        people[names[annotation["image_id"]]].append(person)
    return {name: _stack(found) for name, found in people.items()}


def _stack(people: list[np.ndarray]) -> np.ndarray:
    return np.stack(people) if people else np.zeros((0, 17, 3), np.float32)
