"""GroupNorm with float32 statistics over every axis between batch and channels.

For a video ``[b, f, h, w, c]`` the statistics span all frames (the original's 5-D GroupNorm in
its resnets); a per-frame norm is obtained by folding frames into the batch before calling it.
"""

from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp
from jax.typing import DTypeLike


class GroupNorm(nn.Module):
    """torch.nn.GroupNorm on channels-last input; params ``scale`` and ``bias``."""

    num_groups: int = 32
    epsilon: float = 1e-5
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        c = x.shape[-1]
        if c % self.num_groups:
            raise ValueError(f"GroupNorm: {c} channels not divisible by {self.num_groups} groups")
        scale = self.param("scale", nn.initializers.ones, (c,), self.param_dtype)
        bias = self.param("bias", nn.initializers.zeros, (c,), self.param_dtype)
        xf = x.astype(jnp.float32)
        g = xf.reshape(x.shape[0], -1, self.num_groups, c // self.num_groups)
        mean = jnp.mean(g, axis=(1, 3), keepdims=True)
        var = jnp.mean(jnp.square(g - mean), axis=(1, 3), keepdims=True)
        g = (g - mean) * jax_rsqrt(var + self.epsilon)
        y = g.reshape(x.shape) * scale.astype(jnp.float32) + bias.astype(jnp.float32)
        return y.astype(self.dtype or x.dtype)


def jax_rsqrt(x: jnp.ndarray) -> jnp.ndarray:
    """1/sqrt(x), written as a division so it rounds like torch's CPU kernel."""
    return 1.0 / jnp.sqrt(x)
