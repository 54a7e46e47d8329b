"""Which slot each person takes in a `[frames, people, 17, 3]` array.

Keypoint files and detectors list the people of a frame in no particular order, and a frame may
miss someone. Two steps make the slots mean something:
- `link_people`: slot p is the same person in every frame. Each frame's people are matched to
  the slots by where each slot's person was last seen (Hungarian matching of the mean joint
  distance, joints weighted by confidence); a person matching no seen slot takes a free one.
- `left_to_right`: slots sorted by the person's mean hip x over the frames (each hip weighted by
  its confidence; the mean of all joints when no hip is ever seen); never-seen slots go last.
  This is the order in which a caption names figures ("a red figure and a blue figure ...":
  red on slot 0).
"""

import numpy as np
from scipy.optimize import linear_sum_assignment

from fyp_jax.pose.coco import KEYPOINT_NAMES, NUM_KEYPOINTS

_HIPS = [KEYPOINT_NAMES.index("left_hip"), KEYPOINT_NAMES.index("right_hip")]
# Cost of giving a person a slot nobody has been seen in (pixels): above any real distance, so a
# person seen before keeps their slot, below the cost of leaving a person out.
_FREE_SLOT_COST = 1e6


def link_people(frames: list[list[np.ndarray]] | list[np.ndarray]) -> np.ndarray:
    """Per-frame lists (or `[people, 17, 3]` arrays) of `[17, 3]` people -> float32 `[frames, max people, 17, 3]`, each slot one
    person across frames; empty slots at confidence 0 (one empty slot when nobody is ever seen)."""
    num_slots = max([len(people) for people in frames] + [1])
    out = np.zeros((len(frames), num_slots, NUM_KEYPOINTS, 3), np.float32)
    last_seen = np.zeros((num_slots, NUM_KEYPOINTS, 3), np.float32)
    for f, people in enumerate(frames):
        people = np.asarray(people, np.float32).reshape(-1, NUM_KEYPOINTS, 3)
        if len(people) == 0:
            continue
        rows, slots = linear_sum_assignment(_distances(people, last_seen))
        out[f, slots] = people[rows]
        seen = slots[out[f, slots, :, 2].max(axis=1) > 0]
        last_seen[seen] = out[f, seen]
    return out


def left_to_right(keypoints: np.ndarray) -> np.ndarray:
    """`[frames, people, 17, 3]` with the people slots sorted by mean hip x (see the module)."""
    keypoints = np.asarray(keypoints, np.float32)
    order = sorted(range(keypoints.shape[1]), key=lambda p: _mean_x(keypoints[:, p]))
    return keypoints[:, order]


def _mean_x(person: np.ndarray) -> tuple[bool, float]:
    """(False, mean hip x), or mean joint x when no hip is seen; (True, 0) when nobody is."""
    for joints in (person[:, _HIPS], person):
        weight = joints[..., 2].sum()
        if weight > 0:
            return False, float((joints[..., 0] * joints[..., 2]).sum() / weight)
    return True, 0.0


def _distances(people: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """[people, slots] mean distance of the joints both have (weighted by the smaller confidence);
    `_FREE_SLOT_COST` for a slot nobody has been seen in or with no joint in common."""
    weight = np.minimum(people[:, None, :, 2], slots[None, :, :, 2])
    gap = np.linalg.norm(people[:, None, :, :2] - slots[None, :, :, :2], axis=-1)
    total = weight.sum(axis=-1)
    mean = (weight * gap).sum(axis=-1) / np.maximum(total, 1e-9)
    return np.where(total > 0, mean, _FREE_SLOT_COST)
