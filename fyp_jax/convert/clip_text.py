"""transformers ``CLIPTextModel`` checkpoints (SD 1.x ``text_encoder/``) -> CLIPTextEncoder + params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fyp_jax.convert.param_tree import torch_to_flax
from fyp_jax.convert.state_dict_io import strip_prefix
from fyp_jax.models.clip_text import CLIPTextEncoder

# transformers 4 nests the model under ``text_model.``; transformers 5 does not.
LEGACY_PREFIX = "text_model."


def clip_text_from_torch(
    state_dict: Mapping[str, np.ndarray], config: Mapping[str, Any], **module_overrides: Any
) -> tuple[CLIPTextEncoder, dict]:
    """A CLIPTextModel state dict (with or without ``text_model.``) and its config dict ->
    (module, params). The ``position_ids`` buffer is ignored; ``module_overrides`` set dtypes.
    Raises ConversionError listing every missing, unexpected or mis-shaped key."""
    module = CLIPTextEncoder.from_config(config, **module_overrides)
    ids = jax.ShapeDtypeStruct((1, module.max_position_embeddings), jnp.int32)
    abstract = jax.eval_shape(module.init, jax.random.key(0), ids)["params"]
    params, _ = torch_to_flax(
        strip_prefix(state_dict, LEGACY_PREFIX),
        abstract,
        ignore=("position_ids",),
        what="CLIP text encoder",
    )
    return module, params
