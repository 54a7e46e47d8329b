"""DDIM sampling (Song et al. 2020, eq. 12) and DDIM inversion, as diffusers' DDIMScheduler.

Everything a step needs is gathered from the constant alphas_cumprod table with the TRACED step
index `i`, so `step` runs inside `jax.jit` and `lax.fori_loop`. The step size is
`num_train_timesteps // len(timesteps)` (static): like diffusers, the "previous" timestep is
`t - step_size` whatever the spacing, so it is the next entry of a "leading" or "trailing"
grid but not always of a "linspace" one.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from fyp_jax.errors import ConfigError
from fyp_jax.schedulers import spacing
from fyp_jax.schedulers.parametrization import predict_x0_and_eps
from fyp_jax.schedulers.schedule import DDPMSchedule


@dataclasses.dataclass(frozen=True)
class DDIMScheduler(DDPMSchedule):
    """Deterministic (eta = 0) or stochastic DDIM; hashable, usable as a static jit argument.

    `set_alpha_to_one`: the last step lands on a "previous" timestep below 0 that has no abar;
    True uses abar = 1 there (a fully clean sample), False (SD 1.x, FollowYourPose) uses abar[0],
    i.e. the last step stops at the noise level of t = 0.
    `clip_sample` clamps the x0 prediction to +-clip_sample_range (diffusers' default True; SD's
    config sets it False, as latents are not in [-1, 1]).
    """

    clip_sample: bool = True
    clip_sample_range: float = 1.0
    set_alpha_to_one: bool = True
    steps_offset: int = 0
    timestep_spacing: str = "leading"

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        **DDPMSchedule.CHOICES,
        "timestep_spacing": spacing.SPACINGS,
    }
    UNSUPPORTED: ClassVar[dict[str, Any]] = {**DDPMSchedule.UNSUPPORTED, "thresholding": False}
    init_noise_sigma: ClassVar[float] = 1.0
    supports_eta: ClassVar[bool] = True  # `step` takes eta and a key

    @property
    def final_alpha_cumprod(self) -> float:
        """abar used for a timestep below 0 (see `set_alpha_to_one`)."""
        return 1.0 if self.set_alpha_to_one else float(self.alphas_cumprod[0])

    def timesteps(self, num_steps: int) -> np.ndarray:
        """The `num_steps` timesteps sampling visits, descending, int64, on the host."""
        spacing.check_num_steps(num_steps, self.num_train_timesteps)
        span = self.num_train_timesteps
        if self.timestep_spacing == "leading":
            return spacing.leading(span, num_steps, self.steps_offset)
        if self.timestep_spacing == "trailing":
            return spacing.trailing(span, num_steps)
        return spacing.linspace(span, num_steps)

    def inversion_timesteps(self, num_steps: int) -> np.ndarray:
        """The timesteps DDIM inversion visits: `timesteps(num_steps)` in ascending order."""
        return self.timesteps(num_steps)[::-1].copy()

    def init_carry(self, sample: jax.Array) -> tuple[()]:
        """DDIM keeps no state between steps."""
        del sample
        return ()

    def _abar(self, t: jax.Array) -> jax.Array:
        """abar[t] for a traced timestep, `final_alpha_cumprod` where t < 0."""
        table = jnp.asarray(self.alphas_cumprod)
        return jnp.where(t >= 0, table[jnp.maximum(t, 0)], jnp.float32(self.final_alpha_cumprod))

    def _levels(self, i: jax.Array | int, timesteps: jax.Array) -> tuple[jax.Array, jax.Array]:
        """(abar[t], abar[t - num_train // len(timesteps)]) for t = timesteps[i]."""
        timesteps = jnp.asarray(timesteps)
        t = timesteps[i]
        return self._abar(t), self._abar(t - self.num_train_timesteps // timesteps.shape[0])

    def _move(
        self,
        model_output: jax.Array,
        sample: jax.Array,
        abar_from: jax.Array,
        abar_to: jax.Array,
        noise_std: jax.Array | float = 0.0,
    ) -> jax.Array:
        """Re-noise the model's x0 prediction from noise level abar_from to abar_to, in float32.

        x_to = sqrt(abar_to) x0 + sqrt(1 - abar_to - std^2) eps; the caller adds std * noise.
        """
        x0, eps = predict_x0_and_eps(
            jnp.asarray(model_output, jnp.float32),
            jnp.asarray(sample, jnp.float32),
            jnp.sqrt(abar_from),
            jnp.sqrt(1.0 - abar_from),
            self.prediction_type,
        )
        if self.clip_sample:
            x0 = jnp.clip(x0, -self.clip_sample_range, self.clip_sample_range)
        return jnp.sqrt(abar_to) * x0 + jnp.sqrt(1.0 - abar_to - noise_std**2) * eps

    def step(
        self,
        model_output: jax.Array,
        i: jax.Array | int,
        timesteps: jax.Array,
        sample: jax.Array,
        carry: tuple[()] = (),
        eta: float | jax.Array = 0.0,
        key: jax.Array | None = None,
    ) -> tuple[jax.Array, tuple[()]]:
        """One DDIM step from `timesteps[i]` to `timesteps[i] - num_train // len(timesteps)`.

        `model_output` is the model's prediction at (sample, timesteps[i]). `eta` scales the
        fresh noise (0: deterministic DDIM, 1: DDPM-like posterior variance); with eta != 0 pass
        a PRNG `key`: the noise is `jax.random.normal(jax.random.fold_in(key, i), sample.shape)`,
        so one key serves the whole loop (a traced eta also needs a key). Returns
        (previous sample in sample's dtype, carry).
        """
        if key is None and not (isinstance(eta, (int, float)) and eta == 0):
            raise ConfigError("DDIM with eta != 0 draws noise: pass a jax.random key to step()")
        abar_t, abar_prev = self._levels(i, timesteps)
        if key is None:
            prev = self._move(model_output, sample, abar_t, abar_prev)
        else:
            # Posterior variance of DDPM between the two levels (DDIM paper, eq. 16).
            variance = (1.0 - abar_prev) / (1.0 - abar_t) * (1.0 - abar_t / abar_prev)
            std = eta * jnp.sqrt(variance)
            # Under a traced eta == 0 nothing is drawn: the branch not taken does not run.
            noise = jax.lax.cond(
                jnp.asarray(eta) != 0,
                lambda: std * jax.random.normal(jax.random.fold_in(key, i), jnp.shape(sample),
                                                jnp.float32),
                lambda: jnp.zeros(jnp.shape(sample), jnp.float32))
            prev = self._move(model_output, sample, abar_t, abar_prev, std) + noise
        return prev.astype(sample.dtype), carry

    def invert_step(
        self,
        model_output: jax.Array,
        i: jax.Array | int,
        timesteps: jax.Array,
        sample: jax.Array,
    ) -> jax.Array:
        """One DDIM inversion step (deterministic, eta = 0), the reverse of `step`.

        `timesteps` = `inversion_timesteps(n)` (ascending) and `model_output` is the prediction
        at (sample, timesteps[i]). The sample is taken to sit at the level of
        `timesteps[i] - num_train // n` (abar = `final_alpha_cumprod` below 0) and is moved to
        `timesteps[i]`: this is Tune-A-Video's `ddim_inversion` (used by FollowYourPose's
        `use_inv_latent`) and diffusers' DDIMInverseScheduler. After n steps the sample is at
        the first timestep `step` starts from.
        """
        abar_t, abar_from = self._levels(i, timesteps)
        return self._move(model_output, sample, abar_from, abar_t).astype(sample.dtype)
