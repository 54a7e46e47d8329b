"""The compiled programs of sampling, besides the step loop (``sampling_loop.run_steps``).

Each is a pure function of arrays, jitted with only modules, scheduler, shapes and switches
static, so one compilation serves every prompt, seed, guidance and eta:

- :func:`prepare`: token ids -> text embeddings, skeleton -> pose features (once per video; a
  long video ``pose_chunk`` frames at a time), seeds -> initial noise and the scheduler's carry;
- :func:`invert`: a source video -> its DDIM inversion under the source prompt (``use_inv_latent``:
  the empty one) and every level of it (for blending);
- :func:`decode`: final latents -> uint8 video, the VAE running on ``chunk`` frames of every video
  at a time (peak memory of ``batch x chunk`` images, whatever the frame count).

With a mesh, ``batch`` is the batch sharding: outputs are constrained to it, so every array with a
batch axis stays split over the devices from the token ids to the decoded frames.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax.sharding import NamedSharding

from fyp_jax.compile_options import tuned_jit
from fyp_jax.models.vae import encode_video
from fyp_jax.pipeline.editing import blend
from fyp_jax.pipeline.inversion import inversion_trajectory
from fyp_jax.schedulers.forward_process import add_noise


def _constrain(x: jax.Array, batch: NamedSharding | None) -> jax.Array:
    return x if batch is None else jax.lax.with_sharding_constraint(x, batch)


def encode_pose(pose_encoder: Any, params: Any, skeleton: jax.Array,
                chunk: int | None) -> list[jax.Array]:
    """The pose encoder's 4 maps ``[b, f, ...]`` for ``skeleton [b, f, H, W, 3]``; with ``chunk``
    (and more frames than that) ``chunk`` frames at a time (the encoder works frame by frame,
    so the result is the same; only one chunk's activations exist at once)."""
    b, f = skeleton.shape[:2]
    if chunk is None or f <= chunk:
        return pose_encoder.apply({"params": params}, skeleton)
    pad = jnp.pad(skeleton, [(0, 0), (0, -f % chunk)] + [(0, 0)] * 3, mode="edge")
    pieces = jnp.swapaxes(pad.reshape(b, -1, chunk, *pad.shape[2:]), 0, 1)
    maps = jax.lax.map(lambda x: pose_encoder.apply({"params": params}, x), pieces)
    return [jnp.swapaxes(m, 0, 1).reshape(b, -1, *m.shape[3:])[:, :f] for m in maps]


@tuned_jit(static_argnames=("text_encoder", "pose_encoder", "scheduler", "latent_shape", "batch",
                            "pose_chunk"))
def prepare(params: dict[str, Any], ids_uncond: jax.Array, ids_cond: jax.Array,
            skeleton: jax.Array | None, seeds: jax.Array, *, text_encoder: Any,
            pose_encoder: Any, scheduler: Any, latent_shape: tuple[int, ...],
            batch: NamedSharding | None, pose_chunk: int | None = None) -> tuple:
    """-> ``(text_uncond, text_cond, pose_features, (latents, carry))``.

    ``ids_*``: int32 ``[b, n]``; ``skeleton``: ``[1 or b, f, H, W, 3]`` in [0, 1] or None;
    ``seeds``: int32 ``[b]``: row i starts from ``normal(key(seeds[i]), latent_shape)``, the same
    noise whatever else is in the batch. ``latent_shape``: ``(f, h, w, c)``.
    """
    def text(ids):
        return _constrain(text_encoder.apply({"params": params["text_encoder"]}, ids), batch)

    b = seeds.shape[0]
    feats = None
    if skeleton is not None:
        feats = encode_pose(pose_encoder, params["pose_encoder"], skeleton, pose_chunk)
        feats = [_constrain(jnp.broadcast_to(f, (b, *f.shape[1:])), batch) for f in feats]
    noise = jax.vmap(lambda s: jax.random.normal(jax.random.key(s), latent_shape, jnp.float32))
    latents = _constrain(noise(seeds) * scheduler.init_noise_sigma, batch)
    return text(ids_uncond), text(ids_cond), feats, (latents, scheduler.init_carry(latents))


@tuned_jit(static_argnames=("vae", "text_encoder", "unet", "scheduler", "num_steps", "chunk",
                            "rows", "batch"))
def invert(params: dict[str, Any], video: jax.Array, ids_source: jax.Array,
           pose_features: list[jax.Array] | None, count: jax.Array, noise: jax.Array,
           mask: jax.Array, from_noise: jax.Array, *, vae: Any, text_encoder: Any, unet: Any,
           scheduler: Any, num_steps: int, chunk: int, rows: int,
           batch: NamedSharding | None) -> tuple:
    """uint8 ``video [v, f, H, W, 3]`` (v = 1: one source for every row, or v = ``rows``) ->
    ``(state, trajectory)``: its VAE latents (the mean, scaled) walked up the lowest ``count``
    (traced) of the ``num_steps`` DDIM timesteps by the UNet under the source prompts
    ``ids_source [v, n]`` (the original's ``use_inv_latent``: the empty prompt), without
    guidance, with the pose of the first v rows. ``state = (latents, carry)`` is the sampling
    state at step ``num_steps - count`` for ``rows`` prompts;
    ``trajectory [num_steps + 1, v, f, h, w, c]`` every level of the walk
    (:func:`fyp_jax.pipeline.inversion.inversion_trajectory`), for blending.

    ``from_noise`` (traced, 0 or 1) 1: the cells ``mask [1 or rows, f, h, w, 1]`` does not keep
    start instead from the clean latents noised with ``noise [rows, f, h, w, c]`` to the level
    of that step (SDEdit; :mod:`fyp_jax.pipeline.editing`)."""
    images = video.astype(jnp.float32) / 127.5 - 1.0
    mean, _ = encode_video(vae, params["vae"], images, chunk=chunk)
    text = text_encoder.apply({"params": params["text_encoder"]}, ids_source)
    v = video.shape[0]
    feats = None if pose_features is None else [f[:v] for f in pose_features]
    path = inversion_trajectory(unet, params["unet"], mean * vae.scaling_factor, text, feats,
                                scheduler=scheduler, num_steps=num_steps, count=count)
    shape = (rows, *path.shape[2:])
    inverted = jnp.broadcast_to(path[count], shape)
    level = jnp.asarray(scheduler.timesteps(num_steps))[num_steps - count]
    noised = add_noise(scheduler.alphas_cumprod, jnp.broadcast_to(path[0], shape), noise, level)
    latents = blend(inverted, blend(noised, inverted, mask), from_noise)
    latents = _constrain(latents, batch)
    return (latents, scheduler.init_carry(latents)), path


@tuned_jit(static_argnames=("vae", "chunk", "batch"))
def decode(vae_params: Any, latents: jax.Array, *, vae: Any, chunk: int,
           batch: NamedSharding | None) -> jax.Array:
    """Diffusion latents ``[b, f, h, w, c]`` -> uint8 video ``[b, f, H, W, 3]``."""
    b, f = latents.shape[:2]
    chunk = max(1, min(chunk, f))
    z = jnp.pad(latents / vae.scaling_factor, [(0, 0), (0, -f % chunk)] + [(0, 0)] * 3)
    # [chunks, b, chunk, h, w, c]: the batch axis (the sharded one) stays whole in every chunk.
    z = jnp.swapaxes(z.reshape(b, -1, chunk, *z.shape[2:]), 0, 1)

    def one(zc):
        images = vae.apply({"params": vae_params}, zc.reshape(b * chunk, *zc.shape[2:]),
                           method=vae.decode)
        pixels = jnp.clip((images + 1.0) * 127.5 + 0.5, 0, 255).astype(jnp.uint8)
        return pixels.reshape(b, chunk, *pixels.shape[1:])

    video = jnp.swapaxes(jax.lax.map(one, z), 0, 1)
    return _constrain(video.reshape(b, -1, *video.shape[3:])[:, :f], batch)
