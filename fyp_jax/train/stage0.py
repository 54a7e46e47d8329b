"""Stage 0: a small model from scratch (the PoseWorld model): AutoencoderKL, the 2-D UNet and
the CLIPTextEncoder trained together on (image, caption) pairs.

loss = diffusion + recon_weight * mean (decode(z) - x)^2 + kl_weight * mean KL(q(z|x) || N(0,1))
with z one posterior draw. The UNet learns on ``scaling_factor * z`` with the gradient stopped
at z, so the diffusion loss cannot shrink the latents; the text encoder learns through the
diffusion loss. Reconstruction is plain MSE (no perceptual or adversarial term). Terms that
cannot train anything are skipped: with the VAE frozen there is no decode, with the UNet and the
text encoder frozen no denoising pass (so the VAE and the denoiser can also train in two runs).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from fyp_jax.bundle import ModelBundle
from fyp_jax.models.flops import unet_flops
from fyp_jax.models.vae import AutoencoderKL
from fyp_jax.schedulers import DDPMSchedule
from fyp_jax.sharding import rows_per_device
from fyp_jax.train.conditioning import TextConditioner, signed_pixels
from fyp_jax.train.diffusion_loss import denoising_loss, draw_noise
from fyp_jax.train.task import Task, training_unet


def vae_terms(vae: AutoencoderKL, params: Any, images: jax.Array, key: jax.Array
              ) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(z, reconstruction MSE, KL per latent element) for images in [-1, 1]."""
    mean, logvar = rows_per_device(_vae_method(vae, "encode"))(params, images)
    z = AutoencoderKL.sample(mean, logvar, key)
    recon = rows_per_device(_vae_method(vae, "decode"))(params, z)
    mse = jnp.mean(jnp.square(recon.astype(jnp.float32) - images))
    mean, logvar = mean.astype(jnp.float32), logvar.astype(jnp.float32)
    kl = 0.5 * jnp.mean(jnp.square(mean) + jnp.exp(logvar) - 1.0 - logvar)
    return z, mse, kl


def _vae_method(vae: AutoencoderKL, name: str):
    def call(params, x):
        return vae.apply({"params": params}, x, method=getattr(vae, name))
    return call


def build(cfg: Any, start: ModelBundle) -> Task:
    unet, unet_params = training_unet(start, cfg.model, use_temporal=False)
    schedule = DDPMSchedule.from_config(
        {**start.scheduler_config, "prediction_type": cfg.diffusion.prediction_type})
    text = TextConditioner(start.modules["text_encoder"], start.tokenizer, cfg.diffusion.prompt_dropout)
    vae = start.modules["vae"]
    weights = cfg.stage0
    patterns = {k: v for k, v in cfg.trainable.items() if v}
    train_vae = "vae" in patterns
    train_denoiser = "unet" in patterns or "text_encoder" in patterns

    def loss_fn(params, batch, key):
        k_text, k_vae, k_noise = jax.random.split(key, 3)
        images = signed_pixels(batch["image"])
        terms = {}
        if train_vae:
            z, terms["recon"], terms["kl"] = vae_terms(vae, params["vae"], images, k_vae)
        else:
            z = AutoencoderKL.sample(
                *rows_per_device(_vae_method(vae, "encode"))(params["vae"], images), k_vae)
        if train_denoiser:
            x0 = jax.lax.stop_gradient(z * vae.scaling_factor)[:, None]
            emb = text.embed(params["text_encoder"], batch["input_ids"], k_text)
            noise, t = draw_noise(k_noise, x0, schedule)
            terms["diffusion"] = denoising_loss(unet, params["unet"], schedule, x0, noise, t, emb,
                                                 snr_gamma=cfg.diffusion.snr_gamma)
        loss = (terms.get("diffusion", 0.0) + weights.recon_weight * terms.get("recon", 0.0)
                + weights.kl_weight * terms.get("kl", 0.0))
        return jnp.asarray(loss, jnp.float32), terms

    params = {"unet": unet_params, "vae": start.params["vae"],
              "text_encoder": start.params["text_encoder"]}
    factor = start.vae_factor
    flops = unet_flops(unet, batch=1, frames=1, height=cfg.data.height // factor,
                       width=cfg.data.width // factor,
                       text_len=start.modules["text_encoder"].max_position_embeddings,
                       trainable=patterns.get("unet")).total if train_denoiser else 0
    return Task("stage 0", start, params, patterns, loss_fn, ("image", "input_ids"), text, flops)
