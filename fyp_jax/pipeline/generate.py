"""Prompt(s) + skeleton frames -> videos, with a model bundle.

Text is encoded once, pose features are computed once per video, the denoising loop runs in one
jit (``denoise``), and the VAE decodes frames in chunks.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from fyp_jax.bundle import ModelBundle
from fyp_jax.errors import ConfigError
from fyp_jax.models.vae import decode_video, encode_video
from fyp_jax.pipeline.denoise import denoise
from fyp_jax.pipeline.inversion import ddim_invert
from fyp_jax.schedulers import make_scheduler
from fyp_jax.tokenizer import tokenize


@dataclasses.dataclass(frozen=True)
class SamplingOptions:
    num_steps: int = 50
    guidance_scale: float = 12.5
    scheduler: str = "ddim"
    eta: float = 0.0
    seed: int = 0
    negative_prompt: str = ""
    decode_chunk: int = 8
    stepped: bool = False
    invert_source: bool = True  # with a source video: start from its DDIM inversion


def encode_text(bundle: ModelBundle, prompts: Sequence[str]) -> jax.Array:
    """``[len(prompts), max_len, d]`` last hidden states of the text encoder."""
    encoder = bundle.modules["text_encoder"]
    ids = tokenize(bundle.tokenizer, list(prompts), encoder.max_position_embeddings)
    return _apply_text(encoder, bundle.params["text_encoder"], ids)


def inverted_latents(bundle: ModelBundle, video: np.ndarray, scheduler, num_steps: int,
                     pose_features) -> jax.Array:
    """``[1, f, h, w, c]``: the DDIM inversion of ``video`` (uint8 frames) under the empty prompt."""
    if not hasattr(scheduler, "invert_step"):
        raise ConfigError("starting from a source video needs --scheduler ddim (DDIM inversion)")
    vae = bundle.modules["vae"]
    images = jnp.asarray(video, jnp.float32)[None] / 127.5 - 1.0
    mean, _ = encode_video(vae, bundle.params["vae"], images)
    return ddim_invert(bundle.modules["unet"], bundle.params["unet"], mean * vae.scaling_factor,
                       encode_text(bundle, [""]), pose_features, scheduler=scheduler,
                       num_steps=num_steps)


@functools.partial(jax.jit, static_argnames="encoder")
def _apply_pose(encoder, params, skeleton):
    return encoder.apply({"params": params}, skeleton)


@functools.partial(jax.jit, static_argnames="encoder")
def _apply_text(encoder, params, ids):
    return encoder.apply({"params": params}, ids)


def initial_latents(seeds: Sequence[int], frames: int, latent_hw: tuple[int, int],
                    channels: int) -> jax.Array:
    """One N(0, 1) latent video per seed, ``[len(seeds), f, h, w, c]``; the same seed always
    gives the same video whatever else is in the batch."""
    shape = (frames, *latent_hw, channels)
    return jnp.stack([jax.random.normal(jax.random.key(s), shape, jnp.float32) for s in seeds])


def generate(
    bundle: ModelBundle,
    prompts: Sequence[str],
    skeleton: np.ndarray | None,
    *,
    frames: int,
    height: int,
    width: int,
    options: SamplingOptions = SamplingOptions(),
    progress: Callable[[int], None] | None = None,
    source_video: np.ndarray | None = None,
) -> np.ndarray:
    """Videos ``uint8 [len(prompts), frames, height, width, 3]``.

    ``skeleton``: ``float32 [frames, height, width, 3]`` in [0, 1] (one pose for every prompt),
    ``[len(prompts), frames, height, width, 3]`` (one per prompt), or None to sample without
    pose guidance. Prompt i uses seed ``options.seed + i``.

    ``source_video``: uint8 ``[frames, height, width, 3]``; sampling then starts from its DDIM
    inversion (empty prompt, no guidance, same pose) instead of random noise, as the original's
    ``use_inv_latent`` (requires the DDIM scheduler).
    """
    if not prompts:
        raise ConfigError("no prompt given: pass at least one --prompt")
    factor = bundle.vae_factor
    if height % factor or width % factor:
        raise ConfigError(f"height and width must be multiples of {factor} for this model")
    unet = bundle.modules["unet"]
    scheduler = make_scheduler(options.scheduler, bundle.scheduler_config)
    b = len(prompts)
    cond = encode_text(bundle, prompts)
    uncond = encode_text(bundle, [options.negative_prompt] * b)
    pose_features = None
    if skeleton is not None:
        if not bundle.has_pose_encoder:
            raise ConfigError("this model has no pose encoder; it cannot follow a pose")
        skeleton = jnp.asarray(skeleton)
        per_prompt = skeleton if skeleton.ndim == 5 else skeleton[None]
        if per_prompt.shape[0] not in (1, b):
            raise ConfigError(f"{per_prompt.shape[0]} skeleton videos for {b} prompts")
        feats = _apply_pose(bundle.modules["pose_encoder"], bundle.params["pose_encoder"],
                            per_prompt)
        pose_features = [jnp.broadcast_to(f, (b, *f.shape[1:])) for f in feats]
    if source_video is None:
        latents = initial_latents([options.seed + i for i in range(b)], frames,
                                  (height // factor, width // factor), unet.in_channels)
    else:
        latents = inverted_latents(bundle, source_video, scheduler, options.num_steps,
                                   None if pose_features is None else [f[:1] for f in pose_features])
        latents = jnp.broadcast_to(latents, (b, *latents.shape[1:]))
    latents = denoise(unet, bundle.params["unet"], latents, uncond, cond, pose_features,
                      scheduler=scheduler, num_steps=options.num_steps,
                      guidance_scale=options.guidance_scale, eta=options.eta,
                      key=jax.random.key(options.seed), progress=progress,
                      stepped=options.stepped)
    vae = bundle.modules["vae"]
    images = decode_video(vae, bundle.params["vae"], latents / vae.scaling_factor,
                          chunk=options.decode_chunk)
    return np.asarray(jnp.clip((images + 1.0) * 127.5 + 0.5, 0, 255)).astype(np.uint8)
