"""Sinusoidal timestep features and the MLP that turns them into the resnets' time embedding."""

from __future__ import annotations

import math

import flax.linen as nn
import jax.numpy as jnp
from jax.typing import DTypeLike


def timestep_features(
    timesteps: jnp.ndarray, dim: int, *, flip_sin_to_cos: bool = True, freq_shift: float = 0.0
) -> jnp.ndarray:
    """``[b]`` timesteps -> ``[b, dim]`` float32: frequencies exp(-ln(1e4) k / (half - shift)).

    SD 1.x (and the original FollowYourPose) use cos before sin and shift 0.
    """
    half = dim // 2
    exponent = -math.log(10000.0) * jnp.arange(half, dtype=jnp.float32) / (half - freq_shift)
    args = timesteps.astype(jnp.float32)[:, None] * jnp.exp(exponent)[None, :]
    sin, cos = jnp.sin(args), jnp.cos(args)
    emb = jnp.concatenate([cos, sin] if flip_sin_to_cos else [sin, cos], axis=-1)
    if dim % 2:
        emb = jnp.pad(emb, ((0, 0), (0, 1)))
    return emb


class TimestepEmbedding(nn.Module):
    """Linear -> SiLU -> Linear (params ``linear_1``, ``linear_2``)."""

    features: int
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        x = nn.Dense(self.features, name="linear_1", **kw)(x)
        return nn.Dense(self.features, name="linear_2", **kw)(nn.silu(x))
