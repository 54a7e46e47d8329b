"""Stage 1: the PoseEncoder alone, on (image, skeleton, caption) triples.

The UNet runs in 2-D mode (``use_temporal=False``: SD's image UNet, frozen) on one-frame
videos, and the pose features are added in its down blocks exactly as at sampling time. A
starting bundle without a pose encoder gets a freshly initialised one (``config.stage1.
pose_encoder`` sizes); its first feature map must match the latent resolution.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp

from fyp_jax.bundle import BUILDERS, ModelBundle, check_pose_scale
from fyp_jax.errors import ConfigError
from fyp_jax.models.flops import unet_flops
from fyp_jax.schedulers import DDPMSchedule
from fyp_jax.train.conditioning import TextConditioner, unit_pixels, video_latents
from fyp_jax.train.diffusion_loss import denoising_loss, draw_noise
from fyp_jax.train.task import Task, training_unet


def with_pose_encoder(start: ModelBundle, config: dict, seed: int) -> ModelBundle:
    """``start`` itself if it has a pose encoder, else ``start`` plus a fresh one."""
    if start.has_pose_encoder:
        return start
    module = BUILDERS["pose_encoder"](config)
    size = 8 * module.unshuffle
    params = jax.jit(module.init)(jax.random.key(seed), jnp.zeros((1, 1, size, size, 3)))["params"]
    bundle = dataclasses.replace(
        start, modules={**start.modules, "pose_encoder": module},
        params={**start.params, "pose_encoder": jax.device_get(params)},
        configs={**start.configs, "pose_encoder": dict(config)})
    check_pose_scale(bundle)
    return bundle


def pose_and_unet_flops(unet: Any, pose_encoder: Any, *, height: int, width: int,
                        text_len: int) -> int:
    """Forward + backward FLOPs of one image, an estimate: the UNet forward and its backward for
    activations only (one more forward: the pose features enter at the first block), the pose
    encoder forward and its backward for activations and weights (two more)."""
    geometry = dict(batch=1, frames=1, height=height, width=width, text_len=text_len)
    unet_only = unet_flops(unet, **geometry).forward
    pose = unet_flops(unet, pose_encoder=pose_encoder, **geometry).forward - unet_only
    return 2 * unet_only + 3 * pose


def build(cfg: Any, start: ModelBundle) -> Task:
    start = with_pose_encoder(start, cfg.stage1.pose_encoder.to_dict(), cfg.seed)
    unet, unet_params = training_unet(start, cfg.model, use_temporal=False)
    if unet.layers_per_block < 2:
        raise ConfigError("the pose features are added after the second layer of each down "
                          f"block, but this UNet has layers_per_block={unet.layers_per_block}")
    pose_encoder = start.modules["pose_encoder"]
    schedule = DDPMSchedule.from_config(
        {**start.scheduler_config, "prediction_type": cfg.diffusion.prediction_type})
    text = TextConditioner(start.modules["text_encoder"], start.tokenizer, cfg.diffusion.prompt_dropout)
    vae = start.modules["vae"]

    def loss_fn(params, batch, key):
        k_text, k_vae, k_noise = jax.random.split(key, 3)
        x0 = video_latents(vae, params["vae"], batch["image"][:, None], k_vae,
                           chunk=cfg.data.vae_chunk)
        feats = pose_encoder.apply({"params": params["pose_encoder"]},
                                   unit_pixels(batch["skeleton"][:, None]))
        emb = text.embed(params["text_encoder"], batch["input_ids"], k_text)
        noise, t = draw_noise(k_noise, x0, schedule)
        return denoising_loss(unet, params["unet"], schedule, x0, noise, t, emb, feats,
                              snr_gamma=cfg.diffusion.snr_gamma), {}

    params = {"unet": unet_params, "pose_encoder": start.params["pose_encoder"],
              "vae": start.params["vae"], "text_encoder": start.params["text_encoder"]}
    patterns = {k: v for k, v in cfg.trainable.items() if v}
    factor = start.vae_factor
    flops = pose_and_unet_flops(unet, pose_encoder, height=cfg.data.height // factor,
                                width=cfg.data.width // factor,
                                text_len=start.modules["text_encoder"].max_position_embeddings)
    return Task("stage 1", start, params, patterns, loss_fn, ("image", "skeleton", "input_ids"),
                text, flops)
