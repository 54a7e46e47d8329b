"""The denoising objective shared by every stage, as the original trainer computes it.

``t ~ U{0, ..., T-1}`` per example, ``noise ~ N(0, 1)``, ``x_t = add_noise(x0, noise, t)``, and
the float32 mean over all elements of ``(unet(x_t, t, text) - target)^2`` where the target is the
noise (epsilon prediction) or the velocity (v-prediction), per the schedule's prediction_type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from fyp_jax.models.unet3d import UNet3DConditionModel
from fyp_jax.schedulers import DDPMSchedule


def draw_noise(key: jax.Array, x0: jax.Array, schedule: DDPMSchedule
               ) -> tuple[jax.Array, jax.Array]:
    """(noise like ``x0`` in float32, one int32 timestep per example)."""
    k_noise, k_t = jax.random.split(key)
    noise = jax.random.normal(k_noise, x0.shape, jnp.float32)
    t = jax.random.randint(k_t, (x0.shape[0],), 0, schedule.num_train_timesteps)
    return noise, t


def denoising_loss(unet: UNet3DConditionModel, unet_params: Any, schedule: DDPMSchedule,
                   x0: jax.Array, noise: jax.Array, t: jax.Array, text: jax.Array,
                   pose_features: Sequence[jax.Array] | None = None) -> jax.Array:
    """Scalar float32 loss for latents ``x0 [b, f, h, w, c]`` (already scaled for the UNet)."""
    x0 = x0.astype(jnp.float32)
    noisy = schedule.add_noise(x0, noise, t)
    pred = unet.apply({"params": unet_params}, noisy, t, text, pose_features=pose_features)
    target = schedule.training_target(x0, noise, t)
    return jnp.mean(jnp.square(pred.astype(jnp.float32) - target))
