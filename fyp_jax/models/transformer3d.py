"""FollowYourPose's Transformer3DModel and BasicTransformerBlock, on videos ``[b, f, h, w, c]``.

Block order: norm1 -> attn1 (sparse-causal over frames 0 and i-1) -> norm2 -> attn2 (text) ->
norm3 -> GEGLU feed-forward -> norm_temp -> attn_temp (over frames, per pixel) ->
conv_temporal (two bias-free Conv1d k=3 through a low rank, identity residual).
With ``use_temporal=False`` the block is exactly SD's 2-D block (attn1 plain self-attention
inside each frame, no temporal parts).
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.typing import DTypeLike

from fyp_jax.models.attention import Attention
from fyp_jax.models.norms import GroupNorm


def layer_norm(name: str, dtype, param_dtype) -> nn.LayerNorm:
    """torch.nn.LayerNorm(eps=1e-5) with two-pass float32 statistics."""
    return nn.LayerNorm(
        epsilon=1e-5, use_fast_variance=False, name=name, dtype=dtype, param_dtype=param_dtype
    )


class GEGLU(nn.Module):
    """``proj`` to 2*inner, value * exact-erf GELU(gate)."""

    inner: int
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        h = nn.Dense(2 * self.inner, name="proj", dtype=self.dtype, param_dtype=self.param_dtype)(x)
        value, gate = jnp.split(h, 2, axis=-1)
        return value * jax.nn.gelu(gate, approximate=False)


class FeedForward(nn.Module):
    """``net_0`` (GEGLU, inner 4*dim) then ``net_2`` (Linear back to dim)."""

    features: int
    mult: int = 4
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    def setup(self):
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        self.net_0 = GEGLU(self.features * self.mult, **kw)
        self.net_2 = nn.Dense(self.features, **kw)

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        return self.net_2(self.net_0(x))


class TemporalConv(nn.Module):
    """conv_temporal: Conv1d(c->rank, k=3) then Conv1d(rank->c, k=3), no bias, + identity.

    Input ``[..., f, c]``: the convolution runs along frames.
    """

    features: int
    rank: int
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        kw = dict(kernel_size=(3,), padding=((1, 1),), use_bias=False, dtype=self.dtype,
                  param_dtype=self.param_dtype)
        h = nn.Conv(self.rank, name="down", **kw)(x)
        return x + nn.Conv(self.features, name="up", **kw)(h)


def temporal_rank(channels: int, rank: int = 160) -> int:
    """The original's rank rule: 160, or channels // 2 when 160 exceeds the channels."""
    return channels // 2 if rank > channels else rank


class BasicTransformerBlock(nn.Module):
    features: int
    heads: int
    use_temporal: bool = True
    rank: int = 160
    attention_impl: str = "auto"
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray, context: jnp.ndarray) -> jnp.ndarray:
        """x ``[b, f, n, c]`` tokens per frame; context ``[b, m, d]`` text tokens."""
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        akw = dict(attention_impl=self.attention_impl, **kw)
        b, f, n, c = x.shape
        attn1 = Attention(c, self.heads, name="attn1", **akw)
        h = layer_norm("norm1", **kw)(x)
        if self.use_temporal:
            x = x + attn1.sparse_causal(h)
        else:
            x = x + attn1(h.reshape(b * f, n, c)).reshape(x.shape)
        h = layer_norm("norm2", **kw)(x).reshape(b * f, n, c)
        ctx = jnp.repeat(context, f, axis=0)
        x = x + Attention(c, self.heads, name="attn2", **akw)(h, ctx).reshape(x.shape)
        x = x + FeedForward(c, name="ff", **kw)(layer_norm("norm3", **kw)(x))
        if not self.use_temporal:
            return x
        xt = jnp.swapaxes(x, 1, 2).reshape(b * n, f, c)  # frames become the sequence
        xt = xt + Attention(c, self.heads, name="attn_temp", **akw)(layer_norm("norm_temp", **kw)(xt))
        xt = TemporalConv(c, temporal_rank(c, self.rank), name="conv_temporal", **kw)(xt)
        return jnp.swapaxes(xt.reshape(b, n, f, c), 1, 2)


class Transformer3DModel(nn.Module):
    """GN (per frame, eps 1e-6) -> 1x1 proj_in -> one BasicTransformerBlock -> 1x1 proj_out, + x."""

    features: int
    heads: int
    groups: int = 32
    use_temporal: bool = True
    rank: int = 160
    attention_impl: str = "auto"
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray, context: jnp.ndarray) -> jnp.ndarray:
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        b, f, hh, ww, c = x.shape
        h = GroupNorm(self.groups, 1e-6, name="norm", **kw)(x.reshape(b * f, hh, ww, c))
        h = nn.Conv(self.features, (1, 1), name="proj_in", **kw)(h).reshape(b, f, hh * ww, c)
        h = BasicTransformerBlock(
            self.features, self.heads, self.use_temporal, self.rank, self.attention_impl,
            name="transformer_blocks_0", **kw,
        )(h, context)
        h = nn.Conv(self.features, (1, 1), name="proj_out", **kw)(h.reshape(b, f, hh, ww, c))
        return x + h
