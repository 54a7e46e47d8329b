"""One detected person's keypoints, in any encoding the JSON formats use, as COCO-17 `[17, 3]`."""

import numpy as np

from fyp_jax.errors import PoseInputError

# Layouts whose first 17 points are the COCO-17 body: COCO, Halpe-26, COCO-WholeBody-133.
_COCO_PREFIXED_SIZES = (17, 26, 133)


def person_keypoints(keypoints: list, scores: list | None = None) -> np.ndarray:
    """`keypoints` flat `[x, y, c, ...]`, nested `[[x, y], ...]` or `[[x, y, c], ...]`; `scores`
    (one per point) replaces the confidence column; points given as (x, y) without scores get
    confidence 1. Returns float32 `[17, 3]`."""
    points = np.asarray(keypoints, np.float32)
    if points.ndim == 1:
        if points.size % 3:
            raise PoseInputError(
                f"flat keypoint list of {points.size} numbers is not x, y, confidence triples"
            )
        points = points.reshape(-1, 3)
    if (
        points.ndim != 2
        or points.shape[1] not in (2, 3)
        or points.shape[0] not in _COCO_PREFIXED_SIZES
    ):
        raise PoseInputError(
            f"person keypoints of shape {list(points.shape)} are not COCO-17 (17, 26 or 133 points"
            " of x, y[, confidence]); export COCO keypoints from your pose estimator"
        )
    points = points[:17]
    if scores is not None:
        confidence = np.asarray(scores, np.float32).reshape(-1)[:17]
    elif points.shape[1] == 3:
        confidence = points[:, 2]
    else:
        confidence = np.ones(17, np.float32)
    return np.concatenate([points[:, :2], confidence[:, None]], axis=1)
