"""Which frames of a pose video to use: `num_frames` frames every `stride` frames from `start`,
with the stride lowered when the video is too short for it."""

import dataclasses

from fyp_jax.errors import PoseInputError


@dataclasses.dataclass(frozen=True)
class FramePlan:
    """Frame indices to read, the stride they use, and a note when the stride had to be lowered."""

    indices: tuple[int, ...]
    stride: int
    note: str | None = None


def frames_needed(num_frames: int, stride: int, start: int) -> int:
    """Length a video must have to give `num_frames` frames every `stride` from `start`."""
    return start + (num_frames - 1) * stride + 1


def plan_frames(available: int, num_frames: int, stride: int = 5, start: int = 0) -> FramePlan:
    """Indices start, start + s, ... (`num_frames` of them) with s = `stride`, or the largest
    stride that fits in `available` frames (with a note saying so). PoseInputError when even
    stride 1 does not fit, naming the frames needed and available."""
    if num_frames < 1 or stride < 1 or start < 0:
        raise PoseInputError(
            f"need num_frames >= 1, stride >= 1 and start >= 0, got {num_frames}, {stride}, {start}"
        )
    needed = frames_needed(num_frames, stride, start)
    if needed <= available:
        return FramePlan(tuple(range(start, needed, stride)), stride)
    shortest = frames_needed(num_frames, 1, start)
    if shortest > available:
        raise PoseInputError(
            f"the pose video is too short: {num_frames} frames from frame {start} need {shortest}"
            f" frames, it has {available}; use a longer pose video, fewer frames or an earlier start"
        )
    fitting = (available - 1 - start) // (num_frames - 1)
    note = (
        f"the pose video has {available} frames, fewer than the {needed} that {num_frames} frames"
        f" at stride {stride} from frame {start} need; using stride {fitting}"
    )
    return FramePlan(
        tuple(range(start, frames_needed(num_frames, fitting, start), fitting)), fitting, note
    )


def stride_for_rate(source_fps: float | None, target_fps: float) -> tuple[int, str]:
    """The stride that samples a `source_fps` video at about `target_fps` (so the motion plays at
    its real speed in a `target_fps` video), with a one-line note saying so; 1 when the source's
    frame rate is unknown."""
    if not source_fps or source_fps <= 0:
        return 1, "pose stride 1 (the pose source has no frame rate); set --stride to change it"
    stride = max(1, round(source_fps / target_fps))
    return stride, (f"pose stride {stride}: the pose video's {source_fps:g} fps sampled at about "
                    f"{source_fps / stride:.3g} fps for a {target_fps:g} fps video; set --stride "
                    "to change it")
