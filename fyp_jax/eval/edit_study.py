"""``evaluate.py --task edit``: change one attribute of PoseWorld evaluation clips and score how
each method does it (:mod:`fyp_jax.eval.edit`):

- ``edit``: ours: the source inverted under its caption, the part the edit leaves alone
  blended back (``keep="background"`` for a figure edit, ``"figure"`` for a background edit);
- ``blended``: as ``edit``, but the edited part starts from fresh noise (the source noised
  to the first step's level, ``edit_start="noise"``): blended latent diffusion as published;
- ``inversion``: the original's ``use_inv_latent``: inverted under the empty prompt, nothing
  blended;
- ``noise``: plain generation from noise with the source's pose and the new caption.

DDIM editing from the inversion is deterministic (eta 0), so ``edit`` and ``inversion`` run once
per clip; ``blended`` and ``noise`` draw noise, so they run once per seed. Means come with 95 %
bootstrap intervals over clips (and seeds).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from fyp_jax.bundle import ModelBundle
from fyp_jax.data.poseworld.scene import render_scene, sample_scene
from fyp_jax.errors import ConfigError
from fyp_jax.eval.edit import SCORES, edit_target, score_edit
from fyp_jax.eval.intervals import bootstrap_mean
from fyp_jax.eval.poseworld import skeleton_video
from fyp_jax.pipeline import Pipeline, SamplingOptions
from fyp_jax.sharding import local_mesh

METHODS = ("edit", "blended", "inversion", "noise")
SEEDED = ("blended", "noise")  # the methods that draw noise


def check_methods(names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in METHODS]
    if unknown or not names:
        raise ConfigError(f"unknown methods {unknown or list(names)}; known: {', '.join(METHODS)}")


def method_call(method: str, attribute: str, options: SamplingOptions, sources: np.ndarray,
                captions: list[str], keep_until: float = 1.0) -> tuple[SamplingOptions, dict]:
    """(options, extra Pipeline arguments) of ``method`` for a batch of source clips;
    ``keep_until``: the blending methods' :class:`SamplingOptions` field."""
    if method == "noise":
        return options, {}
    if method == "inversion":
        return options, dict(source_video=sources)
    keep = "figure" if attribute == "background" else "background"
    start = "noise" if method == "blended" else "inversion"
    return (dataclasses.replace(options, keep=keep, edit_start=start, keep_until=keep_until),
            dict(source_video=sources, source_prompts=captions))


def evaluate_edits(bundle: ModelBundle, *, attributes: Sequence[str], methods: Sequence[str],
                   num_examples: int, frames: int, size: int, options: SamplingOptions,
                   seeds: Sequence[int], keep_until: float = 1.0, batch: int = 7,
                   world_seed: int = 0,
                   on_videos: Callable[[str, str, list[str], np.ndarray, np.ndarray], None]
                   | None = None, log: Callable[[str], None] = print) -> dict:
    """Per (method, attribute): the mean of every score of :data:`SCORES` with its interval,
    and per-clip scores. Clip k is evaluation example k; its new value is drawn from
    ``(world_seed, k)``. ``on_videos(method, attribute, captions, sources, videos)`` sees
    every batch. ``keep_until``: see :func:`method_call`."""
    pipe = Pipeline(bundle, local_mesh())
    scenes = [sample_scene(world_seed, "eval", k) for k in range(num_examples)]
    rendered = [render_scene(s, size, frames) for s in scenes]
    sources = np.stack([f for f, _ in rendered])
    skeletons = np.stack([skeleton_video(k[:, 0], size) for _, k in rendered])
    rows, per_clip = [], []
    for attribute in attributes:
        targets = [edit_target(s, attribute, np.random.default_rng([world_seed, k]))
                   for k, s in enumerate(scenes)]
        for method in methods:
            scores = []
            for seed in seeds if method in SEEDED else seeds[:1]:
                for start in range(0, num_examples, batch):
                    part = slice(start, min(start + batch, num_examples))
                    prompts = [t.caption for t in targets[part]]
                    opts, extra = method_call(
                        method, attribute, dataclasses.replace(options, seed=seed + start),
                        sources[part], [s.caption for s in scenes[part]], keep_until)
                    videos = pipe(prompts, skeletons[part], frames=frames, height=size,
                                  width=size, options=opts, **extra)
                    if on_videos is not None:
                        on_videos(method, attribute, prompts, sources[part], videos)
                    for k, video in zip(range(part.start, part.stop), videos, strict=True):
                        score = score_edit(video, scenes[k], targets[k], attribute, sources[k])
                        scores.append(score)
                        per_clip.append(dict(method=method, attribute=attribute, clip=k,
                                             seed=seed, caption=targets[k].caption, **score))
            row = dict(method=method, attribute=attribute, n=len(scores),
                       **{m: bootstrap_mean([s[m] for s in scores]) for m in SCORES})
            rows.append(row)
            log(line(row))
    return dict(num_examples=num_examples, frames=frames, size=size, steps=options.num_steps,
                guidance=options.guidance_scale, seeds=list(seeds), keep_until=keep_until,
                rows=rows, per_clip=per_clip)


def line(row: dict) -> str:
    return f"{row['attribute']:>10} {row['method']:>9} n={row['n']:<3} " + "  ".join(
        f"{m} {row[m][0]:.3f} [{row[m][1]:.3f}, {row[m][2]:.3f}]" for m in SCORES)


def table(rows: list[dict]) -> str:
    """The README's edit table (markdown)."""
    out = ["| attribute | method | n | changed | preserved | pose IoU | kept error |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{r[m][0]:.3f} [{r[m][1]:.3f}, {r[m][2]:.3f}]" for m in SCORES]
        out.append(f"| {r['attribute']} | {r['method']} | {r['n']} | " + " | ".join(cells) + " |")
    return "\n".join(out)
