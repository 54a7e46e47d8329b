"""What a diffusion model's output means: turning it into (x0, epsilon) at a noise level.

With x_t = alpha x0 + sigma eps (alpha = sqrt(abar), sigma = sqrt(1 - abar)) a model predicts
one of eps ("epsilon", SD 1.x), x0 ("sample") or v = alpha eps - sigma x0 ("v_prediction",
SD 2.x-v). Samplers pass their own alpha and sigma because diffusers computes them differently
per scheduler (DDIM from abar, DPM-Solver from sigma/alpha), which matters at the 1e-7 level.
"""

from __future__ import annotations

import jax

from fyp_jax.errors import ConfigError

PREDICTION_TYPES = ("epsilon", "v_prediction", "sample")


def check_prediction_type(prediction_type: str) -> None:
    """Raise `ConfigError` unless `prediction_type` is one of `PREDICTION_TYPES`."""
    if prediction_type not in PREDICTION_TYPES:
        raise ConfigError(
            f"prediction_type={prediction_type!r} is not supported; choose one of "
            f"{', '.join(PREDICTION_TYPES)}"
        )


def predict_x0_and_eps(
    model_output: jax.Array,
    sample: jax.Array,
    alpha: jax.Array,
    sigma: jax.Array,
    prediction_type: str,
) -> tuple[jax.Array, jax.Array]:
    """(x0, eps) implied by `model_output` for the noisy `sample` = alpha x0 + sigma eps."""
    check_prediction_type(prediction_type)
    if prediction_type == "epsilon":
        return (sample - sigma * model_output) / alpha, model_output
    if prediction_type == "sample":
        return model_output, (sample - alpha * model_output) / sigma
    return alpha * sample - sigma * model_output, alpha * model_output + sigma * sample
