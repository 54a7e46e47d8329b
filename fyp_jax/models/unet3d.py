"""UNet3DConditionModel: Stable Diffusion 1.x's UNet inflated to video, as FollowYourPose does.

Input and output ``[b, f, h, w, c]``. With ``use_temporal=False`` it computes exactly SD's 2-D
UNet on every frame independently (frames folded into the batch).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import flax.linen as nn
import jax.numpy as jnp
from jax.typing import DTypeLike

from fyp_jax.errors import ConfigError
from fyp_jax.models.attention import resolve_impl
from fyp_jax.models.embeddings import TimestepEmbedding, timestep_features
from fyp_jax.models.norms import GroupNorm
from fyp_jax.models.unet_blocks import DownBlock, MidBlock, UpBlock

DOWN_TYPES = {"CrossAttnDownBlock3D": True, "CrossAttnDownBlock2D": True,
              "DownBlock3D": False, "DownBlock2D": False}
UP_TYPES = {"CrossAttnUpBlock3D": True, "CrossAttnUpBlock2D": True,
            "UpBlock3D": False, "UpBlock2D": False}


def _heads_per_block(heads: int | Sequence[int], n: int) -> tuple[int, ...]:
    return (heads,) * n if isinstance(heads, int) else tuple(heads)


class UNet3DConditionModel(nn.Module):
    """See the module docstring. ``attention_head_dim`` is the NUMBER of heads (SD 1.x: 8)."""

    in_channels: int = 4
    out_channels: int = 4
    block_out_channels: tuple[int, ...] = (320, 640, 1280, 1280)
    down_block_types: tuple[str, ...] = ("CrossAttnDownBlock3D",) * 3 + ("DownBlock3D",)
    up_block_types: tuple[str, ...] = ("UpBlock3D",) + ("CrossAttnUpBlock3D",) * 3
    layers_per_block: int = 2
    attention_head_dim: int | tuple[int, ...] = 8
    cross_attention_dim: int = 768
    norm_num_groups: int = 32
    norm_eps: float = 1e-5
    flip_sin_to_cos: bool = True
    freq_shift: float = 0.0
    use_temporal: bool = True
    temporal_rank: int = 160
    remat_policy: str | None = None  # a jax.checkpoint_policies name: remat every resnet/transformer
    # auto | xla | cudnn | blockwise (fyp_jax.models.attention); "auto" is resolved for JAX's
    # default backend when the module is built, so a traced forward never looks it up.
    attention_impl: str = "auto"
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    def __post_init__(self):
        object.__setattr__(self, "attention_impl", resolve_impl(self.attention_impl))
        super().__post_init__()

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides) -> UNet3DConditionModel:
        """Build from a diffusers-style UNet config dict; unknown keys are ignored."""
        names = {f.name for f in dataclasses.fields(cls)} - {"parent", "name"}
        kwargs = {k: v for k, v in {**config, **overrides}.items() if k in names}
        for k in ("block_out_channels", "down_block_types", "up_block_types"):
            if k in kwargs:
                kwargs[k] = tuple(kwargs[k])
        if isinstance(kwargs.get("attention_head_dim"), list):
            kwargs["attention_head_dim"] = tuple(kwargs["attention_head_dim"])
        unknown = [t for t in kwargs.get("down_block_types", ()) if t not in DOWN_TYPES]
        unknown += [t for t in kwargs.get("up_block_types", ()) if t not in UP_TYPES]
        if unknown:
            raise ConfigError(f"unsupported UNet block types {unknown}; known: "
                              f"{sorted(DOWN_TYPES)} and {sorted(UP_TYPES)}")
        return cls(**kwargs)

    def _block_kwargs(self) -> dict:
        return dict(groups=self.norm_num_groups, eps=self.norm_eps, use_temporal=self.use_temporal,
                    temporal_rank=self.temporal_rank, remat_policy=self.remat_policy,
                    attention_impl=self.attention_impl, dtype=self.dtype, param_dtype=self.param_dtype)

    @nn.compact
    def __call__(
        self,
        sample: jnp.ndarray,
        timesteps: jnp.ndarray | int,
        encoder_hidden_states: jnp.ndarray,
        pose_features: Sequence[jnp.ndarray] | None = None,
        deep_features: jnp.ndarray | None = None,
        return_deep: bool = False,
    ) -> jnp.ndarray | tuple[jnp.ndarray, jnp.ndarray]:
        """Predict noise for ``sample [b, f, h, w, c]`` at ``timesteps`` (scalar or ``[b]``).

        ``pose_features``: the PoseEncoder's 4 maps ``[b, f, h_i, w_i, c_i]``, added in the down
        blocks (sampling); None trains/samples without pose (the original's 'train' mode).

        DeepCache (Ma et al. 2023): ``return_deep=True`` also returns the deep features, the
        input of the last up block (an array of this model's internal layout); passing them
        back as ``deep_features`` computes only the shallow branch (conv_in, the first down
        block without its downsampler, the last up block, conv_out) and reuses them for the rest,
        which at the same inputs gives the full prediction.
        """
        b, f = sample.shape[:2]
        timesteps = jnp.broadcast_to(jnp.asarray(timesteps), (b,))
        if not self.use_temporal:  # SD 2-D UNet: every frame on its own
            fold = lambda a: a.reshape(b * f, 1, *a.shape[2:])  # noqa: E731
            sample = fold(sample)
            pose_features = None if pose_features is None else [fold(p) for p in pose_features]
            timesteps = jnp.repeat(timesteps, f)
            encoder_hidden_states = jnp.repeat(encoder_hidden_states, f, axis=0)
        out, deep = self._forward(sample, timesteps, encoder_hidden_states, pose_features,
                                  deep_features)
        out = out.reshape(b, f, *out.shape[2:])
        return (out, deep) if return_deep else out

    def _forward(self, sample, timesteps, context, pose_features, deep):
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        ch = self.block_out_channels
        n = len(ch)
        heads = _heads_per_block(self.attention_head_dim, n)
        temb = timestep_features(timesteps, ch[0], flip_sin_to_cos=self.flip_sin_to_cos,
                                 freq_shift=self.freq_shift)
        temb = TimestepEmbedding(4 * ch[0], name="time_embedding", **kw)(temb.astype(self.dtype or jnp.float32))
        x = sample.astype(self.dtype or sample.dtype)
        context = context.astype(self.dtype or context.dtype)
        x = nn.Conv(ch[0], (3, 3), padding=((1, 1), (1, 1)), name="conv_in", **kw)(x)

        cached = deep is not None
        skips = [x]
        for i, kind in enumerate(self.down_block_types[:1] if cached else self.down_block_types):
            x, s = DownBlock(ch[i], self.layers_per_block, heads[i], DOWN_TYPES[kind],
                             add_downsample=i < n - 1, name=f"down_blocks_{i}",
                             **self._block_kwargs())(
                x, temb, context, None if pose_features is None else pose_features[i],
                downsample=not cached)
            skips += s

        if not cached:
            x = MidBlock(ch[-1], 1, heads[-1], True, name="mid_block", **self._block_kwargs())(
                x, temb, context)

        up_ch, up_heads = ch[::-1], heads[::-1]
        for i, kind in enumerate(self.up_block_types):
            if cached and i < n - 1:
                continue
            if i == n - 1:  # the deep features: what the last up block starts from
                if cached:
                    x = deep
                deep = x
            k = self.layers_per_block + 1
            block_skips, skips = skips[-k:], skips[:-k]
            x = UpBlock(up_ch[i], k, up_heads[i], UP_TYPES[kind], add_upsample=i < n - 1,
                        name=f"up_blocks_{i}", **self._block_kwargs())(
                x, block_skips, temb, context)

        x = nn.silu(GroupNorm(self.norm_num_groups, self.norm_eps, name="conv_norm_out", **kw)(x))
        x = nn.Conv(self.out_channels, (3, 3), padding=((1, 1), (1, 1)), name="conv_out", **kw)(x)
        return x, deep
