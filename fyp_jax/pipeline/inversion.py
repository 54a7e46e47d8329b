"""DDIM inversion: a clean latent video -> the noise that DDIM sampling maps back to it.

FollowYourPose's ``use_inv_latent`` (from Tune-A-Video): the source video's latents are inverted
with the UNet conditioned on the empty prompt, without guidance, and sampling starts from the
result, which keeps the source's layout (character replacement, background change).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from fyp_jax.compile_options import tuned_jit
from fyp_jax.models.unet3d import UNet3DConditionModel


def invert_latents(
    unet: UNet3DConditionModel,
    unet_params: Any,
    latents: jax.Array,
    text_emb: jax.Array,
    pose_features: Sequence[jax.Array] | None,
    *,
    scheduler: Any,
    num_steps: int,
) -> jax.Array:
    """Walk ``latents [b, f, h, w, c]`` up the ``num_steps`` DDIM timesteps (one jit).

    ``scheduler`` must be a ``DDIMScheduler`` (it provides ``inversion_timesteps`` and
    ``invert_step``).
    """
    ts = jnp.asarray(scheduler.inversion_timesteps(num_steps))

    def body(i, x):
        eps = unet.apply({"params": unet_params}, x, ts[i], text_emb, pose_features=pose_features)
        return scheduler.invert_step(eps, i, ts, x)

    return jax.lax.fori_loop(0, num_steps, body, latents)


ddim_invert = tuned_jit(invert_latents, static_argnames=("unet", "scheduler", "num_steps"))
