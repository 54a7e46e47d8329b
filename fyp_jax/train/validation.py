"""Validation videos during training, through the sampling Pipeline users run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fyp_jax.bundle import ModelBundle
from fyp_jax.pipeline import Pipeline, SamplingOptions
from fyp_jax.pose.video import load_pose_frames
from fyp_jax.pose.video_writer import write_video


def validation_videos(bundle: ModelBundle, cfg: Any, step: int, folder: str | os.PathLike
                      ) -> list[Path]:
    """Sample one video per ``cfg.prompts`` (following the skeleton video ``cfg.pose`` when set
    and the bundle has a pose encoder) and write ``step_<step>_<i>.<cfg.format>``."""
    skeleton = None
    if cfg.pose and bundle.has_pose_encoder:
        skeleton = load_pose_frames(cfg.pose, cfg.frames, cfg.stride, size=(cfg.height, cfg.width))
    options = SamplingOptions(num_steps=cfg.steps, guidance_scale=cfg.guidance, seed=cfg.seed)
    # A new Pipeline per validation places the current params; its programs are compiled once
    # per run (they are keyed by the modules and shapes, not by the Pipeline object).
    videos = Pipeline(bundle)(list(cfg.prompts), skeleton, frames=cfg.frames, height=cfg.height,
                              width=cfg.width, options=options)
    return [write_video(Path(folder) / f"step_{step:07d}_{i}.{cfg.format}", video, fps=cfg.fps)
            for i, video in enumerate(videos)]
