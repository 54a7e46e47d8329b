"""The DDPM noise schedule: betas -> alphas_cumprod, bit-compatible with diffusers on CPU.

A model trained with diffusers saw `alphas_cumprod` as diffusers computes it, so we reproduce its
float32 values, not just the formula:
- `linear` / `scaled_linear` betas come from `torch.linspace(..., dtype=float32)`, which rounds
  the step to float32 first and then builds each point as ONE rounding of `start + step * i`
  (first half) or `end - step * (n - 1 - i)` (second half); `scaled_linear` squares in float32.
  A float64 `np.linspace` cast to float32 differs in about a third of the entries by one ulp.
- `squaredcos_cap_v2` (GLIDE cosine) betas are computed in float64 and cast to float32.
- `alphas = 1 - betas` in float32, and the cumulative product runs in a float64 accumulator with
  each partial product rounded to float32 (torch's CPU cumprod). A float32 running product
  drifts from it by up to ~3e-7.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import jax
import numpy as np

from fyp_jax.errors import ConfigError
from fyp_jax.schedulers import forward_process
from fyp_jax.schedulers.config import fields_from_config, normalise_fields
from fyp_jax.schedulers.parametrization import PREDICTION_TYPES

BETA_SCHEDULES = ("linear", "scaled_linear", "squaredcos_cap_v2")


def torch_linspace_float32(start: float, end: float, num: int) -> np.ndarray:
    """`torch.linspace(start, end, num, dtype=torch.float32)` as torch computes it (num >= 2).

    Bit-identical to torch 2.13's CPU kernel on an FMA-capable x86 CPU (checked against several
    sizes); a build without fused multiply-add could differ by one ulp in some entries.
    """
    start32, end32 = np.float32(start), np.float32(end)
    step = np.float32((end32 - start32) / np.float32(num - 1))
    index = np.arange(num)
    # Products of two float32 numbers and these sums are exact in float64, so the cast below is
    # the single rounding of a fused multiply-add.
    from_start = np.float64(start32) + np.float64(step) * index
    from_end = np.float64(end32) - np.float64(step) * (num - 1 - index)
    return np.where(index < num // 2, from_start, from_end).astype(np.float32)


def glide_cosine_betas(num: int, max_beta: float = 0.999) -> np.ndarray:
    """Betas whose alphas_cumprod follows cos^2((t + 0.008) / 1.008 * pi / 2) (GLIDE), float32."""
    steps = np.arange(num + 1, dtype=np.float64) / num
    alpha_bar = np.cos((steps + 0.008) / 1.008 * np.pi / 2) ** 2
    return np.minimum(1 - alpha_bar[1:] / alpha_bar[:-1], max_beta).astype(np.float32)


@functools.lru_cache(maxsize=32)
def _alphas_cumprod(
    num_train_timesteps: int,
    beta_start: float,
    beta_end: float,
    beta_schedule: str,
    trained_betas: tuple[float, ...] | None,
) -> np.ndarray:
    if trained_betas is not None:
        betas = np.asarray(trained_betas, dtype=np.float32)
    elif beta_schedule == "linear":
        betas = torch_linspace_float32(beta_start, beta_end, num_train_timesteps)
    elif beta_schedule == "scaled_linear":
        roots = torch_linspace_float32(beta_start**0.5, beta_end**0.5, num_train_timesteps)
        betas = roots * roots
    else:
        betas = glide_cosine_betas(num_train_timesteps)
    alphas = np.float32(1.0) - betas
    table = np.cumprod(alphas.astype(np.float64)).astype(np.float32)
    table.flags.writeable = False
    return table


@dataclasses.dataclass(frozen=True)
class DDPMSchedule:
    """The forward (noising) process a diffusion model was trained with; used for training.

    Field names and defaults are those of diffusers' DDPM/DDIM/DPM-Solver schedulers, so
    `DDPMSchedule.from_config(json.load(open('scheduler/scheduler_config.json')))` works.
    The sampling schedulers extend this class with their own options.
    """

    num_train_timesteps: int = 1000
    beta_start: float = 0.0001
    beta_end: float = 0.02
    beta_schedule: str = "linear"
    trained_betas: tuple[float, ...] | None = None
    prediction_type: str = "epsilon"

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        "beta_schedule": BETA_SCHEDULES,
        "prediction_type": PREDICTION_TYPES,
    }
    # option -> the only value accepted (diffusers' default): settings we do not implement.
    UNSUPPORTED: ClassVar[dict[str, Any]] = {"rescale_betas_zero_snr": False}

    def __post_init__(self) -> None:
        normalise_fields(self, self.CHOICES)
        if self.num_train_timesteps < 2:
            raise ConfigError(f"num_train_timesteps must be >= 2, got {self.num_train_timesteps}")
        if self.trained_betas is not None:
            betas = tuple(float(b) for b in np.asarray(self.trained_betas).reshape(-1))
            if len(betas) != self.num_train_timesteps:
                raise ConfigError(
                    f"trained_betas has {len(betas)} entries but num_train_timesteps is "
                    f"{self.num_train_timesteps}; they must agree"
                )
            object.__setattr__(self, "trained_betas", betas)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """Build from a diffusers scheduler config dict; unknown keys are ignored."""
        return cls(**fields_from_config(cls, config, cls.UNSUPPORTED))

    @property
    def alphas_cumprod(self) -> np.ndarray:
        """abar[t] = prod_{s<=t} (1 - beta_s), float32 [num_train_timesteps], read-only."""
        return _alphas_cumprod(
            self.num_train_timesteps,
            self.beta_start,
            self.beta_end,
            self.beta_schedule,
            self.trained_betas,
        )

    def add_noise(self, x0: jax.Array, noise: jax.Array, t: jax.Array) -> jax.Array:
        """x_t = sqrt(abar[t]) x0 + sqrt(1 - abar[t]) noise; see `forward_process.add_noise`."""
        return forward_process.add_noise(self.alphas_cumprod, x0, noise, t)

    def get_velocity(self, x0: jax.Array, noise: jax.Array, t: jax.Array) -> jax.Array:
        """v = sqrt(abar[t]) noise - sqrt(1 - abar[t]) x0; see `forward_process.get_velocity`."""
        return forward_process.get_velocity(self.alphas_cumprod, x0, noise, t)

    def training_target(self, x0: jax.Array, noise: jax.Array, t: jax.Array) -> jax.Array:
        """The regression target of the model for this schedule's `prediction_type`."""
        return forward_process.training_target(
            self.alphas_cumprod, x0, noise, t, self.prediction_type
        )
