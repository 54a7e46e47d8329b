"""Every attention of every model goes through :func:`attention`.

Layout is ``[batch, tokens, heads, head_dim]`` (what ``jax.nn.dot_product_attention`` takes).
Swapping a kernel (cuDNN flash, a query-chunked memory-efficient path, a Pallas kernel) happens
here and nowhere else. Logits and softmax are computed in float32.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.typing import DTypeLike


def attention(
    q: jnp.ndarray,
    k: jnp.ndarray,
    v: jnp.ndarray,
    *,
    causal: bool = False,
) -> jnp.ndarray:
    """Scaled dot-product attention, scale ``head_dim ** -0.5``.

    Args:
      q: ``[b, lq, h, d]``; k, v: ``[b, lk, h, d]``.
      causal: mask key j > query i (CLIP's text transformer).
    Returns:
      ``[b, lq, h, d]`` in q's dtype.
    """
    scale = q.shape[-1] ** -0.5
    logits = jnp.einsum("bqhd,bkhd->bhqk", q, k, preferred_element_type=jnp.float32) * scale
    if causal:
        lq, lk = q.shape[1], k.shape[1]
        mask = jnp.tril(jnp.ones((lq, lk), bool))
        logits = jnp.where(mask, logits, jnp.finfo(jnp.float32).min)
    weights = jax.nn.softmax(logits, axis=-1).astype(v.dtype)
    return jnp.einsum("bhqk,bkhd->bqhd", weights, v)


def split_heads(x: jnp.ndarray, heads: int) -> jnp.ndarray:
    """``[..., n, h*d]`` -> ``[..., n, h, d]`` (head-major channel split, as torch's reshape)."""
    return x.reshape(*x.shape[:-1], heads, x.shape[-1] // heads)


def merge_heads(x: jnp.ndarray) -> jnp.ndarray:
    return x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])


class Attention(nn.Module):
    """diffusers-style attention with params ``to_q``, ``to_k``, ``to_v``, ``to_out_0``.

    ``features`` is the query/output width, ``heads`` the NUMBER of heads (head size
    ``features // heads``), as the original reads SD's ``attention_head_dim``.
    """

    features: int
    heads: int
    qkv_bias: bool = False
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    def setup(self):
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        self.to_q = nn.Dense(self.features, use_bias=self.qkv_bias, **kw)
        self.to_k = nn.Dense(self.features, use_bias=self.qkv_bias, **kw)
        self.to_v = nn.Dense(self.features, use_bias=self.qkv_bias, **kw)
        self.to_out_0 = nn.Dense(self.features, use_bias=True, **kw)

    def _attend(self, q: jnp.ndarray, k: jnp.ndarray, v: jnp.ndarray) -> jnp.ndarray:
        h = self.heads
        out = attention(split_heads(q, h), split_heads(k, h), split_heads(v, h))
        return self.to_out_0(merge_heads(out))

    def __call__(self, x: jnp.ndarray, context: jnp.ndarray | None = None) -> jnp.ndarray:
        """x ``[b, n, c]``; context ``[b, m, d]`` for cross-attention, None for self-attention."""
        context = x if context is None else context
        return self._attend(self.to_q(x), self.to_k(context), self.to_v(context))

    def sparse_causal(self, x: jnp.ndarray) -> jnp.ndarray:
        """FollowYourPose's attn1 on a video ``[b, f, n, c]``.

        Frame i attends to the tokens of frame 0 followed by those of frame i-1 (frame 0 to
        itself twice). Keys/values are projected once per frame and then gathered.
        """
        b, f, n, c = x.shape
        q, k, v = self.to_q(x), self.to_k(x), self.to_v(x)
        prev = jnp.maximum(jnp.arange(f) - 1, 0)
        k = jnp.concatenate([jnp.broadcast_to(k[:, :1], k.shape), k[:, prev]], axis=2)
        v = jnp.concatenate([jnp.broadcast_to(v[:, :1], v.shape), v[:, prev]], axis=2)
        out = self._attend(
            q.reshape(b * f, n, c), k.reshape(b * f, 2 * n, c), v.reshape(b * f, 2 * n, c)
        )
        return out.reshape(b, f, n, c)
