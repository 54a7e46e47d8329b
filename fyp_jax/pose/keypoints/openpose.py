"""OpenPose JSON (`pose_keypoints_2d`, BODY_25 or COCO-18) mapped to COCO-17.

OpenPose writes one file per frame, `{"people": [{"pose_keypoints_2d": [x, y, c, ...]}]}`; a list
of such dicts in one file is read as consecutive frames. Files hold no image size.
"""

import numpy as np

from fyp_jax.errors import PoseInputError

# For each COCO-17 keypoint, its index in the OpenPose layout with that many points.
_TO_COCO17: dict[int, tuple[int, ...]] = {
    25: (0, 16, 15, 18, 17, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14, 11),  # BODY_25
    18: (0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10),  # COCO-18 (with neck)
    17: tuple(range(17)),  # already COCO-17
}


def looks_like_openpose(data: object) -> bool:
    frames = data if isinstance(data, list) else [data]
    return bool(frames) and all(isinstance(f, dict) and "people" in f for f in frames)


def parse_openpose(data: dict | list) -> list[list[np.ndarray]]:
    """One OpenPose frame dict, or a list of them -> people `[17, 3]` per frame."""
    frames = data if isinstance(data, list) else [data]
    return [[_person(person) for person in frame["people"]] for frame in frames]


def _person(person: dict) -> np.ndarray:
    flat = np.asarray(person.get("pose_keypoints_2d", []), np.float32)
    num_points = flat.size // 3
    if flat.size % 3 or num_points not in _TO_COCO17:
        raise PoseInputError(
            f"OpenPose pose_keypoints_2d has {flat.size} numbers; expected BODY_25 (75), COCO-18 (54)"
            " or COCO-17 (51) as x, y, confidence triples (run OpenPose with a body model)"
        )
    return flat.reshape(num_points, 3)[list(_TO_COCO17[num_points])]
