"""``evaluate.py --task multi``: several figures from a multi-person skeleton and a caption that
names their colours left to right, scored per figure (`multi_metrics`), for 1, 2 and 3 figures.

Clips: every held-out colour group of PoseWorld's ``eval_multi`` split (2 and 3 figures) and
every held-out triple of ``eval`` (1 figure), ``draws`` times each: draw j of combination k is
scene ``k + j * combinations`` of its split (another scene of the same combination: other
motions, places and background) sampled with its own seed. Reported: per figure count, the mean
of each score over clips with a 95 % bootstrap interval; and the ("red", "blue") group alone,
how often red sits on the left skeleton and blue on the right.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from fyp_jax.bundle import ModelBundle
from fyp_jax.data.poseworld import (
    BACKGROUNDS,
    COLORS,
    HELD_OUT_GROUPS,
    HELD_OUT_TRIPLES,
    Scene,
    figure_captions,
    figure_masks,
    render_scene,
    sample_scene,
)
from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.errors import ConfigError
from fyp_jax.eval.intervals import bootstrap_mean
from fyp_jax.eval.multi_metrics import METRICS, score_scene
from fyp_jax.eval.poseworld import EVAL_OPTIONS, skeleton_video
from fyp_jax.pipeline import Pipeline, SamplingOptions
from fyp_jax.sharding import local_mesh

METHODS = ("caption", "people")
# The must-show group: "a red figure and a blue figure ..." on a 2-person skeleton.
RED_BLUE = ("red", "blue")


@dataclasses.dataclass(frozen=True)
class MultiClip:
    """One evaluation clip: draw ``draw`` of a held-out combination, the scene ``index`` of
    ``split``."""

    split: str
    index: int
    draw: int
    scene: Scene


def multi_clips(draws: int, world_seed: int = 0) -> list[MultiClip]:
    """The clips of the evaluation, the several-figure ones first (an interrupted run has
    them)."""
    clips = []
    for split, combinations in (("eval_multi", len(HELD_OUT_GROUPS)), ("eval", len(HELD_OUT_TRIPLES))):
        for draw in range(draws):
            for k in range(combinations):
                index = k + draw * combinations
                clips.append(MultiClip(split, index, draw, sample_scene(world_seed, split, index)))
    return clips


def evaluate_multi(
    bundle: ModelBundle,
    *,
    draws: int = 4,
    clips: list[MultiClip] | None = None,
    frames: int = 8,
    size: int = 64,
    batch: int = 8,
    options: SamplingOptions = EVAL_OPTIONS,
    world_seed: int = 0,
    on_videos: Callable[[list[MultiClip], np.ndarray, np.ndarray], None] | None = None,
    on_report: Callable[[dict], None] | None = None,
    log: Callable[[str], None] = print,
    method: str = "caption",
) -> dict:
    """Per-clip scores and the summary (`summarize`) of ``clips`` (default: `multi_clips` of
    ``draws``). Clip i is sampled with seed ``options.seed + i``. ``on_videos(clips, skeletons,
    videos)`` sees every generated batch, ``on_report(report)`` the report so far after it.
    ``method`` (:data:`METHODS`): ``caption``, the scene's caption on the whole skeleton;
    ``people``, the caption for the scene and one single-figure caption per figure on its own
    skeleton, composed by region (:meth:`Pipeline.people`; a one-figure clip is sampled as by
    ``caption``)."""
    check_method(method)
    pipe = Pipeline(bundle, local_mesh())
    backgrounds = {n: draw_background(b, size, size) for n, b in BACKGROUNDS.items()}
    clips = multi_clips(draws, world_seed) if clips is None else clips
    rows, started = [], time.perf_counter()
    for start in range(0, len(clips), batch):
        chunk = clips[start:start + batch]
        rendered = [render_scene(c.scene, size, frames) for c in chunk]
        skeletons = np.stack([skeleton_video(keypoints, size) for _, keypoints in rendered])
        seeds = [options.seed + start + i for i in range(len(chunk))]
        alone = [method == "people" and len(c.scene.figures) > 1 for c in chunk]
        together = [i for i, a in enumerate(alone) if not a]
        videos = np.zeros((len(chunk), frames, size, size, 3), np.uint8)
        if together:
            videos[together] = pipe([chunk[i].scene.caption for i in together],
                                    skeletons[together], frames=frames, height=size, width=size,
                                    options=options, seeds=[seeds[i] for i in together])
        for i in np.flatnonzero(alone):
            scene = chunk[i].scene
            videos[i] = pipe.people(scene.caption, figure_captions(scene.caption), rendered[i][1],
                                    frames=frames, height=size, width=size,
                                    options=dataclasses.replace(options, seed=seeds[i]))
        if on_videos is not None:
            on_videos(chunk, skeletons, videos)
        for clip, (truth, _), video in zip(chunk, rendered, videos, strict=True):
            scores = score_scene(video, truth, figure_masks(clip.scene, size, frames),
                                 clip.scene.colors, COLORS, backgrounds[clip.scene.background])
            rows.append(dict(split=clip.split, index=clip.index, draw=clip.draw,
                             caption=clip.scene.caption, colors=list(clip.scene.colors),
                             figures=len(clip.scene.figures), **scores))
        log(f"{len(rows)}/{len(clips)} clips, {time.perf_counter() - started:.0f} s")
        report = dict(method=method, draws=draws, frames=frames, size=size,
                      steps=options.num_steps, guidance=options.guidance_scale,
                      seconds=time.perf_counter() - started,
                      clips=len(rows), summary=summarize(rows), per_clip=rows)
        if on_report is not None:
            on_report(report)
    return report


def check_method(method: str) -> None:
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; known: {', '.join(METHODS)}")


def summarize(rows: list[dict]) -> dict:
    """``{"1"|"2"|"3": {"clips": n, metric: [mean, low, high]}, "red_blue": {...}}``: intervals
    over clips; placement over the clips where it is defined. ``red_blue``: the clips of the
    ("red", "blue") group, with the share of frames red is on the left skeleton and blue on the
    right."""
    summary = {}
    for count in sorted({r["figures"] for r in rows}):
        summary[str(count)] = _means([r for r in rows if r["figures"] == count])
    red_blue = [r for r in rows if tuple(r["colors"]) == RED_BLUE]
    if red_blue:
        summary["red_blue"] = _means(red_blue) | {
            side: _interval([r["placed"][i] for r in red_blue])
            for i, side in enumerate(("red_left", "blue_right"))
        }
    return summary


def _means(rows: list[dict]) -> dict:
    means = {"clips": len(rows)}
    for metric in METRICS:
        means[metric] = _interval([r[metric] for r in rows])
    return means


def _interval(values: list[float]) -> list[float] | None:
    """[mean, low, high] of the values that are defined (not NaN); None when none is."""
    values = [v for v in values if not np.isnan(v)]
    return list(bootstrap_mean(values)) if values else None


def table(summary: dict) -> str:
    """The README's markdown table of a summary."""
    def cell(value):
        return "–" if value is None else f"{value[0]:.3f} [{value[1]:.3f}, {value[2]:.3f}]"

    lines = ["| figures | clips | per-figure pose IoU | colour placement | count accuracy |",
             "|---|---|---|---|---|"]
    for key, row in summary.items():
        name = "2: red, blue only" if key == "red_blue" else key
        lines.append(f"| {name} | {row['clips']} | " + " | ".join(cell(row[m]) for m in METRICS)
                     + " |")
    if "red_blue" in summary:
        rb = summary["red_blue"]
        lines.append("")
        lines.append(f"red on the left skeleton: {cell(rb['red_left'])} of frames; blue on the "
                     f"right: {cell(rb['blue_right'])}")
    return "\n".join(lines)
