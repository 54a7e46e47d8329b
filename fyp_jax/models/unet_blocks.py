"""Down, mid and up blocks of the inflated SD UNet, on videos ``[b, f, h, w, c]``."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.typing import DTypeLike

from fyp_jax.models.resnet import ResnetBlock
from fyp_jax.models.transformer3d import Transformer3DModel


class Downsample(nn.Module):
    """3x3 conv, stride 2, padding 1, frame by frame (param ``conv``)."""

    features: int
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        return nn.Conv(self.features, (3, 3), strides=(2, 2), padding=((1, 1), (1, 1)), name="conv",
                       dtype=self.dtype, param_dtype=self.param_dtype)(x)


class Upsample(nn.Module):
    """Nearest x2 on h and w (frames untouched), then 3x3 conv (param ``conv``)."""

    features: int
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        x = jnp.repeat(jnp.repeat(x, 2, axis=-3), 2, axis=-2)
        return nn.Conv(self.features, (3, 3), padding=((1, 1), (1, 1)), name="conv",
                       dtype=self.dtype, param_dtype=self.param_dtype)(x)


class BlockSettings(nn.Module):
    """Fields shared by every block (a base class, never used on its own)."""

    features: int
    num_layers: int
    heads: int
    cross_attention: bool
    groups: int = 32
    eps: float = 1e-5
    use_temporal: bool = True
    temporal_rank: int = 160
    remat_policy: str | None = None
    attention_impl: str = "auto"
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    def _layer(self, cls: type[nn.Module]) -> type[nn.Module]:
        """``cls``, rematerialised under ``jax.checkpoint_policies.<remat_policy>`` when set
        (the parameter tree is unchanged)."""
        if self.remat_policy is None:
            return cls
        return nn.remat(cls, policy=getattr(jax.checkpoint_policies, self.remat_policy))

    def resnet(self, name: str) -> ResnetBlock:
        return self._layer(ResnetBlock)(self.features, self.groups, self.eps, name=name,
                                        dtype=self.dtype, param_dtype=self.param_dtype)

    def transformer(self, name: str) -> Transformer3DModel:
        return self._layer(Transformer3DModel)(
            self.features, self.heads, self.groups, self.use_temporal, self.temporal_rank,
            self.attention_impl, name=name, dtype=self.dtype, param_dtype=self.param_dtype)


class DownBlock(BlockSettings):
    """Resnets (+ transformers) then an optional downsampler.

    ``pose_feature`` (sample mode) is added after the LAST layer, before that layer's output is
    kept as a skip connection and before downsampling: the original adds it after the second of
    SD's two layers, and with another ``num_layers`` it must still be used.
    """

    add_downsample: bool = True

    @nn.compact
    def __call__(self, x, temb, context, pose_feature=None, downsample=True):
        """``downsample=False`` stops before the downsampler (the shallow branch of a cached
        step, whose skips are only the layers' outputs)."""
        skips = []
        for i in range(self.num_layers):
            x = self.resnet(f"resnets_{i}")(x, temb)
            if self.cross_attention:
                x = self.transformer(f"attentions_{i}")(x, context)
            if i == self.num_layers - 1 and pose_feature is not None:
                x = x + pose_feature.astype(x.dtype)
            skips.append(x)
        if self.add_downsample and downsample:
            x = Downsample(self.features, name="downsamplers_0", dtype=self.dtype,
                           param_dtype=self.param_dtype)(x)
            skips.append(x)
        return x, skips


class MidBlock(BlockSettings):
    """resnet, then (transformer, resnet) x num_layers."""

    @nn.compact
    def __call__(self, x, temb, context):
        x = self.resnet("resnets_0")(x, temb)
        for i in range(self.num_layers):
            x = self.transformer(f"attentions_{i}")(x, context)
            x = self.resnet(f"resnets_{i + 1}")(x, temb)
        return x


class UpBlock(BlockSettings):
    """For each layer: concat [running state, skip] on channels -> resnet (-> transformer)."""

    add_upsample: bool = True

    @nn.compact
    def __call__(self, x, skips, temb, context):
        for i in range(self.num_layers):
            x = jnp.concatenate([x, skips[-1 - i].astype(x.dtype)], axis=-1)
            x = self.resnet(f"resnets_{i}")(x, temb)
            if self.cross_attention:
                x = self.transformer(f"attentions_{i}")(x, context)
        if self.add_upsample:
            x = Upsample(self.features, name="upsamplers_0", dtype=self.dtype,
                         param_dtype=self.param_dtype)(x)
        return x
