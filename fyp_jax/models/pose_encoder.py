"""PoseEncoder: the T2I-Adapter-style skeleton encoder of FollowYourPose (``skeleton_adapter``).

skeleton ``[b, f, H, W, 3]`` in [0, 1] -> PixelUnshuffle(8) (torch channel order
c*64 + dy*8 + dx) -> 3x3 ``conv_in`` -> 4 levels x ``nums_rb`` residual blocks
``x + block2(relu(block1(x)))``; levels 1..3 start with a 2x2 average pool and, when the channel
count changes, a 1x1 ``in_conv``. Returns the output of every level, ``[b, f, h_i, w_i, c_i]``.
It does not depend on the timestep: compute it once per video.
"""

from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp
from jax.typing import DTypeLike


def pixel_unshuffle(x: jnp.ndarray, factor: int) -> jnp.ndarray:
    """``[n, H, W, c]`` -> ``[n, H/r, W/r, c*r*r]`` with torch's order (c, dy, dx)."""
    n, h, w, c = x.shape
    x = x.reshape(n, h // factor, factor, w // factor, factor, c)
    x = x.transpose(0, 1, 3, 5, 2, 4)
    return x.reshape(n, h // factor, w // factor, c * factor * factor)


class AdapterResBlock(nn.Module):
    features: int
    downsample: bool
    ksize: int = 1
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        if self.downsample:
            x = nn.avg_pool(x, (2, 2), strides=(2, 2))
        if x.shape[-1] != self.features:
            x = nn.Conv(self.features, (self.ksize,) * 2, padding=self.ksize // 2, name="in_conv", **kw)(x)
        h = nn.relu(nn.Conv(self.features, (3, 3), padding=1, name="block1", **kw)(x))
        h = nn.Conv(self.features, (self.ksize,) * 2, padding=self.ksize // 2, name="block2", **kw)(h)
        return x + h


class PoseEncoder(nn.Module):
    """Params ``conv_in`` and ``body_{k}`` (k = level * nums_rb + block), as the original."""

    channels: tuple[int, ...] = (320, 640, 1280, 1280)
    nums_rb: int = 2
    ksize: int = 1
    unshuffle: int = 8
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, skeleton: jnp.ndarray) -> list[jnp.ndarray]:
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        b, f = skeleton.shape[:2]
        x = skeleton.reshape(b * f, *skeleton.shape[2:]).astype(self.dtype or jnp.float32)
        x = pixel_unshuffle(x, self.unshuffle)
        x = nn.Conv(self.channels[0], (3, 3), padding=1, name="conv_in", **kw)(x)
        features = []
        for level, c in enumerate(self.channels):
            for j in range(self.nums_rb):
                k = level * self.nums_rb + j
                x = AdapterResBlock(c, downsample=level > 0 and j == 0, ksize=self.ksize,
                                    name=f"body_{k}", **kw)(x)
            features.append(x.reshape(b, f, *x.shape[1:]))
        return features
