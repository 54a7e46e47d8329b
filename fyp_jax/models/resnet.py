"""The SD resnet block, shared by the UNet (videos) and the VAE (images).

Input ``[b, ..., h, w, c]``; 3x3 convs act on the last two spatial axes (frame by frame for a
video) while GroupNorm statistics span every axis between batch and channels, i.e. ALL frames
of a video, as the original's 5-D GroupNorm does.
"""

from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp
from jax.typing import DTypeLike

from fyp_jax.models.norms import GroupNorm


class ResnetBlock(nn.Module):
    """GN -> SiLU -> conv3x3 (+ Linear(SiLU(temb))) -> GN -> SiLU -> conv3x3, + shortcut."""

    out_channels: int
    groups: int = 32
    eps: float = 1e-5
    use_time_emb: bool = True
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray, temb: jnp.ndarray | None = None) -> jnp.ndarray:
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        conv = lambda name, k: nn.Conv(  # noqa: E731
            self.out_channels, (k, k), padding=((k // 2, k // 2),) * 2, name=name, **kw
        )
        h = nn.silu(GroupNorm(self.groups, self.eps, name="norm1", **kw)(x))
        h = conv("conv1", 3)(h)
        if self.use_time_emb:
            t = nn.Dense(self.out_channels, name="time_emb_proj", **kw)(nn.silu(temb))
            h = h + t.reshape(t.shape[0], *([1] * (h.ndim - 2)), t.shape[-1])
        h = nn.silu(GroupNorm(self.groups, self.eps, name="norm2", **kw)(h))
        h = conv("conv2", 3)(h)
        if x.shape[-1] != self.out_channels:
            x = conv("conv_shortcut", 1)(x)
        return x + h
