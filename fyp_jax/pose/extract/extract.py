"""Keypoints from a raw video: decode the chosen frames, run a detector over them in order."""

from pathlib import Path

from tqdm.auto import tqdm

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.extract.detector import PoseDetector
from fyp_jax.pose.frame_source import iter_frames, open_frames
from fyp_jax.pose.keypoints import PoseSequence
from fyp_jax.pose.keypoints.sequence import stack_people


def extract_keypoints(
    path: str | Path,
    detector: PoseDetector,
    start: int = 0,
    end: int | None = None,
    progress: bool = True,
) -> PoseSequence:
    """COCO-17 keypoints of frames start..end-1 (end None: to the last) of a video, GIF or image
    folder, in its pixel coordinates and frame rate; a tqdm bar shows progress when `progress`."""
    source = open_frames(path)
    end = source.num_frames if end is None else min(end, source.num_frames)
    if not 0 <= start < end:
        raise PoseInputError(
            f"{source.path} has {source.num_frames} frames; start {start} must be below end {end}"
        )
    frames = tqdm(
        iter_frames(source, range(start, end)),
        total=end - start,
        desc="pose",
        unit="frame",
        disable=not progress,
    )
    people = list(detector.detect(frames))
    height, width = source.size
    return PoseSequence(stack_people(people), width=width, height=height, fps=source.fps)
