"""Text alignment on real skeleton videos (the original project's), where no ground truth is drawn.

A PoseWorld model trained on synthetic skeletons meets real ones at inference: thinner lines,
larger and differently proportioned people. For each skeleton video and each caption of a fixed
set of (colour, background) pairs, a video is generated and every frame is checked for the
caption's background (nearest PoseWorld background outside the figure) and the caption's
colour (the dominant figure colour). The figure region is the skeleton's lit pixels dilated by
the figure's half width, united with the pixels of the caption's colour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from fyp_jax.bundle import ModelBundle
from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.data.poseworld.vocabulary import (
    BACKGROUNDS,
    COLORS,
    REAL_MOTION_PHRASE,
    STYLES,
    scene_caption,
    visible,
)
from fyp_jax.eval.intervals import bootstrap_mean
from fyp_jax.eval.metrics import caption_checks
from fyp_jax.pipeline import Pipeline, SamplingOptions
from fyp_jax.pipeline.editing import dilate
from fyp_jax.sharding import local_mesh

_LIT = 40  # a skeleton pixel is lit above this channel value
_FIGURE_REACH = 0.045  # the figure's half width around its skeleton, fraction of the height


def caption_pairs() -> tuple[tuple[str, str], ...]:
    """The (colour, background) pairs of the captions: colour k on background k, or the next
    background it is visible on (black goes from stage to white)."""
    backgrounds = list(BACKGROUNDS)
    pairs = []
    for k, color in enumerate(COLORS):
        shift = next(s for s in range(len(backgrounds))
                     if visible(color, backgrounds[(k + s) % len(backgrounds)]))
        pairs.append((color, backgrounds[(k + shift) % len(backgrounds)]))
    return tuple(pairs)


def frame_checks(video: np.ndarray, skeleton: np.ndarray, color: str, background: str,
                 backgrounds: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """bool ``[F]`` twice: the frame's background is ``background``; its figure is ``color``.
    ``skeleton`` float ``[F, H, W, 3]`` in [0, 1], ``video`` uint8 ``[F, H, W, 3]``."""
    lit = skeleton.max(axis=-1) * 255 > _LIT
    reach = max(1, round(_FIGURE_REACH * video.shape[1]))
    return caption_checks(video, color, background, COLORS, backgrounds, dilate(lit, reach))


def evaluate_real_skeletons(
    bundle: ModelBundle,
    skeletons: dict[str, np.ndarray],
    *,
    options: SamplingOptions,
    phrase: str = REAL_MOTION_PHRASE,
    batch: int = 8,
    on_videos: Callable[[str, list[str], np.ndarray], None] | None = None,
) -> dict:
    """Per video and over all: the share of frames with the caption's background, with its
    colour, and with both (means over clips with 95 % bootstrap intervals).

    ``skeletons``: name -> float32 ``[F, H, W, 3]`` skeleton frames at the sampling size;
    ``phrase``: the captions' motion words (a model that never saw "dancing" is asked for
    "jumping", say)."""
    pipe = Pipeline(bundle, local_mesh())
    pairs = caption_pairs()
    captions = [scene_caption(((c, STYLES[0]),), phrase, b) for c, b in pairs]
    per_clip = []
    for name, skeleton in skeletons.items():
        frames, height, width = skeleton.shape[:3]
        backgrounds = {n: draw_background(b, height, width) for n, b in BACKGROUNDS.items()}
        for start in range(0, len(pairs), batch):
            chunk = list(range(start, min(start + batch, len(pairs))))
            videos = pipe([captions[k] for k in chunk], np.stack([skeleton] * len(chunk)),
                          frames=frames, height=height, width=width, options=options)
            if on_videos is not None:
                on_videos(name, [captions[k] for k in chunk], videos)
            for k, video in zip(chunk, videos, strict=True):
                bg_ok, color_ok = frame_checks(video, skeleton, *pairs[k], backgrounds)
                per_clip.append(dict(video=name, caption=captions[k],
                                     background=float(bg_ok.mean()), color=float(color_ok.mean()),
                                     both=float((bg_ok & color_ok).mean())))
    return dict(per_video={name: summary([c for c in per_clip if c["video"] == name])
                           for name in skeletons},
                overall=summary(per_clip), per_clip=per_clip,
                steps=options.num_steps, guidance=options.guidance_scale)


def summary(clips: Sequence[dict]) -> dict[str, list[float]]:
    """``{check: [mean, low, high]}`` over ``clips``."""
    return {key: list(bootstrap_mean([c[key] for c in clips]))
            for key in ("background", "color", "both")}


def default_videos(folder: str | Path) -> list[Path]:
    """The skeleton videos of the original project among ``folder``'s videos."""
    from fyp_jax.pose.classify import classify
    from fyp_jax.pose.frame_source import open_frames

    videos = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".mp4", ".mov"))
    return [p for p in videos if classify(open_frames(p)).is_skeleton]
