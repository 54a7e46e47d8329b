"""CLIP's text transformer (the SD 1.x text encoder), as transformers' ``CLIPTextModel``.

Token + learned position embeddings, pre-LN encoder layers (causal self-attention, MLP), a final
LayerNorm. Parameter paths mirror the ``CLIPTextModel`` state dict of transformers 5
(``embeddings/token_embedding``, ``encoder/layers_3/self_attn/q_proj``, ``final_layer_norm``);
checkpoints written by transformers 4 (SD 1.x folders) carry an extra ``text_model.`` prefix that
the converter strips. There is no padding mask: as in Stable Diffusion, each position attends
causally to every earlier one, padding included.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.typing import DTypeLike

from fyp_jax.errors import ConfigError
from fyp_jax.models.attention import attention, merge_heads, split_heads

ACTIVATIONS = {
    "quick_gelu": lambda x: x * jax.nn.sigmoid(1.702 * x),
    "gelu": partial(jax.nn.gelu, approximate=False),
}

# Keys of a transformers CLIPTextConfig dict that shape the model; all other keys are ignored.
CONFIG_KEYS = (
    "vocab_size",
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "max_position_embeddings",
    "hidden_act",
    "layer_norm_eps",
    "eos_token_id",
)

# The eos_token_id that configs written before transformers PR #24773 carry (SD 1.x included);
# with it the pooled token is the one with the highest id, as CLIP's original code picks it.
LEGACY_EOS_TOKEN_ID = 2


def _layer_norm(
    eps: float, dtype: DTypeLike | None, param_dtype: DTypeLike, name: str
) -> nn.LayerNorm:
    """torch.nn.LayerNorm: float32 two-pass statistics, params ``scale``/``bias``."""
    return nn.LayerNorm(
        epsilon=eps, dtype=dtype, param_dtype=param_dtype, use_fast_variance=False, name=name
    )


class _CLIPPart(nn.Module):
    """Fields every part of the encoder shares, and its layer factories."""

    eps: float = 1e-5
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    def layer_norm(self, name: str) -> nn.LayerNorm:
        return _layer_norm(self.eps, self.dtype, self.param_dtype, name)

    def dense(self, features: int, name: str) -> nn.Dense:
        return nn.Dense(features, dtype=self.dtype, param_dtype=self.param_dtype, name=name)


class CLIPSelfAttention(_CLIPPart):
    """Causal multi-head self-attention; ``q_proj``/``k_proj``/``v_proj``/``out_proj`` with bias."""

    heads: int = 8

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        width = x.shape[-1]
        q, k, v = (
            split_heads(self.dense(width, n)(x), self.heads) for n in ("q_proj", "k_proj", "v_proj")
        )
        return self.dense(width, "out_proj")(merge_heads(attention(q, k, v, causal=True)))


class CLIPMLP(_CLIPPart):
    """fc2(act(fc1(x)))."""

    intermediate_size: int = 2048
    hidden_act: str = "quick_gelu"

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        h = ACTIVATIONS[self.hidden_act](self.dense(self.intermediate_size, "fc1")(x))
        return self.dense(x.shape[-1], "fc2")(h)


class CLIPEncoderLayer(_CLIPPart):
    """x + self_attn(layer_norm1(x)), then x + mlp(layer_norm2(x))."""

    heads: int = 8
    intermediate_size: int = 2048
    hidden_act: str = "quick_gelu"

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        kw = dict(eps=self.eps, dtype=self.dtype, param_dtype=self.param_dtype)
        x = x + CLIPSelfAttention(heads=self.heads, name="self_attn", **kw)(
            self.layer_norm("layer_norm1")(x)
        )
        mlp = CLIPMLP(
            intermediate_size=self.intermediate_size, hidden_act=self.hidden_act, name="mlp", **kw
        )
        return x + mlp(self.layer_norm("layer_norm2")(x))


class CLIPEncoder(_CLIPPart):
    """The stack ``layers_0 .. layers_{n-1}``."""

    num_layers: int = 12
    heads: int = 8
    intermediate_size: int = 2048
    hidden_act: str = "quick_gelu"

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        for i in range(self.num_layers):
            x = CLIPEncoderLayer(
                heads=self.heads,
                intermediate_size=self.intermediate_size,
                hidden_act=self.hidden_act,
                eps=self.eps,
                dtype=self.dtype,
                param_dtype=self.param_dtype,
                name=f"layers_{i}",
            )(x)
        return x


class CLIPEmbeddings(_CLIPPart):
    """token_embedding(ids) + position_embedding(0 .. n-1)."""

    vocab_size: int = 49408
    max_position_embeddings: int = 77

    @nn.compact
    def __call__(self, input_ids: jnp.ndarray, width: int) -> jnp.ndarray:
        embed = partial(nn.Embed, features=width, dtype=self.dtype, param_dtype=self.param_dtype)
        tokens = embed(self.vocab_size, name="token_embedding")(input_ids)
        positions = embed(self.max_position_embeddings, name="position_embedding")(
            jnp.arange(input_ids.shape[-1])
        )
        return tokens + positions


class CLIPTextEncoder(nn.Module):
    """``input_ids`` int ``[b, n]`` (n <= max_position_embeddings) -> last hidden state ``[b, n, d]``.

    Field names and defaults are those of transformers' ``CLIPTextConfig``; build from a config
    dict with :meth:`from_config`. ``eos_token_id`` only matters for :func:`pooled_output`.
    """

    vocab_size: int = 49408
    hidden_size: int = 512
    intermediate_size: int = 2048
    num_hidden_layers: int = 12
    num_attention_heads: int = 8
    max_position_embeddings: int = 77
    hidden_act: str = "quick_gelu"
    layer_norm_eps: float = 1e-5
    eos_token_id: int = 49407
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> CLIPTextEncoder:
        """From a transformers CLIPTextConfig dict (``config.json``); ``overrides`` set dtypes."""
        act = config.get("hidden_act", cls.hidden_act)
        if act not in ACTIVATIONS:
            raise ConfigError(
                f"CLIP text config: hidden_act {act!r} is not one of {sorted(ACTIVATIONS)}"
            )
        return cls(**{k: config[k] for k in CONFIG_KEYS if k in config}, **overrides)

    @nn.compact
    def __call__(self, input_ids: jnp.ndarray) -> jnp.ndarray:
        if input_ids.shape[-1] > self.max_position_embeddings:
            raise ValueError(
                f"{input_ids.shape[-1]} tokens exceed max_position_embeddings "
                f"{self.max_position_embeddings}: truncate when tokenizing"
            )
        kw = dict(eps=self.layer_norm_eps, dtype=self.dtype, param_dtype=self.param_dtype)
        x = CLIPEmbeddings(
            vocab_size=self.vocab_size,
            max_position_embeddings=self.max_position_embeddings,
            name="embeddings",
            **kw,
        )(input_ids, self.hidden_size)
        x = CLIPEncoder(
            num_layers=self.num_hidden_layers,
            heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            hidden_act=self.hidden_act,
            name="encoder",
            **kw,
        )(x)
        return _layer_norm(self.layer_norm_eps, self.dtype, self.param_dtype, "final_layer_norm")(x)


def pooled_output(
    last_hidden_state: jnp.ndarray, input_ids: jnp.ndarray, eos_token_id: int
) -> jnp.ndarray:
    """The hidden state ``[b, d]`` at each sequence's end-of-text token, as transformers pools.

    With the legacy ``eos_token_id == 2`` the position of the highest token id is taken; otherwise
    the first position holding ``eos_token_id`` (padding may repeat it).
    """
    if eos_token_id == LEGACY_EOS_TOKEN_ID:
        index = jnp.argmax(input_ids, axis=-1)
    else:
        index = jnp.argmax(input_ids == eos_token_id, axis=-1)
    return jnp.take_along_axis(last_hidden_state, index[:, None, None], axis=1)[:, 0]
