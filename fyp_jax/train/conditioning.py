"""Inputs of the denoiser computed inside the train step: text embeddings (with prompt dropout
for classifier-free guidance) and VAE latents, from raw uint8 pixels or from a latent cache.

Captions are tokenized on the host (:meth:`TextConditioner.tokenize`); everything else runs in
the jitted step, so a frozen text encoder or VAE costs a forward pass and no gradient.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fyp_jax.models.clip_text import CLIPTextEncoder
from fyp_jax.models.vae import AutoencoderKL, encode_video
from fyp_jax.sharding import rows_per_device
from fyp_jax.tokenizer import tokenize


def signed_pixels(x: jax.Array) -> jax.Array:
    """uint8 pixels -> float32 in [-1, 1] (the VAE's input range)."""
    return x.astype(jnp.float32) / 127.5 - 1.0


def unit_pixels(x: jax.Array) -> jax.Array:
    """uint8 pixels -> float32 in [0, 1] (the pose encoder's input range)."""
    return x.astype(jnp.float32) / 255.0


def dropped(key: jax.Array, batch: int, rate: float) -> jax.Array:
    """bool [batch]: which examples lose their prompt (probability ``rate``)."""
    return jax.random.bernoulli(key, rate, (batch,))


@dataclasses.dataclass(frozen=True, eq=False)
class TextConditioner:
    """Token ids -> text embeddings; a dropped prompt becomes the empty prompt ``""``."""

    encoder: CLIPTextEncoder
    tokenizer: Any
    dropout: float = 0.0

    def tokenize(self, captions: Any) -> np.ndarray:
        return tokenize(self.tokenizer, [str(c) for c in captions],
                        self.encoder.max_position_embeddings)

    @property
    def empty_ids(self) -> np.ndarray:
        return self.tokenize([""])

    def embed(self, params: Any, ids: jax.Array, key: jax.Array) -> jax.Array:
        """``[b, n]`` ids -> ``[b, n, d]``, each prompt dropped with probability ``dropout``."""
        if self.dropout > 0:
            drop = dropped(key, ids.shape[0], self.dropout)
            ids = jnp.where(drop[:, None], jnp.asarray(self.empty_ids), ids)
        return self.encoder.apply({"params": params}, ids)

    def empty_embedding(self, params: Any) -> np.ndarray:
        """``[1, n, d]`` embedding of ``""`` (replaces dropped prompts of a latent cache)."""
        return np.asarray(jax.jit(self.encoder.apply)({"params": params}, self.empty_ids))


def drop_cached(text_emb: jax.Array, empty: np.ndarray, key: jax.Array, rate: float) -> jax.Array:
    """Prompt dropout on cached embeddings ``[b, n, d]``."""
    if rate <= 0:
        return text_emb
    drop = dropped(key, text_emb.shape[0], rate)
    return jnp.where(drop[:, None, None], jnp.asarray(empty, text_emb.dtype), text_emb)


def video_latents(vae: AutoencoderKL, params: Any, video: jax.Array, key: jax.Array, *,
                  chunk: int = 8) -> jax.Array:
    """uint8 video ``[b, f, H, W, 3]`` -> diffusion latents ``[b, f, h, w, c]``: one draw from
    the VAE posterior times ``scaling_factor`` (as the original's ``latent_dist.sample()``)."""
    encode = rows_per_device(lambda p, v: encode_video(vae, p, v, chunk=chunk))
    mean, logvar = encode(params, signed_pixels(video))
    return AutoencoderKL.sample(mean, logvar, key) * vae.scaling_factor
