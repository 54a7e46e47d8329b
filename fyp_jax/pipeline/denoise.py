"""The denoising loop: classifier-free guidance + a scheduler, the whole loop inside ONE jit.

The UNet is called once per step on the batch ``concat([uncond, cond])`` (unconditional first,
as the original). Pose features are computed by the caller once per video (the original
recomputes them at every step) and repeated for the two halves here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fyp_jax.compile_options import tuned_jit
from fyp_jax.models.unet3d import UNet3DConditionModel


def guided_prediction(
    unet: UNet3DConditionModel,
    params: Any,
    latents: jax.Array,
    t: jax.Array,
    text_uncond: jax.Array,
    text_cond: jax.Array,
    pose_features: Sequence[jax.Array] | None,
    guidance_scale: float,
) -> jax.Array:
    """``u + g (c - u)``; with ``g <= 1`` only the conditional half is computed."""
    if guidance_scale <= 1.0:
        return unet.apply({"params": params}, latents, t, text_cond, pose_features=pose_features)
    double = lambda a: jnp.concatenate([a, a], axis=0)  # noqa: E731
    feats = None if pose_features is None else [double(f) for f in pose_features]
    out = unet.apply({"params": params}, double(latents), t,
                     jnp.concatenate([text_uncond, text_cond], axis=0), pose_features=feats)
    uncond, cond = jnp.split(out, 2, axis=0)
    return uncond + guidance_scale * (cond - uncond)


# The host side of the progress callback. The jitted loop calls the fixed function
# `_emit_progress`, so a new progress bar per call does not trigger a recompilation.
_progress_sinks: list[Callable[[int], None]] = []


def _emit_progress(i: np.ndarray) -> None:
    if _progress_sinks:
        _progress_sinks[-1](int(i))


@tuned_jit(static_argnames=("unet", "scheduler", "num_steps", "guidance_scale", "eta",
                            "with_progress"))
def _denoise_jit(unet, params, latents, text_uncond, text_cond, pose_features, key, *,
                 scheduler, num_steps, guidance_scale, eta, with_progress):
    ts = jnp.asarray(scheduler.timesteps(num_steps))

    def body(i, state):
        x, carry = state
        eps = guided_prediction(unet, params, x, ts[i], text_uncond, text_cond, pose_features,
                                guidance_scale)
        x, carry = scheduler.step(eps, i, ts, x, carry, eta=eta, key=key)
        if with_progress:
            jax.debug.callback(_emit_progress, i, ordered=True)
        return x, carry

    out, _ = jax.lax.fori_loop(0, num_steps, body, (latents, scheduler.init_carry(latents)))
    return out


@tuned_jit(static_argnames=("unet", "scheduler", "num_steps", "guidance_scale", "eta"))
def _one_step_jit(unet, params, i, latents, carry, text_uncond, text_cond, pose_features, key,
                  *, scheduler, num_steps, guidance_scale, eta):
    ts = jnp.asarray(scheduler.timesteps(num_steps))
    eps = guided_prediction(unet, params, latents, ts[i], text_uncond, text_cond, pose_features,
                            guidance_scale)
    return scheduler.step(eps, i, ts, latents, carry, eta=eta, key=key)


def denoise(
    unet: UNet3DConditionModel,
    unet_params: Any,
    latents: jax.Array,
    text_emb_uncond: jax.Array,
    text_emb_cond: jax.Array,
    pose_features: Sequence[jax.Array] | None,
    *,
    scheduler: Any,
    num_steps: int = 50,
    guidance_scale: float = 12.5,
    eta: float = 0.0,
    key: jax.Array | None = None,
    progress: Callable[[int], None] | None = None,
    stepped: bool = False,
) -> jax.Array:
    """Run ``num_steps`` sampler steps from ``latents [b, f, h, w, c]``; return final latents.

    Args:
      text_emb_uncond, text_emb_cond: ``[b, n, d]`` (uncond = empty or negative prompt).
      pose_features: the PoseEncoder's 4 maps for batch b, or None (no pose guidance).
      scheduler: a ``fyp_jax.schedulers`` sampler (DDIM, DPM-Solver++).
      eta: DDIM noise scale; eta > 0 needs ``key``.
      progress: host function called with the step index after each step (a progress bar);
        it runs through ``jax.debug.callback`` and keeps the loop in one jit.
      stepped: run a Python loop of jitted single steps instead (debugging; same result).
    """
    if key is None:
        key = jax.random.key(0)
    latents = latents * scheduler.init_noise_sigma
    static = dict(scheduler=scheduler, num_steps=num_steps, guidance_scale=float(guidance_scale),
                  eta=float(eta))
    if not stepped:
        if progress is not None:
            _progress_sinks.append(progress)
        try:
            out = _denoise_jit(unet, unet_params, latents, text_emb_uncond, text_emb_cond,
                               pose_features, key, with_progress=progress is not None, **static)
            return jax.block_until_ready(out)
        finally:
            if progress is not None:
                _progress_sinks.pop()
    carry = scheduler.init_carry(latents)
    for i in range(num_steps):
        latents, carry = _one_step_jit(unet, unet_params, jnp.int32(i), latents, carry,
                                       text_emb_uncond, text_emb_cond, pose_features, key,
                                       **static)
        if progress is not None:
            progress(i)
    return latents
