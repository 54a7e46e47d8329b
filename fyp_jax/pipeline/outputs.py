"""Writing generated videos: an mp4 and a gif per prompt, and a side-by-side grid."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fyp_jax.pose import write_video


def slug(text: str, limit: int = 48) -> str:
    """A file-name-safe version of a prompt."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:limit] or "video"


def side_by_side(skeleton: np.ndarray | None, videos: np.ndarray) -> np.ndarray:
    """``[f, H, (1 + n) W, 3]``: the skeleton (when given) then every video, left to right."""
    panels = ([] if skeleton is None else [skeleton]) + list(videos)
    return np.concatenate(panels, axis=2)


def write_outputs(out_dir: str | Path, prompts: Sequence[str], videos: np.ndarray,
                  skeleton: np.ndarray | None, fps: float) -> list[Path]:
    """Write ``<i>_<prompt>.mp4/.gif`` per prompt and ``grid.mp4/.gif``; return the paths."""
    out_dir = Path(out_dir)
    paths = []
    # ffmpeg runs as a fork+exec subprocess; Python's fork-in-threaded-process warning does
    # not apply to an immediate exec.
    warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
    for i, (prompt, video) in enumerate(zip(prompts, videos, strict=True)):
        for suffix in (".mp4", ".gif"):
            paths.append(write_video(out_dir / f"{i:02d}_{slug(prompt)}{suffix}", video, fps))
    skel = None if skeleton is None else (np.clip(skeleton, 0, 1) * 255 + 0.5).astype(np.uint8)
    grid = side_by_side(skel, videos)
    for suffix in (".mp4", ".gif"):
        paths.append(write_video(out_dir / f"grid{suffix}", grid, fps))
    return paths
