"""diffusers' ``AutoencoderKL`` (the Stable Diffusion VAE) on channels-last images.

Images are ``[b, h, w, in_channels]`` in [-1, 1]; latents ``[b, h/2^(L-1), w/2^(L-1),
latent_channels]`` with L = len(block_out_channels). ``encode``/``decode`` work on UNSCALED
latents as diffusers' do: the diffusion model sees ``scaling_factor * z``. Every GroupNorm of the
VAE uses eps 1e-6 and normalises one image at a time, so a video goes through
:func:`encode_video` / :func:`decode_video`, which fold frames into the batch in chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.typing import DTypeLike

from fyp_jax.errors import ConfigError
from fyp_jax.models.attention import Attention
from fyp_jax.models.norms import GroupNorm
from fyp_jax.models.resnet import ResnetBlock

NORM_EPS = 1e-6
LOGVAR_MIN, LOGVAR_MAX = -30.0, 20.0

# Keys of a diffusers AutoencoderKL config dict that shape the model; all other keys are ignored
# except those in SUPPORTED_ONLY, whose values must be the ones listed.
CONFIG_KEYS = (
    "in_channels",
    "out_channels",
    "block_out_channels",
    "layers_per_block",
    "latent_channels",
    "norm_num_groups",
    "scaling_factor",
)
SUPPORTED_ONLY = {
    "act_fn": ("silu",),
    "down_block_types": ("DownEncoderBlock2D",),
    "up_block_types": ("UpDecoderBlock2D",),
    "use_quant_conv": (True,),
    "use_post_quant_conv": (True,),
    "mid_block_add_attention": (True,),
    "shift_factor": (None,),
    "latents_mean": (None,),
    "latents_std": (None,),
}


class _Part(nn.Module):
    """Fields and layer factories shared by every part of the VAE."""

    groups: int = 32
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @property
    def kw(self) -> dict[str, Any]:
        return dict(groups=self.groups, dtype=self.dtype, param_dtype=self.param_dtype)

    def conv(self, features: int, name: str, kernel: int = 3, stride: int = 1, pad=None) -> nn.Conv:
        """Conv2d; ``pad`` per spatial side ``(before, after)``, default "same" for odd kernels."""
        pad = pad or (kernel // 2, kernel // 2)
        return nn.Conv(
            features,
            (kernel, kernel),
            strides=stride,
            padding=(pad, pad),
            dtype=self.dtype,
            param_dtype=self.param_dtype,
            name=name,
        )

    def resnet(self, features: int, name: str) -> ResnetBlock:
        return ResnetBlock(
            features,
            self.groups,
            NORM_EPS,
            use_time_emb=False,
            name=name,
            dtype=self.dtype,
            param_dtype=self.param_dtype,
        )

    def norm_act(self, x: jnp.ndarray, name: str) -> jnp.ndarray:
        return nn.silu(
            GroupNorm(
                self.groups, NORM_EPS, dtype=self.dtype, param_dtype=self.param_dtype, name=name
            )(x)
        )


class VAEAttention(Attention):
    """x + attention(group_norm(x)) over all h*w pixels; one head as wide as the channels.

    Built on the shared :class:`Attention` (params ``to_q``/``to_k``/``to_v``/``to_out_0``),
    plus ``group_norm``; construct with ``heads=1, qkv_bias=True``.
    """

    groups: int = 32

    def setup(self):
        super().setup()
        self.group_norm = GroupNorm(
            self.groups, NORM_EPS, dtype=self.dtype, param_dtype=self.param_dtype
        )

    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        b, h, w, c = x.shape
        tokens = self.group_norm(x).reshape(b, h * w, c)
        return x + super().__call__(tokens).reshape(x.shape)


class MidBlock(_Part):
    """resnets_0 -> attentions_0 -> resnets_1, all at the input width."""

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        c = x.shape[-1]
        x = self.resnet(c, "resnets_0")(x)
        x = VAEAttention(
            c,
            heads=1,
            qkv_bias=True,
            groups=self.groups,
            dtype=self.dtype,
            param_dtype=self.param_dtype,
            name="attentions_0",
        )(x)
        return self.resnet(c, "resnets_1")(x)


class Resample(_Part):
    """``conv`` after nearest x2 ("up"), or a stride-2 3x3 conv after padding the bottom and right
    by one pixel ("down"), as diffusers' Downsample2D with padding 0 does."""

    mode: str = "down"

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        c = x.shape[-1]
        if self.mode == "down":
            return self.conv(c, "conv", stride=2, pad=(0, 1))(x)
        x = jnp.repeat(jnp.repeat(x, 2, axis=-3), 2, axis=-2)
        return self.conv(c, "conv")(x)


class ResnetStack(_Part):
    """``resnets_0..n-1`` then an optional ``downsamplers_0`` / ``upsamplers_0`` (Resample)."""

    features: int = 64
    num_layers: int = 1
    resample: str | None = None  # None | "down" | "up"

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        for j in range(self.num_layers):
            x = self.resnet(self.features, f"resnets_{j}")(x)
        if self.resample:
            name = f"{self.resample}samplers_0"  # downsamplers_0 / upsamplers_0
            x = Resample(mode=self.resample, name=name, **self.kw)(x)
        return x


class Encoder(_Part):
    """conv_in -> down_blocks (downsample after all but the last) -> mid_block -> GN, SiLU, conv_out
    to ``2 * latent_channels`` (mean and log-variance before quant_conv)."""

    block_out_channels: tuple[int, ...] = (64,)
    layers_per_block: int = 1
    latent_channels: int = 4

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        chans = self.block_out_channels
        x = self.conv(chans[0], "conv_in")(x)
        for i, c in enumerate(chans):
            down = "down" if i < len(chans) - 1 else None
            x = ResnetStack(
                features=c,
                num_layers=self.layers_per_block,
                resample=down,
                name=f"down_blocks_{i}",
                **self.kw,
            )(x)
        x = MidBlock(name="mid_block", **self.kw)(x)
        return self.conv(2 * self.latent_channels, "conv_out")(self.norm_act(x, "conv_norm_out"))


class Decoder(_Part):
    """conv_in -> mid_block -> up_blocks (widest first, layers_per_block + 1 resnets each, upsample
    after all but the last) -> GN, SiLU, conv_out."""

    block_out_channels: tuple[int, ...] = (64,)
    layers_per_block: int = 1
    out_channels: int = 3

    @nn.compact
    def __call__(self, z: jnp.ndarray) -> jnp.ndarray:
        chans = self.block_out_channels[::-1]
        x = self.conv(chans[0], "conv_in")(z)
        x = MidBlock(name="mid_block", **self.kw)(x)
        for i, c in enumerate(chans):
            up = "up" if i < len(chans) - 1 else None
            x = ResnetStack(
                features=c,
                num_layers=self.layers_per_block + 1,
                resample=up,
                name=f"up_blocks_{i}",
                **self.kw,
            )(x)
        return self.conv(self.out_channels, "conv_out")(self.norm_act(x, "conv_norm_out"))


class AutoencoderKL(nn.Module):
    """The KL autoencoder. Field names and defaults are those of diffusers' config; build from a
    config dict with :meth:`from_config`. ``__call__`` (encode, sample or mean, decode) exists to
    initialise every parameter; use :meth:`encode`, :meth:`sample`, :meth:`decode`."""

    in_channels: int = 3
    out_channels: int = 3
    block_out_channels: tuple[int, ...] = (64,)
    layers_per_block: int = 1
    latent_channels: int = 4
    norm_num_groups: int = 32
    scaling_factor: float = 0.18215
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> AutoencoderKL:
        """From a diffusers AutoencoderKL config dict (``vae/config.json``); ``overrides`` set dtypes."""
        bad = [
            f"{k}={config[k]!r}"
            for k, allowed in SUPPORTED_ONLY.items()
            if k in config and any(v not in allowed for v in _as_tuple(config[k]))
        ]
        if bad:
            raise ConfigError(
                f"VAE config: unsupported setting(s) {', '.join(bad)}; supported: {SUPPORTED_ONLY}"
            )
        kwargs = {k: config[k] for k in CONFIG_KEYS if k in config}
        kwargs["block_out_channels"] = tuple(
            kwargs.get("block_out_channels", cls.block_out_channels)
        )
        return cls(**kwargs, **overrides)

    def setup(self):
        kw = dict(groups=self.norm_num_groups, dtype=self.dtype, param_dtype=self.param_dtype)
        conv1x1 = dict(kernel_size=(1, 1), dtype=self.dtype, param_dtype=self.param_dtype)
        blocks = dict(
            block_out_channels=tuple(self.block_out_channels),
            layers_per_block=self.layers_per_block,
            **kw,
        )
        self.encoder = Encoder(latent_channels=self.latent_channels, **blocks)
        self.quant_conv = nn.Conv(2 * self.latent_channels, **conv1x1)
        self.post_quant_conv = nn.Conv(self.latent_channels, **conv1x1)
        self.decoder = Decoder(out_channels=self.out_channels, **blocks)

    def encode(self, x: jnp.ndarray) -> tuple[jnp.ndarray, jnp.ndarray]:
        """Images ``[b, h, w, c]`` -> (mean, logvar) of the latent Gaussian, logvar in [-30, 20]."""
        moments = self.quant_conv(self.encoder(x))
        mean, logvar = jnp.split(moments, 2, axis=-1)
        return mean, jnp.clip(logvar, LOGVAR_MIN, LOGVAR_MAX)

    @staticmethod
    def sample(mean: jnp.ndarray, logvar: jnp.ndarray, key: jax.Array) -> jnp.ndarray:
        """One draw ``mean + exp(logvar / 2) * N(0, 1)``; needs no parameters."""
        noise = jax.random.normal(key, mean.shape, jnp.float32).astype(mean.dtype)
        return mean + jnp.exp(0.5 * logvar) * noise

    def decode(self, z: jnp.ndarray) -> jnp.ndarray:
        """Unscaled latents ``[b, h', w', latent_channels]`` -> images ``[b, h, w, out_channels]``."""
        return self.decoder(self.post_quant_conv(z))

    def __call__(self, x: jnp.ndarray, key: jax.Array | None = None) -> jnp.ndarray:
        mean, logvar = self.encode(x)
        return self.decode(mean if key is None else self.sample(mean, logvar, key))


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _map_frames(fn: Callable, video: jnp.ndarray, chunk: int) -> Any:
    """Apply ``fn`` (images -> pytree of image-batched arrays) to the frames of ``video``
    ``[b, f, ...]``, ``chunk`` frames at a time under ``lax.map`` (one compiled body; the last
    chunk is zero-padded and the padding dropped)."""
    b, f = video.shape[:2]
    n = b * f
    chunk = max(1, min(chunk, n))
    frames = video.reshape(n, *video.shape[2:])
    frames = jnp.pad(frames, [(0, -n % chunk)] + [(0, 0)] * (frames.ndim - 1))
    out = jax.lax.map(fn, frames.reshape(-1, chunk, *frames.shape[1:]))
    return jax.tree.map(lambda y: y.reshape(-1, *y.shape[2:])[:n].reshape(b, f, *y.shape[2:]), out)


def encode_video(
    vae: AutoencoderKL, params: Any, video: jnp.ndarray, *, chunk: int = 8
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Video ``[b, f, h, w, c]`` in [-1, 1] -> (mean, logvar), each ``[b, f, h', w', latent]``,
    encoding ``chunk`` frames at a time (peak memory of a ``chunk``-image batch)."""
    return _map_frames(lambda x: vae.apply({"params": params}, x, method=vae.encode), video, chunk)


def decode_video(
    vae: AutoencoderKL, params: Any, latents: jnp.ndarray, *, chunk: int = 8
) -> jnp.ndarray:
    """Unscaled latents ``[b, f, h', w', latent]`` (divide the diffusion latents by
    ``vae.scaling_factor`` first) -> video ``[b, f, h, w, c]``, ``chunk`` frames at a time."""
    return _map_frames(
        lambda z: vae.apply({"params": params}, z, method=vae.decode), latents, chunk
    )
