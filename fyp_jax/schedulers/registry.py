"""Sampler names used by configs and CLIs (`--config.sampler=ddim`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fyp_jax.errors import ConfigError
from fyp_jax.schedulers.ddim import DDIMScheduler
from fyp_jax.schedulers.dpm_solver import DPMSolverMultistepScheduler

SCHEDULERS: dict[str, type[DDIMScheduler] | type[DPMSolverMultistepScheduler]] = {
    "ddim": DDIMScheduler,
    "dpmpp_2m": DPMSolverMultistepScheduler,
}


def make_scheduler(
    name: str, config: Mapping[str, Any]
) -> DDIMScheduler | DPMSolverMultistepScheduler:
    """The sampler called `name`, built from a diffusers scheduler config dict.

    The config may come from any diffusers scheduler (SD folders ship a PNDM one): keys the
    sampler does not know are ignored, missing ones take the sampler's diffusers defaults.
    """
    if name not in SCHEDULERS:
        raise ConfigError(f"unknown scheduler {name!r}; known: {', '.join(sorted(SCHEDULERS))}")
    return SCHEDULERS[name].from_config(config)
