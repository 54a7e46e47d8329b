"""DPM-Solver++(2M) (Lu et al. 2022, arXiv 2211.01095), as diffusers' DPMSolverMultistepScheduler.

The solver integrates the data-prediction ODE in lambda = log(alpha / sigma): each model output is
first turned into an x0 prediction, then

    x_next = (sigma_next / sigma) x - alpha_next (exp(-h) - 1) (D0 + w D1),   h = lambda_next - lambda

with D0 the current x0 prediction, D1 = (D0 - previous x0 prediction) h / h_prev and w = 1/2 for
the second-order ("midpoint") update, w = 0 for a first-order (DDIM-like) step. The first step is
first order (no previous prediction yet), and so is the last one, which lands on sigma = 0
(`final_sigmas_type="zero"`) or, with `lower_order_final` and fewer than 15 steps, always.
The only state carried between steps is the previous x0 prediction.

Noise levels follow diffusers: sigma_hat = sqrt((1 - abar) / abar) in float32 per timestep, then
alpha = 1 / sqrt(1 + sigma_hat^2), sigma = sigma_hat alpha.
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

# `lower_order_final` only applies to runs of fewer steps than this (diffusers' choice).
_LOWER_ORDER_FINAL_BELOW = 15


@dataclasses.dataclass(frozen=True)
class DPMSolverMultistepScheduler(DDPMSchedule):
    """Deterministic multistep DPM-Solver++ of order 1 or 2 (midpoint), diffusers-compatible.

    Unlike DDIM, diffusers defaults to "linspace" spacing here, which does reach t = 999.
    `final_sigmas_type`: "zero" makes the last step return the x0 prediction itself;
    "sigma_min" stops at the noise level of t = 0.
    """

    solver_order: int = 2
    algorithm_type: str = "dpmsolver++"
    solver_type: str = "midpoint"
    lower_order_final: bool = True
    euler_at_final: bool = False
    final_sigmas_type: str = "zero"
    timestep_spacing: str = "linspace"
    steps_offset: int = 0

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        **DDPMSchedule.CHOICES,
        "algorithm_type": ("dpmsolver++",),
        "solver_type": ("midpoint",),
        "final_sigmas_type": ("zero", "sigma_min"),
        "timestep_spacing": spacing.SPACINGS,
    }
    UNSUPPORTED: ClassVar[dict[str, Any]] = {
        **DDPMSchedule.UNSUPPORTED,
        "thresholding": False,
        "use_karras_sigmas": False,
        "use_exponential_sigmas": False,
        "use_beta_sigmas": False,
        "use_lu_lambdas": False,
        "use_flow_sigmas": False,
        "use_dynamic_shifting": False,
        "variance_type": None,
        "lambda_min_clipped": -float("inf"),
    }
    init_noise_sigma: ClassVar[float] = 1.0
    supports_eta: ClassVar[bool] = False  # deterministic: `step` needs eta == 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.solver_order not in (1, 2):
            raise ConfigError(f"solver_order={self.solver_order} is not supported; choose 1 or 2")

    def timesteps(self, num_steps: int) -> np.ndarray:
        """The `num_steps` timesteps sampling visits, descending, int64, on the host.

        "leading" and "linspace" lay out num_steps + 1 points and drop the smallest: the solver's
        last step goes to sigma = 0 (clean data) instead of evaluating the model there.
        """
        spacing.check_num_steps(num_steps, self.num_train_timesteps)
        span = self.num_train_timesteps
        if self.timestep_spacing == "leading":
            return spacing.leading(span, num_steps + 1, self.steps_offset)[:-1]
        if self.timestep_spacing == "trailing":
            return spacing.trailing(span, num_steps)
        return spacing.linspace(span, num_steps + 1)[:-1]

    @property
    def sigma_hats(self) -> np.ndarray:
        """sqrt((1 - abar) / abar) per training timestep, float32 (diffusers' `sigmas`)."""
        abar = self.alphas_cumprod
        return np.sqrt((np.float32(1.0) - abar) / abar)

    def init_carry(self, sample: jax.Array) -> jax.Array:
        """The previous x0 prediction (zeros before the first step, where it is unused)."""
        return jnp.zeros(jnp.shape(sample), jnp.float32)

    def step(
        self,
        model_output: jax.Array,
        i: jax.Array | int,
        timesteps: jax.Array,
        sample: jax.Array,
        carry: jax.Array,
        eta: float = 0.0,
        key: jax.Array | None = None,
    ) -> tuple[jax.Array, jax.Array]:
        """One solver step from `timesteps[i]` to `timesteps[i + 1]` (sigma = final after the last).

        `model_output` is the model's prediction at (sample, timesteps[i]); `carry` comes from
        `init_carry` or the previous step. The solver is deterministic: `eta` must be 0 and
        `key` is ignored (both exist to share DDIM's signature). Returns (sample, carry).
        """
        del key
        if not (isinstance(eta, (int, float)) and eta == 0):
            raise ConfigError("DPM-Solver++ is deterministic: eta must be 0 (eta is for DDIM)")
        i, timesteps = jnp.asarray(i), jnp.asarray(timesteps)
        num_steps = timesteps.shape[0]
        sigma_hats = jnp.asarray(self.sigma_hats)
        final_sigma_hat = 0.0 if self.final_sigmas_type == "zero" else self.sigma_hats[0]
        is_last = i == num_steps - 1
        next_t = timesteps[jnp.minimum(i + 1, num_steps - 1)]
        sigma_hat_next = jnp.where(is_last, jnp.float32(final_sigma_hat), sigma_hats[next_t])
        alpha_s, sigma_s, lambda_s = _alpha_sigma_lambda(sigma_hats[timesteps[i]])
        alpha_t, sigma_t, lambda_t = _alpha_sigma_lambda(sigma_hat_next)
        _, _, lambda_prev = _alpha_sigma_lambda(sigma_hats[timesteps[jnp.maximum(i - 1, 0)]])

        out_dtype = sample.dtype
        sample = jnp.asarray(sample, jnp.float32)
        x0, _ = predict_x0_and_eps(
            jnp.asarray(model_output, jnp.float32), sample, alpha_s, sigma_s, self.prediction_type
        )
        second_order = (
            (self.solver_order == 2) & (i > 0) & ~(is_last & self._first_order_last(num_steps))
        )
        h = lambda_t - lambda_s
        h_prev = jnp.where(second_order, lambda_s - lambda_prev, 1.0)
        weight = jnp.where(second_order, 0.5 * h / h_prev, 0.0)
        data = x0 + weight * (x0 - carry)
        prev = (sigma_t / sigma_s) * sample - alpha_t * jnp.expm1(-h) * data
        return prev.astype(out_dtype), x0

    def _first_order_last(self, num_steps: int) -> bool:
        """Whether the last step is first order (static)."""
        return (
            self.euler_at_final
            or self.final_sigmas_type == "zero"
            or (self.lower_order_final and num_steps < _LOWER_ORDER_FINAL_BELOW)
        )


def _alpha_sigma_lambda(sigma_hat: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(alpha, sigma, lambda = log alpha - log sigma) for sigma_hat = sigma / alpha."""
    alpha = 1.0 / jnp.sqrt(sigma_hat**2 + 1.0)
    sigma = sigma_hat * alpha
    return alpha, sigma, jnp.log(alpha) - jnp.log(sigma)
