"""Long videos on PoseWorld: seams, drift and pose accuracy of windowed sampling (README, "Long
videos"), in four settings of one schedule (window W, overlap O):

- ``one_shot``: every frame in one window (the whole video at once, where memory allows);
- ``independent``: windows side by side (no overlap, no fusion), each with its own frame 0;
- ``fused``: overlapping windows, predictions fused per step, no global anchor;
- ``ours``: ``fused`` with every window anchored to the global frame 0 and the frame before it.

Clips are the evaluation triples with their motion repeated at the speed of a training clip
(``clip_frames`` frames per motion segment), for as many frames as asked. Each setting samples in
a fresh process, so its peak RSS is its own. Metrics per clip: pose IoU over all frames; text
alignment of the first and of the last 16 frames (drift); seam ratio = mean consecutive-frame
difference across the schedule's window joins / the same elsewhere (1.0: invisible seams); worst
jump = max / median consecutive-frame difference.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import resource
import time

import numpy as np

from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.data.poseworld.scene import render_scene, sample_scene
from fyp_jax.data.poseworld.vocabulary import BACKGROUNDS, COLORS
from fyp_jax.errors import ConfigError
from fyp_jax.eval.metrics import color_mask, pose_iou, text_alignment
from fyp_jax.eval.poseworld import EVAL_OPTIONS
from fyp_jax.pipeline import SamplingOptions
from fyp_jax.pipeline.windows import Windows
from fyp_jax.sharding import local_mesh

SETTINGS = ("one_shot", "independent", "fused", "ours")
DRIFT_FRAMES = 16


def setting_options(setting: str, options: SamplingOptions, frames: int,
                    schedule: Windows) -> SamplingOptions:
    """``options`` with the window fields of ``setting`` for a video of ``frames`` frames."""
    if setting not in SETTINGS:
        raise ConfigError(f"unknown long-video setting {setting!r}; known: {', '.join(SETTINGS)}")
    if setting == "one_shot":
        return dataclasses.replace(options, window=frames)
    overlap = 0 if setting == "independent" else schedule.overlap
    return dataclasses.replace(options, window=schedule.size, overlap=overlap,
                               fusion=schedule.fusion, shift=schedule.shift,
                               anchor=setting == "ours")


def long_clip(index: int, frames: int, size: int, clip_frames: int, world_seed: int = 0) -> dict:
    """Evaluation clip ``index`` as ``frames`` frames, its motion repeated at training speed."""
    scene = sample_scene(world_seed, "eval", index)
    (figure,) = scene.figures
    figure = dataclasses.replace(figure, cycles=figure.cycles * frames / clip_frames)
    truth, keypoints = render_scene(dataclasses.replace(scene, figures=(figure,)), size, frames)
    return dict(caption=scene.caption, color=figure.color, background=scene.background,
                frames=truth, keypoints=keypoints[:, 0])


def frame_differences(video: np.ndarray) -> np.ndarray:
    """float ``[F-1]``: mean absolute difference of each consecutive pair of uint8 frames."""
    x = video.astype(np.float32)
    return np.abs(x[1:] - x[:-1]).mean(axis=(1, 2, 3))


def seam_ratio(video: np.ndarray, joins: list[int]) -> float:
    """Mean frame difference across the joins (pairs (j-1, j)) / the mean over all other pairs."""
    diff = frame_differences(video)
    at = np.zeros(len(diff), bool)
    at[[j - 1 for j in joins]] = True
    return float(diff[at].mean() / max(diff[~at].mean(), 1e-6))


def worst_jump(video: np.ndarray) -> float:
    """Largest consecutive-frame difference / the median one."""
    diff = frame_differences(video)
    return float(diff.max() / max(np.median(diff), 1e-6))


def score_long(video: np.ndarray, clip: dict, joins: list[int], backgrounds: dict) -> dict:
    truth, rgb = clip["frames"], COLORS[clip["color"]]

    def aligned(part: slice) -> float:
        return text_alignment(video[part], clip["color"], clip["background"], COLORS,
                              backgrounds, color_mask(truth[part], rgb))

    return dict(pose_iou=pose_iou(video, truth, rgb),
                text_first16=aligned(slice(0, DRIFT_FRAMES)),
                text_last16=aligned(slice(-DRIFT_FRAMES, None)),
                seam_ratio=seam_ratio(video, joins), worst_jump=worst_jump(video))


def _sample_worker(model: str, clips: list[dict], frames: int, size: int,
                   options: SamplingOptions, queue) -> None:
    """In a fresh process: sample ``clips``; put (videos, seconds, peak RSS bytes)."""
    from fyp_jax.bundle import load_bundle
    from fyp_jax.eval.poseworld import skeleton_video
    from fyp_jax.pipeline import Pipeline
    from fyp_jax.pipeline.compile_cache import enable_compilation_cache

    enable_compilation_cache()
    pipe = Pipeline(load_bundle(model), local_mesh())
    skeleton = np.stack([skeleton_video(c["keypoints"], size) for c in clips])
    t0 = time.perf_counter()
    videos = pipe([c["caption"] for c in clips], skeleton, frames=frames, height=size,
                  width=size, options=options)
    seconds = time.perf_counter() - t0
    queue.put((videos, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


def sample_in_process(model: str, clips: list[dict], frames: int, size: int,
                      options: SamplingOptions) -> tuple[np.ndarray, float, int]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_sample_worker, args=(model, clips, frames, size, options, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def evaluate_long(model: str, clip_frames: int, *, settings: tuple[str, ...] = SETTINGS,
                  frame_counts: tuple[int, ...] = (64, 256), num_examples: int = 2,
                  size: int = 64, options: SamplingOptions = EVAL_OPTIONS,
                  on_videos=None, log=None) -> list[dict]:
    """One report per (frame count, setting): mean metrics over ``num_examples`` clips, seconds
    (first call, compilation included) and the sampling process's peak RSS.

    ``options``' window fields give the schedule of the windowed settings (window None: the
    model's ``clip_frames``). ``log(line)`` gets one line per report as it is measured.
    """
    schedule = options.windows(clip_frames)
    backgrounds = {n: draw_background(b, size, size) for n, b in BACKGROUNDS.items()}
    reports = []
    for frames in frame_counts:
        clips = [long_clip(k, frames, size, clip_frames) for k in range(num_examples)]
        for setting in settings:
            opts = setting_options(setting, options, frames, schedule)
            videos, seconds, rss = sample_in_process(model, clips, frames, size, opts)
            if on_videos is not None:
                on_videos(setting, frames, clips, videos)
            own = opts.windows(clip_frames)
            # one_shot has no joins: it is measured at those of ``ours`` (the reference).
            joins = (schedule if setting == "one_shot" else own).joins(frames)
            per_clip = [score_long(v, c, joins, backgrounds)
                        for v, c in zip(videos, clips, strict=True)]
            means = {k: float(np.mean([p[k] for p in per_clip])) for k in per_clip[0]}
            reports.append(dict(setting=setting, frames=frames, num_examples=num_examples,
                                window=own.size, overlap=own.overlap, anchor=own.anchor,
                                steps=options.num_steps, seconds=seconds,
                                peak_rss_gib=rss / 2**30, **means, per_clip=per_clip))
            if log is not None:
                log(table(reports[-1:]).splitlines()[-1])
    return reports


COLUMNS = ("pose_iou", "text_first16", "text_last16", "seam_ratio", "worst_jump", "seconds",
           "peak_rss_gib")


def table(reports: list[dict]) -> str:
    """The reports as a markdown table, one row per (frame count, setting)."""
    lines = ["| frames | setting | " + " | ".join(COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for r in reports:
        lines.append(f"| {r['frames']} | {r['setting']} | "
                     + " | ".join(f"{r[c]:.3f}" if c not in ("seconds",) else f"{r[c]:.0f}"
                                  for c in COLUMNS) + " |")
    return "\n".join(lines)
