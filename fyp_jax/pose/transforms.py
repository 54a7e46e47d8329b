"""Geometric edits of a PoseSequence: trimming, mirroring, re-centring / re-scaling into a frame,
and the resize-and-crop that matches `load_pose_frames`. Each returns a new sequence."""

import numpy as np

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.coco import MIRROR_INDEX
from fyp_jax.pose.keypoints import PoseSequence
from fyp_jax.pose.resize import cover_crop


def trim(seq: PoseSequence, start: int = 0, end: int | None = None) -> PoseSequence:
    """Frames start..end-1 (end None: to the last frame)."""
    end = seq.num_frames if end is None else end
    if not 0 <= start < min(end, seq.num_frames):
        raise PoseInputError(
            f"cannot trim {seq.num_frames} frames to [{start}, {end}): start must be a frame index"
            " below end"
        )
    return seq.replace(keypoints=seq.keypoints[start:end])


def mirror(seq: PoseSequence) -> PoseSequence:
    """Flip left-right: x -> width - 1 - x, and left/right joints swap names, as a detector would
    label the mirrored video (the person's right limbs stay blue)."""
    keypoints = seq.keypoints[:, :, list(MIRROR_INDEX)].copy()
    keypoints[..., 0] = seq.width - 1 - keypoints[..., 0]
    return seq.replace(keypoints=keypoints)


def fit_to_frame(
    seq: PoseSequence,
    size: tuple[int, int] | None = None,
    margin: float = 0.1,
    min_confidence: float = 0.3,
) -> PoseSequence:
    """Re-centre and re-scale the poses into a (height, width) `size` frame (default: the current
    one): the box holding every joint of confidence >= `min_confidence` over the WHOLE sequence
    (so motion is kept) is scaled uniformly to fill the frame less `margin` (a fraction of the
    frame on each side) and centred."""
    height, width = size or (seq.height, seq.width)
    if not 0 <= margin < 0.5:
        raise PoseInputError(f"margin must be in [0, 0.5), got {margin}")
    confident = seq.keypoints[..., 2] >= min_confidence
    if not confident.any():
        raise PoseInputError(
            f"no joint reaches confidence {min_confidence}; nothing to fit into the frame"
        )
    xy = seq.keypoints[..., :2]
    low, high = xy[confident].min(axis=0), xy[confident].max(axis=0)
    extent = np.maximum(high - low, 1.0)
    inner = np.array([width, height], np.float32) * (1.0 - 2.0 * margin)
    scale = float(np.min(inner / extent))
    centre_in, centre_out = (low + high) / 2.0, np.array([width - 1, height - 1], np.float32) / 2.0
    keypoints = seq.keypoints.copy()
    keypoints[..., :2] = (xy - centre_in) * scale + centre_out
    return seq.replace(keypoints=keypoints, width=width, height=height)


def resize_canvas(seq: PoseSequence, size: tuple[int, int]) -> PoseSequence:
    """Map the poses as `load_pose_frames` maps the video: scale to cover (height, width) `size`,
    then centre-crop."""
    geometry = cover_crop((seq.height, seq.width), size)
    keypoints = seq.keypoints.copy()
    keypoints[..., :2] = geometry.map_points(seq.keypoints[..., :2])
    return seq.replace(keypoints=keypoints, width=size[1], height=size[0])
