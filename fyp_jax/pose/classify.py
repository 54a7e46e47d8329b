"""Skeleton video or video of a person? Decided from a few frames, so a raw video is never fed
to the pose encoder as if it were a skeleton.

A FollowYourPose skeleton video is mostly pure black with a few strongly coloured lines; a
filmed scene is neither. Measured on 6 evenly spaced frames of the first 48, at 128x128 (README, "Pose input"):
the skeleton videos of ../shared/pose_examples are 92-97 % near-black with 98-99 % of their lit
pixels saturated, the two raw dance videos 2 % / 19 % near-black with 1 % / 61 % saturated.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.frame_source import FrameSource, iter_frames

SAMPLE_FRAMES = 6
SAMPLE_WITHIN = 48      # frames sampled among the first 48 (decoding further costs seconds)
SAMPLE_SIZE = (128, 128)
DARK_BELOW = 32         # max channel below this: background black
LIT_FROM = 64           # max channel from this: part of a drawn line (antialiased edges between)
MIN_DARK_SHARE = 0.75   # skeleton videos measured >= 0.92
MIN_SATURATED_SHARE = 0.8  # of lit pixels with (max - min) / max > 0.5; skeletons measured >= 0.98
MIN_LIT_SHARE = 1e-4    # below: nothing drawn at all


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What a video looks like: the share of near-black pixels, the share of lit pixels that are
    saturated colours, and the share of lit pixels, over the sampled frames."""

    dark: float
    saturated: float
    lit: float

    @property
    def is_skeleton(self) -> bool:
        return self.dark >= MIN_DARK_SHARE and self.saturated >= MIN_SATURATED_SHARE

    def describe(self) -> str:
        return (f"{self.dark:.0%} black, {self.saturated:.0%} of the rest saturated colour "
                f"(a skeleton video: >= {MIN_DARK_SHARE:.0%} and >= {MIN_SATURATED_SHARE:.0%})")


def measure(frames: np.ndarray) -> Verdict:
    """The Verdict of uint8 RGB frames [n, H, W, 3]."""
    frames = np.asarray(frames, np.int16)
    high, low = frames.max(axis=-1), frames.min(axis=-1)
    lit = high >= LIT_FROM
    saturation = (high - low)[lit] / np.maximum(high[lit], 1)
    return Verdict(dark=float((high < DARK_BELOW).mean()),
                   saturated=float((saturation > 0.5).mean()) if lit.any() else 0.0,
                   lit=float(lit.mean()))


def classify(source: FrameSource) -> Verdict:
    """Measure SAMPLE_FRAMES evenly spaced frames of the start of `source`; PoseInputError when they are all
    black (no skeleton and no person to find)."""
    last = min(source.num_frames, SAMPLE_WITHIN) - 1
    indices = sorted(set(np.linspace(0, last, SAMPLE_FRAMES).astype(int).tolist()))
    verdict = measure(np.stack(list(iter_frames(source, indices, SAMPLE_SIZE))))
    if verdict.lit < MIN_LIT_SHARE:
        raise PoseInputError(f"{source.path} is black in every sampled frame: no skeleton and no "
                             "person in it; pass a skeleton video or a video of a person")
    return verdict
