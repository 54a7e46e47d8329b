"""Score a model on PoseWorld's held-out evaluation split (colour/background/motion triples never
seen together in training), in the three settings of the paper's comparison:

- ``full``: the model as trained (pose features + temporal layers);
- ``no_pose``: the same model without pose features (Tune-A-Video-like);
- ``frame_by_frame``: the UNet without its temporal layers, pose features on every frame
  (T2I-Adapter-like: stage 1 applied frame by frame).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from fyp_jax.bundle import ModelBundle
from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.data.poseworld.source import PoseWorldSource
from fyp_jax.data.poseworld.vocabulary import BACKGROUNDS, COLORS
from fyp_jax.errors import ConfigError
from fyp_jax.eval.intervals import bootstrap_mean, paired_difference
from fyp_jax.eval.metrics import color_mask, frame_consistency, pose_iou, text_alignment
from fyp_jax.pipeline import Pipeline, SamplingOptions
from fyp_jax.pose import render_pose
from fyp_jax.sharding import local_mesh

VARIANTS = ("full", "no_pose", "frame_by_frame")
METRICS = ("pose_iou", "text_alignment", "frame_consistency")
EVAL_OPTIONS = SamplingOptions(num_steps=20, guidance_scale=7.5)


def variant_bundle(bundle: ModelBundle, variant: str) -> ModelBundle:
    """The bundle a variant samples with (``frame_by_frame`` switches temporal layers off)."""
    if variant not in VARIANTS:
        raise ConfigError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
    if variant != "frame_by_frame":
        return bundle
    unet = bundle.modules["unet"].clone(use_temporal=False)
    return dataclasses.replace(bundle, modules={**bundle.modules, "unet": unet})


def skeleton_video(keypoints: np.ndarray, size: int) -> np.ndarray:
    """float32 ``[F, S, S, 3]`` in [0, 1]: the pose toolkit's rendering of ``[F, 17, 3]``."""
    return np.stack([render_pose(k[None], size, size) for k in keypoints]).astype(np.float32) / 255


def score_clip(video: np.ndarray, record: dict, backgrounds: dict) -> dict[str, float]:
    truth = record["frames"]
    rgb = COLORS[record["color"]]
    return dict(
        pose_iou=pose_iou(video, truth, rgb),
        text_alignment=text_alignment(video, record["color"], record["background"], COLORS,
                                      backgrounds, color_mask(truth, rgb)),
        frame_consistency=frame_consistency(video),
    )


def evaluate_poseworld(
    bundle: ModelBundle,
    *,
    variant: str = "full",
    num_examples: int = 14,
    frames: int = 8,
    size: int = 64,
    batch: int = 7,
    options: SamplingOptions = EVAL_OPTIONS,
    world_seed: int = 0,
    on_videos: Callable[[list[dict], np.ndarray], None] | None = None,
) -> dict:
    """Mean metrics over the first ``num_examples`` evaluation clips with 95 % bootstrap
    intervals (``intervals[metric] = [low, high]``), and per-clip scores. Clip k shows held-out
    triple k mod 14 with its own figure placement and sampling seed, so ``num_examples`` 56
    gives every triple four times.

    ``on_videos(records, videos)`` is called with every generated batch (e.g. to save them).
    """
    pipe = Pipeline(variant_bundle(bundle, variant), local_mesh())
    source = PoseWorldSource(kind="clip", split="eval", size=size, num_frames=frames,
                             length=num_examples, seed=world_seed)
    backgrounds = {n: draw_background(b, size, size) for n, b in BACKGROUNDS.items()}
    per_clip = []
    for start in range(0, num_examples, batch):
        records = [source[k] for k in range(start, min(start + batch, num_examples))]
        skeleton = None
        if variant != "no_pose":
            skeleton = np.stack([skeleton_video(r["keypoints"], size) for r in records])
        videos = pipe([r["caption"] for r in records], skeleton, frames=frames, height=size,
                      width=size, options=dataclasses.replace(options, seed=options.seed + start))
        if on_videos is not None:
            on_videos(records, videos)
        per_clip += [dict(caption=r["caption"], **score_clip(v, r, backgrounds))
                     for r, v in zip(records, videos, strict=True)]
    summary = {m: bootstrap_mean([c[m] for c in per_clip]) for m in METRICS}
    return dict(variant=variant, num_examples=num_examples, frames=frames, size=size,
                steps=options.num_steps, guidance=options.guidance_scale,
                **{m: mean for m, (mean, _, _) in summary.items()},
                intervals={m: [low, high] for m, (_, low, high) in summary.items()},
                per_clip=per_clip)


def differences_from(reports: list[dict], reference: str = "full") -> list[dict]:
    """For every other variant among ``reports`` (``evaluate_poseworld`` results on the same
    clips and seeds): ``reference`` minus it, per metric, as ``[mean, low, high]`` with a
    paired 95 % bootstrap interval over clips. Empty without ``reference``."""
    by_name = {r["variant"]: r for r in reports}
    if reference not in by_name:
        return []
    ref = by_name[reference]["per_clip"]
    out = []
    for name, report in by_name.items():
        if name == reference:
            continue
        if [c["caption"] for c in report["per_clip"]] != [c["caption"] for c in ref]:
            raise ValueError(f"{reference} and {name} were not scored on the same clips")
        out.append(dict(variant=reference, minus=name, **{
            m: list(paired_difference([c[m] for c in ref], [c[m] for c in report["per_clip"]]))
            for m in METRICS}))
    return out
