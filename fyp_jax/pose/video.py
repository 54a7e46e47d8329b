"""Pose videos in and out: reading frames (any video, GIF or image folder), the skeleton frames
the sampling pipeline uses (`load_pose_frames`, from a skeleton video or a keypoint file), and
writing mp4 / GIF."""

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.frame_plan import FramePlan, plan_frames
from fyp_jax.pose.frame_source import IMAGE_SUFFIXES, FrameSource, open_frames
from fyp_jax.pose.keypoints import PoseSequence, load_keypoints
from fyp_jax.pose.render import render_sequence
from fyp_jax.pose.resize import resize_center_crop
from fyp_jax.pose.transforms import resize_canvas
from fyp_jax.pose.video_writer import write_video

__all__ = [
    "is_keypoint_file",
    "iter_frames",
    "load_pose_frames",
    "open_frames",
    "read_video",
    "write_video",
]

KEYPOINT_SUFFIXES = frozenset({".json", ".npy", ".npz"})

log = logging.getLogger(__name__)


def iter_frames(
    source: FrameSource, indices: Sequence[int], size: tuple[int, int] | None = None
) -> Iterator[np.ndarray]:
    """Decode the frames at increasing `indices` of `source` (uint8 RGB, resized and centre-cropped
    to `size` = (height, width) when given), stopping after the last one."""
    wanted = list(indices)
    if wanted != sorted(set(wanted)):
        raise ValueError("indices must be strictly increasing")
    if not wanted:
        return
    position = 0
    for index, frame in enumerate(source.frames()):
        if index == wanted[position]:
            yield frame if size is None else resize_center_crop(frame, size)
            position += 1
            if position == len(wanted):
                return
    raise PoseInputError(
        f"{source.path} ended after {index + 1} frames, before frame {wanted[position]}; the file"
        " may be truncated"
    )


def read_video(
    path: str | Path, indices: Sequence[int] | None = None, size: tuple[int, int] | None = None
) -> np.ndarray:
    """Frames of a video / GIF / image folder as uint8 [n, H, W, 3]: all of them, or those at the
    increasing `indices`; resized to cover `size` (height, width) and centre-cropped when given."""
    source = open_frames(path)
    indices = range(source.num_frames) if indices is None else indices
    return np.stack(list(iter_frames(source, indices, size)))


def load_pose_frames(
    path: str | Path,
    num_frames: int,
    stride: int = 5,
    start: int = 0,
    size: tuple[int, int] | None = (512, 512),
) -> np.ndarray:
    """Skeleton frames for the sampler: `num_frames` frames every `stride` from frame `start`,
    resized to cover `size` (height, width; None keeps the source size) and centre-cropped, as
    float32 [num_frames, H, W, 3] in [0, 1].

    `path` is a skeleton video, GIF or image folder, or a keypoint file (.json / .npy / .npz, or
    a folder of OpenPose JSON), whose poses are then drawn at `size` in the FollowYourPose style.
    A source shorter than the request is not an error while stride 1 fits: the stride is lowered
    to the largest that fits and a warning is logged. Otherwise, and for a missing or unreadable
    file, PoseInputError.
    """
    if is_keypoint_file(path):
        return _drawn_pose_frames(load_keypoints(path), num_frames, stride, start, size)
    source = open_frames(path)
    plan = _logged_plan(source.path, source.num_frames, num_frames, stride, start)
    frames = np.stack(list(iter_frames(source, plan.indices, size)))
    return frames.astype(np.float32) / 255.0


def is_keypoint_file(path: str | Path) -> bool:
    """Whether `path` names keypoints rather than pictures: a .json / .npy / .npz file or a
    folder holding JSON files and no images."""
    path = Path(path)
    if not path.is_dir():
        return path.suffix.lower() in KEYPOINT_SUFFIXES
    suffixes = {p.suffix.lower() for p in path.iterdir()}
    return ".json" in suffixes and not suffixes & IMAGE_SUFFIXES


def _drawn_pose_frames(
    seq: PoseSequence, num_frames: int, stride: int, start: int, size: tuple[int, int] | None
) -> np.ndarray:
    plan = _logged_plan("keypoints", seq.num_frames, num_frames, stride, start)
    seq = seq.replace(keypoints=seq.keypoints[list(plan.indices)])
    if size is not None:
        seq = resize_canvas(seq, size)
    return render_sequence(seq).astype(np.float32) / 255.0


def _logged_plan(
    what: object, available: int, num_frames: int, stride: int, start: int
) -> FramePlan:
    plan = plan_frames(available, num_frames, stride, start)
    if plan.note:
        log.warning("%s: %s", what, plan.note)
    return plan
