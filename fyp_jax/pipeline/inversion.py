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

from fyp_jax.models.unet3d import UNet3DConditionModel


def inversion_trajectory(
    unet: UNet3DConditionModel,
    unet_params: Any,
    latents: jax.Array,
    text_emb: jax.Array,
    pose_features: Sequence[jax.Array] | None,
    *,
    scheduler: Any,
    num_steps: int,
    count: jax.Array | int | None = None,
) -> jax.Array:
    """``[num_steps + 1, b, f, h, w, c]``: entry k is ``latents [b, f, h, w, c]`` walked up the
    lowest k of the ``num_steps`` DDIM timesteps, so it sits at the level sampling reaches after
    step ``num_steps - 1 - k`` (entry 0: the clean latents). Only the first ``count`` (traced;
    None: all) steps run; later entries stay zero.

    ``scheduler`` must be a ``DDIMScheduler`` (it provides ``inversion_timesteps`` and
    ``invert_step``).
    """
    ts = jnp.asarray(scheduler.inversion_timesteps(num_steps))

    def body(i, carry):
        x, path = carry
        eps = unet.apply({"params": unet_params}, x, ts[i], text_emb, pose_features=pose_features)
        x = scheduler.invert_step(eps, i, ts, x)
        return x, path.at[i + 1].set(x)

    path = jnp.zeros((num_steps + 1, *latents.shape), latents.dtype).at[0].set(latents)
    stop = num_steps if count is None else count
    return jax.lax.fori_loop(0, stop, body, (latents, path))[1]
