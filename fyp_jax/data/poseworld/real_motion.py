"""Real motion for PoseWorld figures: COCO-17 keypoint sequences extracted from filmed dancers.

`real_motions.npz` beside this file holds the keypoints (pixels of their video, as the pose
toolkit extracted them) of the raw dance videos of the original project; it is written by
`python scripts/extract_real_motions.py`. Here they become body units, PoseWorld's own: x to the
image's right and y up, in body heights, the ankles' ground at y = ANKLE_HEIGHT, centred on the
dancer's median hip position, so a figure can be placed and scaled like a synthetic one.
"""

import functools
from pathlib import Path

import numpy as np

from fyp_jax.data.poseworld.body import ANKLE_HEIGHT, HEAD_HEIGHT, Body
from fyp_jax.pose.coco import MIRROR_INDEX

MOTIONS_FILE = Path(__file__).with_name("real_motions.npz")
_NOSE_ABOVE_ANKLE = HEAD_HEIGHT - 0.01 - ANKLE_HEIGHT  # the synthetic body's proportions
_FACE_CONFIDENCE = 0.5


def normalise(keypoints: np.ndarray) -> np.ndarray:
    """[T, 17, 3] pixels (y down) -> [T, 17, 3] body units (y up) + 0/1 face visibility.

    The body height is the median nose-to-ankle distance over the sequence scaled to the
    synthetic body's; the ground is the 95th percentile of the ankles' height."""
    xy = keypoints[..., :2].astype(np.float32)
    ankles = xy[:, 15:17, 1].mean(axis=1)
    height = float(np.median(ankles - xy[:, 0, 1])) / _NOSE_ABOVE_ANKLE
    ground = float(np.percentile(xy[:, 15:17, 1], 95))
    centre = float(np.median(xy[:, 11:13, 0]))
    out = np.empty_like(keypoints, dtype=np.float32)
    out[..., 0] = (xy[..., 0] - centre) / height
    out[..., 1] = (ground - xy[..., 1]) / height + ANKLE_HEIGHT
    out[..., 2] = 1.0
    out[:, :5, 2] = (keypoints[:, :5, 2] >= _FACE_CONFIDENCE).astype(np.float32)
    return out


@functools.cache
def real_sequences() -> tuple[np.ndarray, ...]:
    """The packaged sequences in body units, each [T, 17, 3]."""
    with np.load(MOTIONS_FILE) as data:
        return tuple(normalise(data[name]) for name in sorted(data.files))


def real_body(sequence: int, time: float, mirrored: bool) -> tuple[Body, np.ndarray]:
    """The body of `sequence` at frame `time` (rounded; sequences loop back and forth) and its
    face visibility [5]; `mirrored` flips it left to right with the sides relabelled."""
    frames = real_sequences()[sequence]
    period = 2 * (len(frames) - 1)
    t = int(round(time)) % period
    points = frames[t if t < len(frames) else period - t]
    if mirrored:
        points = points[list(MIRROR_INDEX)] * np.array([-1.0, 1.0, 1.0], np.float32)
    joints = np.concatenate([points[:, :2], np.zeros((17, 1), np.float32)], axis=1)
    neck = joints[5:7].mean(axis=0)
    head = joints[:5].mean(axis=0)  # eyes and ears lie around the head's centre
    return Body(joints=joints, head=head, neck=neck), points[:5, 2].copy()
