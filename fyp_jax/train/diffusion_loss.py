"""The denoising objective shared by every stage, as the original trainer computes it.

``t ~ U{0, ..., T-1}`` per example, ``noise ~ N(0, 1)``, ``x_t = add_noise(x0, noise, t)``, and
the float32 mean over all elements of ``(unet(x_t, t, text) - target)^2`` where the target is the
noise (epsilon prediction) or the velocity (v-prediction), per the schedule's prediction_type.

With ``snr_gamma > 0`` each example's squared error is weighted by Min-SNR-gamma (Hang et al.
2023, arXiv 2303.09556): ``min(SNR(t), gamma) / SNR(t)`` for epsilon prediction and
``min(SNR(t), gamma) / (SNR(t) + 1)`` for v-prediction, so the many low-noise timesteps stop
dominating the gradient (the paper reports about 3x faster convergence; the PoseWorld recipe uses
it, not ablated here). ``0`` is the original.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from fyp_jax.models.unet3d import UNet3DConditionModel
from fyp_jax.schedulers import DDPMSchedule
from fyp_jax.sharding import rows_per_device


def draw_noise(key: jax.Array, x0: jax.Array, schedule: DDPMSchedule
               ) -> tuple[jax.Array, jax.Array]:
    """(noise like ``x0`` in float32, one int32 timestep per example)."""
    k_noise, k_t = jax.random.split(key)
    noise = jax.random.normal(k_noise, x0.shape, jnp.float32)
    t = jax.random.randint(k_t, (x0.shape[0],), 0, schedule.num_train_timesteps)
    return noise, t


def denoising_loss(unet: UNet3DConditionModel, unet_params: Any, schedule: DDPMSchedule,
                   x0: jax.Array, noise: jax.Array, t: jax.Array, text: jax.Array,
                   pose_features: Sequence[jax.Array] | None = None,
                   snr_gamma: float = 0.0) -> jax.Array:
    """Scalar float32 loss for latents ``x0 [b, f, h, w, c]`` (already scaled for the UNet)."""
    x0 = x0.astype(jnp.float32)
    noisy = schedule.add_noise(x0, noise, t)
    pred = rows_per_device(_unet_call(unet))(unet_params, noisy, t, text, pose_features)
    target = schedule.training_target(x0, noise, t)
    error = jnp.mean(jnp.square(pred.astype(jnp.float32) - target), axis=tuple(range(1, x0.ndim)))
    return jnp.mean(error * min_snr_weight(schedule, t, snr_gamma))


def _unet_call(unet: UNet3DConditionModel):
    def call(params, noisy, t, text, pose_features):
        return unet.apply({"params": params}, noisy, t, text, pose_features=pose_features)
    return call


def min_snr_weight(schedule: DDPMSchedule, t: jax.Array, gamma: float) -> jax.Array:
    """float32 ``[b]``: the Min-SNR-gamma weight of each timestep (ones when ``gamma <= 0``)."""
    if gamma <= 0:
        return jnp.ones(t.shape, jnp.float32)
    abar = jnp.asarray(schedule.alphas_cumprod, jnp.float32)[t]
    snr = abar / (1.0 - abar)
    denominator = snr + 1.0 if schedule.prediction_type == "v_prediction" else snr
    return jnp.minimum(snr, gamma) / denominator
