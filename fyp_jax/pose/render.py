"""COCO-17 skeleton images in the FollowYourPose style.

Black canvas, the 19 links of `fyp_jax.pose.coco.LINKS` drawn in order as antialiased
round-capped lines, no keypoint dots; orange torso and head, blue right limbs, green left limbs
(the person's sides); about 6 px thick at 512 px, scaled with the shorter image side. A link is
drawn only when both its joints reach `min_confidence`.
"""

from collections.abc import Iterator

import numpy as np
from tqdm.auto import tqdm

from fyp_jax.pose.coco import CLASS_COLOURS, LINKS, NUM_KEYPOINTS
from fyp_jax.pose.keypoints import PoseSequence
from fyp_jax.pose.raster import capsules_coverage, stack_over

DEFAULT_MIN_CONFIDENCE = 0.3
THICKNESS_AT_512 = 6.0

_LINK_COLOURS = np.asarray([CLASS_COLOURS[cls] for _, _, cls in LINKS], np.float32)


def default_thickness(height: int, width: int) -> float:
    """Line width in pixels for an image of this size: 6 px at 512 on the shorter side."""
    return THICKNESS_AT_512 * min(height, width) / 512.0


def render_pose(
    people: np.ndarray,
    height: int,
    width: int,
    *,
    thickness: float | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> np.ndarray:
    """Skeletons of `people` [P, 17, 3] (x, y, confidence in pixels) -> uint8 RGB [H, W, 3]."""
    radius = 0.5 * (thickness or default_thickness(height, width))
    canvas = np.zeros((height, width, 3), np.float32)
    for person in np.asarray(people, np.float32).reshape(-1, NUM_KEYPOINTS, 3):
        drawn = [k for k, (a, b, _) in enumerate(LINKS)
                 if min(person[a, 2], person[b, 2]) >= min_confidence]
        if not drawn:
            continue
        starts = person[[LINKS[k][0] for k in drawn], :2]
        ends = person[[LINKS[k][1] for k in drawn], :2]
        covered = capsules_coverage(starts, ends, np.full(len(drawn), radius), height, width)
        if covered is None:
            continue
        window, alphas = covered
        layer, alpha = stack_over(alphas, _LINK_COLOURS[drawn])  # later links on top
        canvas[window] = canvas[window] * (1.0 - alpha[..., None]) + layer
    return np.rint(canvas).astype(np.uint8)


def render_frames(
    seq: PoseSequence,
    *,
    thickness: float | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    progress: bool = False,
) -> Iterator[np.ndarray]:
    """The frames of `seq` at its own image size, one uint8 [H, W, 3] at a time (for streaming
    long videos to a file); a tqdm bar when `progress`."""
    for people in tqdm(seq.keypoints, desc="render", unit="frame", disable=not progress):
        yield render_pose(
            people, seq.height, seq.width, thickness=thickness, min_confidence=min_confidence
        )


def render_sequence(
    seq: PoseSequence,
    *,
    thickness: float | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> np.ndarray:
    """Every frame of `seq` at its own image size -> uint8 [F, H, W, 3]."""
    return np.stack(list(render_frames(seq, thickness=thickness, min_confidence=min_confidence)))
