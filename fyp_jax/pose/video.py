"""Pose videos in and out: reading frames (any video, GIF or image folder), the skeleton frames
the sampling pipeline uses (`load_pose_frames`, from a skeleton video or a keypoint file), and
writing mp4 / GIF."""

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.classify import classify
from fyp_jax.pose.frame_plan import FramePlan, plan_frames, stride_for_rate
from fyp_jax.pose.frame_source import IMAGE_SUFFIXES, FrameSource, iter_frames, open_frames
from fyp_jax.pose.keypoints import PoseSequence, load_keypoints
from fyp_jax.pose.raw_video import extract_command, extracted_keypoints
from fyp_jax.pose.render import render_sequence
from fyp_jax.pose.transforms import resize_canvas
from fyp_jax.pose.video_writer import write_video

__all__ = [
    "is_keypoint_file",
    "iter_frames",
    "load_pose_frames",
    "load_video_frames",
    "open_frames",
    "prepare_pose_source",
    "read_video",
    "write_video",
]

KEYPOINT_SUFFIXES = frozenset({".json", ".npy", ".npz"})

log = logging.getLogger(__name__)


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
    stride: int | None = 5,
    start: int = 0,
    size: tuple[int, int] | None = (512, 512),
    *,
    fps: float = 8.0,
    extract: bool = True,
    progress: bool = True,
) -> np.ndarray:
    """Skeleton frames for the sampler: `num_frames` frames every `stride` from frame `start`,
    resized to cover `size` (height, width; None keeps the source size) and centre-cropped, as
    float32 [num_frames, H, W, 3] in [0, 1]; `num_frames` 0: every frame from `start` at the
    stride (a long video).

    `path` is a skeleton video, GIF or image folder, a keypoint file (.json / .npy / .npz, or
    a folder of OpenPose JSON), or a video of a person (told apart by `classify`). Keypoints,
    extracted ones included, are drawn at `size` in the FollowYourPose style. A video of a
    person has its skeleton extracted once and cached (`raw_video`); with `extract` False that
    is a PoseInputError naming the command to run. `stride` None: chosen from the source's frame
    rate to play the motion at its speed in an `fps` video (logged in one line).
    A source shorter than the request is not an error while stride 1 fits: the stride is lowered
    to the largest that fits and a warning is logged. Otherwise, and for a missing or unreadable
    file, PoseInputError.
    """
    pose = _open_pose_source(path, extract, progress)
    if isinstance(pose, PoseSequence):
        return _drawn_pose_frames(pose, num_frames, stride, start, size, fps)
    return _sampled_frames(pose, num_frames, stride, start, size, fps).astype(np.float32) / 255.0


def prepare_pose_source(path: str | Path, extract: bool = True, progress: bool = True) -> None:
    """What `load_pose_frames` does first, for a CLI to call before any model work: the pose
    source exists and reads, and a video of a person has its skeleton extracted (and cached)
    now, or, with `extract` False, PoseInputError naming the command."""
    _open_pose_source(path, extract, progress)


def _open_pose_source(path: str | Path, extract: bool, progress: bool) -> PoseSequence | FrameSource:
    """Keypoints (from a file or extracted) or an opened skeleton video."""
    if not str(path).strip():
        raise PoseInputError("the pose path is empty; pass a skeleton video, a keypoint file or "
                             "a video of a person")
    if is_keypoint_file(path):
        return load_keypoints(path)
    source = open_frames(path)
    verdict = classify(source)
    if verdict.is_skeleton:
        return source
    if not extract:
        raise PoseInputError(
            f"{source.path} looks like a video of a person, not a skeleton video "
            f"({verdict.describe()}); extract its skeleton with: {extract_command(source.path)} "
            "(or leave extraction on, without --noextract, to have it done and cached)")
    return extracted_keypoints(source.path, progress=progress)


def load_video_frames(
    path: str | Path,
    num_frames: int,
    stride: int | None,
    start: int = 0,
    size: tuple[int, int] | None = (512, 512),
    *,
    fps: float = 8.0,
) -> np.ndarray:
    """The frames of any video sampled as `load_pose_frames` samples a skeleton video (no
    classification, no extraction), as uint8 [num_frames, H, W, 3]: e.g. the video to invert
    for editing."""
    return _sampled_frames(open_frames(path), num_frames, stride, start, size, fps)


def _sampled_frames(
    source: FrameSource,
    num_frames: int,
    stride: int | None,
    start: int,
    size: tuple[int, int] | None,
    fps: float,
) -> np.ndarray:
    stride = _chosen_stride(stride, source.fps, fps)
    plan = _logged_plan(source.path, source.num_frames, num_frames, stride, start)
    return np.stack(list(iter_frames(source, plan.indices, size)))


def is_keypoint_file(path: str | Path) -> bool:
    """Whether `path` names keypoints rather than pictures: a .json / .npy / .npz file or a
    folder holding JSON files and no images."""
    path = Path(path)
    if not path.is_dir():
        return path.suffix.lower() in KEYPOINT_SUFFIXES
    suffixes = {p.suffix.lower() for p in path.iterdir()}
    return ".json" in suffixes and not suffixes & IMAGE_SUFFIXES


def load_pose_keypoints(
    path: str | Path,
    num_frames: int,
    stride: int | None = 5,
    start: int = 0,
    size: tuple[int, int] | None = (512, 512),
    *,
    fps: float = 8.0,
    extract: bool = True,
    progress: bool = True,
) -> np.ndarray:
    """The keypoints `load_pose_frames` would draw, float32 [num_frames, people, 17, 3] in
    pixels of `size` (people left to right), from a keypoint file or a video of people; a
    skeleton video has none (PoseInputError)."""
    pose = _open_pose_source(path, extract, progress)
    if not isinstance(pose, PoseSequence):
        raise PoseInputError(f"{path} is a skeleton video, whose people cannot be told apart; "
                             "give their keypoints (a keypoint file) or the video of the people")
    return _planned_sequence(pose, num_frames, stride, start, size, fps).keypoints


def _drawn_pose_frames(
    seq: PoseSequence,
    num_frames: int,
    stride: int | None,
    start: int,
    size: tuple[int, int] | None,
    fps: float,
) -> np.ndarray:
    seq = _planned_sequence(seq, num_frames, stride, start, size, fps)
    return render_sequence(seq).astype(np.float32) / 255.0


def _planned_sequence(
    seq: PoseSequence,
    num_frames: int,
    stride: int | None,
    start: int,
    size: tuple[int, int] | None,
    fps: float,
) -> PoseSequence:
    stride = _chosen_stride(stride, seq.fps, fps)
    plan = _logged_plan("keypoints", seq.num_frames, num_frames, stride, start)
    seq = seq.replace(keypoints=seq.keypoints[list(plan.indices)])
    return resize_canvas(seq, size) if size is not None else seq


def _chosen_stride(stride: int | None, source_fps: float | None, fps: float) -> int:
    if stride is not None:
        return stride
    stride, note = stride_for_rate(source_fps, fps)
    log.warning("%s", note)
    return stride


def _logged_plan(
    what: object, available: int, num_frames: int, stride: int, start: int
) -> FramePlan:
    if num_frames == 0:  # every frame from `start` at the stride
        num_frames = max(1, -(-(available - start) // stride))
    plan = plan_frames(available, num_frames, stride, start)
    if plan.note:
        log.warning("%s: %s", what, plan.note)
    return plan
