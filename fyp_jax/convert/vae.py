"""diffusers ``AutoencoderKL`` checkpoints (SD 1.x ``vae/``) -> AutoencoderKL + params."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fyp_jax.convert.param_tree import torch_to_flax
from fyp_jax.models.vae import AutoencoderKL

# Attention names of diffusers' old AttentionBlock (e.g. SD v1-4's vae/diffusion_pytorch_model.bin)
# -> today's Attention names.
LEGACY_ATTENTION_NAMES = {"query": "to_q", "key": "to_k", "value": "to_v", "proj_attn": "to_out.0"}
_LEGACY_KEY = re.compile(r"^(.*\.attentions\.\d+)\.(query|key|value|proj_attn)\.(weight|bias)$")
_PROJECTION_WEIGHT = re.compile(r"\.attentions\.\d+\.(to_q|to_k|to_v|to_out\.0)\.weight$")


def rename_legacy_attention(state_dict: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename ``attentions.N.{query,key,value,proj_attn}`` to ``to_q/to_k/to_v/to_out.0`` and squeeze
    1x1-conv-shaped projection weights ``[c, c, 1, 1]`` to Linear ``[c, c]``; other keys unchanged."""
    out = {}
    for name, value in state_dict.items():
        m = _LEGACY_KEY.match(name)
        if m:
            name = f"{m[1]}.{LEGACY_ATTENTION_NAMES[m[2]]}.{m[3]}"
        if _PROJECTION_WEIGHT.search(name) and np.ndim(value) == 4:
            value = np.asarray(value)[:, :, 0, 0]
        out[name] = value
    return out


def vae_from_torch(
    state_dict: Mapping[str, np.ndarray], config: Mapping[str, Any], **module_overrides: Any
) -> tuple[AutoencoderKL, dict]:
    """An AutoencoderKL state dict (current or legacy attention names) and its config dict ->
    (module, params); ``module_overrides`` set dtypes. Raises ConversionError listing every
    missing, unexpected or mis-shaped key."""
    module = AutoencoderKL.from_config(config, **module_overrides)
    side = 2 ** (len(module.block_out_channels) - 1)
    image = jax.ShapeDtypeStruct((1, side, side, module.in_channels), jnp.float32)
    abstract = jax.eval_shape(module.init, jax.random.key(0), image)["params"]
    params, _ = torch_to_flax(
        rename_legacy_attention(state_dict), abstract, what="VAE (AutoencoderKL)"
    )
    return module, params
