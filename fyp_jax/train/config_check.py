"""The numbers and paths of a training config, checked before anything is built or compiled
(a `num_steps=-5` used to train nothing and exit 0; a NaN learning rate to train NaNs)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fyp_jax.errors import ConfigError
from fyp_jax.output_folder import check_writable

# field -> smallest allowed value (integers)
AT_LEAST = {"num_steps": 1, "batch_size": 1, "accum_steps": 1, "checkpoint.every": 1,
            "checkpoint.keep": 1, "log.every": 1, "validation.every": 0, "data.frames": 1,
            "data.height": 8, "data.width": 8, "data.num_examples": 1, "data.vae_chunk": 1,
            "optim.warmup_steps": 0}
# field -> (low, high, low allowed?) for floats (high allowed), every one of them finite
IN_RANGE = {"optim.lr": (0.0, math.inf, False), "optim.b1": (0.0, 1.0, True),
            "optim.b2": (0.0, 1.0, True), "optim.eps": (0.0, math.inf, False),
            "optim.weight_decay": (0.0, math.inf, True), "optim.max_grad_norm": (0.0, math.inf, True),
            "optim.ema_decay": (0.0, 1.0, True), "optim.final_lr_fraction": (0.0, 1.0, True),
            "diffusion.prompt_dropout": (0.0, 1.0, True), "diffusion.snr_gamma": (0.0, math.inf, True),
            "stage2.pose_fraction": (0.0, 1.0, True)}


def check_train_config(cfg: Any) -> None:
    """ConfigError naming the first field out of range, or an unusable workdir."""
    for field, low in AT_LEAST.items():
        value = _get(cfg, field)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(f"--config.{field}={value}: must be an integer >= {low}")
    for field, (low, high, low_ok) in IN_RANGE.items():
        value = _get(cfg, field)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (number and math.isfinite(value) and value <= high
                and (value >= low if low_ok else value > low)):
            bound = ">=" if low_ok else ">"
            raise ConfigError(f"--config.{field}={value}: must be a finite number {bound} {low}"
                              + (f" and <= {high:g}" if high < math.inf else ""))
    if cfg.data.height % 8 or cfg.data.width % 8:
        raise ConfigError(f"--config.data.height/width = {cfg.data.height}x{cfg.data.width}: "
                          "must be multiples of 8 (the VAE's factor)")
    check_writable(Path(cfg.workdir), "--config.workdir")


def _get(cfg: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        cfg = cfg[part]
    return cfg
