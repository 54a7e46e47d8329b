"""Which training timesteps a sampler visits ("timestep_spacing"), computed on the host.

All grids are descending int64 numpy arrays, as diffusers returns them (see Table 2 of
"Common Diffusion Noise Schedules and Sample Steps are Flawed", arXiv 2305.08891):
- "leading": multiples of `span // points` counted up from 0, plus `steps_offset`. It never
  visits the noisiest timestep (SD 1.x with 50 steps starts at 981); `steps_offset=1` (SD's
  config) shifts the grid so that the last step denoises from t=1 rather than t=0, as in the
  original LDM/SD code. FollowYourPose samples with this grid.
- "trailing": counted down from `span - 1` by `span / points`, rounded; starts at the noisiest
  timestep. (diffusers' `np.arange` version returns points + 1 entries, the last one -1, for
  62 of the point counts up to 1000, e.g. 61; this one always returns `points` entries and
  agrees everywhere else.)
- "linspace": `points` rounded points evenly spread over [0, span - 1].
"""

from __future__ import annotations

import numpy as np

from fyp_jax.errors import ConfigError

SPACINGS = ("leading", "trailing", "linspace")


def check_num_steps(num_steps: int, num_train_timesteps: int) -> None:
    """Raise `ConfigError` unless 1 <= num_steps <= num_train_timesteps."""
    if not 1 <= num_steps <= num_train_timesteps:
        raise ConfigError(
            f"num_steps must be between 1 and num_train_timesteps ({num_train_timesteps}), "
            f"got {num_steps}"
        )


def leading(span: int, points: int, steps_offset: int) -> np.ndarray:
    """[(points-1) r, ..., r, 0] + steps_offset with r = span // points."""
    return (np.arange(points, dtype=np.int64) * (span // points))[::-1] + steps_offset


def trailing(span: int, points: int) -> np.ndarray:
    """round(span - k span / points) - 1 for k = 0 .. points - 1."""
    # numpy's arange steps by (start + step) - start, not by step; keep its rounding.
    delta = (span - span / points) - span
    return np.round(span + np.arange(points) * delta).astype(np.int64) - 1


def linspace(span: int, points: int) -> np.ndarray:
    """round(linspace(0, span - 1, points)), descending."""
    return np.linspace(0, span - 1, points).round()[::-1].astype(np.int64)
