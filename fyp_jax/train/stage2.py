"""Stage 2: the temporal layers and the attention queries on pose-free video clips.

The 3-D UNet sees clips without pose features (the original's 'train' mode; the pose encoder
stays in the bundle, unused). With ``stage2.pose_fraction > 0`` that share of the clips (drawn
per clip and step) carries the frozen pose encoder's features of its skeletons, added exactly
as at sampling time, so the temporal layers learn to keep a pose; it needs clips with
keypoints (PoseWorld, a built pose_world clip set), not a latent cache. Clips come as uint8
video (encoded by the frozen VAE in the step, captions by the frozen text encoder) or from a
latent cache (``latents`` already multiplied by the VAE's scaling factor, and ``text_emb``).
"""

from __future__ import annotations

from typing import Any

import jax

from fyp_jax.bundle import ModelBundle
from fyp_jax.errors import ConfigError
from fyp_jax.models.flops import unet_flops
from fyp_jax.schedulers import DDPMSchedule
from fyp_jax.train.conditioning import TextConditioner, drop_cached, unit_pixels, video_latents
from fyp_jax.train.diffusion_loss import denoising_loss, draw_noise
from fyp_jax.train.task import Task, training_unet

# The original's trainable_modules (configs/pose_train.yaml): every parameter of a module whose
# dotted name ENDS WITH one of these; norm_temp is not among them. A config's
# ``trainable.unet`` is the whole regex: one of these or its own.
ORIGINAL_TRAINABLE = r"(^|/)(attn1/to_q|attn2/to_q|attn_temp|conv_temporal)(/|$)"
WITH_NORM_TEMP = r"(^|/)(attn1/to_q|attn2/to_q|attn_temp|norm_temp|conv_temporal)(/|$)"


def build(cfg: Any, start: ModelBundle) -> Task:
    unet, unet_params = training_unet(start, cfg.model, use_temporal=True)
    schedule = DDPMSchedule.from_config(
        {**start.scheduler_config, "prediction_type": cfg.diffusion.prediction_type})
    text = TextConditioner(start.modules["text_encoder"], start.tokenizer, cfg.diffusion.prompt_dropout)
    vae = start.modules["vae"]
    cached = cfg.data.cached
    empty = text.empty_embedding(start.params["text_encoder"]) if cached else None
    pose_fraction = cfg.stage2.pose_fraction
    pose_encoder = _pose_encoder(start, cached) if pose_fraction > 0 else None

    def pose_features(params, batch, key):
        if pose_encoder is None:
            return None
        feats = pose_encoder.apply({"params": params["pose_encoder"]},
                                   unit_pixels(batch["skeleton"]))
        keep = jax.random.bernoulli(key, pose_fraction, (batch["skeleton"].shape[0],))
        return [f * keep[:, None, None, None, None].astype(f.dtype) for f in feats]

    def loss_fn(params, batch, key):
        k_text, k_vae, k_noise, k_pose = jax.random.split(key, 4)
        if cached:
            x0 = batch["latents"]
            emb = drop_cached(batch["text_emb"], empty, k_text, cfg.diffusion.prompt_dropout)
        else:
            x0 = video_latents(vae, params["vae"], batch["video"], k_vae, chunk=cfg.data.vae_chunk)
            emb = text.embed(params["text_encoder"], batch["input_ids"], k_text)
        noise, t = draw_noise(k_noise, x0, schedule)
        return denoising_loss(unet, params["unet"], schedule, x0, noise, t, emb,
                              pose_features(params, batch, k_pose),
                              snr_gamma=cfg.diffusion.snr_gamma), {}

    patterns = {k: v for k, v in cfg.trainable.items() if v}
    if cached:
        params, keys = {"unet": unet_params}, ("latents", "text_emb")
    else:
        params = {"unet": unet_params, "vae": start.params["vae"],
                  "text_encoder": start.params["text_encoder"]}
        keys = ("video", "input_ids")
    if pose_encoder is not None:
        params["pose_encoder"] = start.params["pose_encoder"]
        keys += ("skeleton",)
    factor = start.vae_factor
    flops = unet_flops(unet, pose_encoder=pose_encoder, batch=1, frames=cfg.data.frames,
                       height=cfg.data.height // factor, width=cfg.data.width // factor,
                       text_len=start.modules["text_encoder"].max_position_embeddings,
                       trainable=patterns.get("unet")).total
    return Task("stage 2", start, params, patterns, loss_fn, keys, text, flops)


def _pose_encoder(start: ModelBundle, cached: bool) -> Any:
    if cached:
        raise ConfigError("--config.stage2.pose_fraction > 0 needs the clips' skeletons, and a "
                          "latent cache (--config.data.cached) has none")
    if not start.has_pose_encoder:
        raise ConfigError("--config.stage2.pose_fraction > 0 needs a pose encoder: start stage 2 "
                          "from a stage-1 bundle")
    return start.modules["pose_encoder"]
