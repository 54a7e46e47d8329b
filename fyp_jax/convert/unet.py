"""FollowYourPose / Stable Diffusion UNet and pose-encoder checkpoints -> Flax modules + params."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import traverse_util

from fyp_jax.convert.param_tree import torch_to_flax
from fyp_jax.convert.state_dict_io import split_by_prefix, strip_prefix
from fyp_jax.errors import ConversionError
from fyp_jax.models.init_missing import init_missing
from fyp_jax.models.pose_encoder import PoseEncoder
from fyp_jax.models.unet3d import UNet3DConditionModel

ADAPTER_PREFIX = "skeleton_adapter."
TEMPORAL_PARTS = ("attn_temp", "norm_temp", "conv_temporal")


def _merge(a: dict, b: dict) -> dict:
    flat = traverse_util.flatten_dict(a)
    flat.update(traverse_util.flatten_dict(b))
    return traverse_util.unflatten_dict(flat)


def abstract_unet_params(unet: UNet3DConditionModel) -> Any:
    """Parameter shapes of ``unet`` without computing anything (``jax.eval_shape``)."""
    c = unet.in_channels
    sample = jax.ShapeDtypeStruct((1, 2, 16, 16, c), jnp.float32)
    text = jax.ShapeDtypeStruct((1, 1, unet.cross_attention_dim), jnp.float32)
    t = jax.ShapeDtypeStruct((1,), jnp.int32)
    return jax.eval_shape(unet.init, jax.random.key(0), sample, t, text)["params"]


def pose_encoder_config(state_dict: Mapping[str, np.ndarray]) -> dict:
    """PoseEncoder sizes read off its weights (channels, residual blocks per level, kernel)."""
    if "conv_in.weight" not in state_dict:
        raise ConversionError("pose encoder state dict has no conv_in.weight; is it pose_encoder.pth?")
    blocks = sorted({int(k.split(".")[1]) for k in state_dict if k.startswith("body.")})
    if not blocks or len(blocks) % 4:
        raise ConversionError(f"pose encoder has {len(blocks)} residual blocks; expected 4 levels")
    nums_rb = len(blocks) // 4
    channels = tuple(int(state_dict[f"body.{lvl * nums_rb}.block1.weight"].shape[0]) for lvl in range(4))
    ksize = int(state_dict["body.0.block2.weight"].shape[-1])
    cin = int(state_dict["conv_in.weight"].shape[1])
    unshuffle = int(round((cin / 3) ** 0.5))
    return dict(channels=channels, nums_rb=nums_rb, ksize=ksize, unshuffle=unshuffle)


def pose_encoder_from_torch(state_dict: Mapping[str, np.ndarray]) -> tuple[PoseEncoder, dict]:
    """``pose_encoder.pth`` (or ``skeleton_adapter.*`` with the prefix removed) -> module, params."""
    state_dict = strip_prefix(strip_prefix(state_dict, "module."), ADAPTER_PREFIX)
    cfg = pose_encoder_config(state_dict)
    module = PoseEncoder(**cfg)
    h = 8 * cfg["unshuffle"]
    skel = jax.ShapeDtypeStruct((1, 1, h, h, 3), jnp.float32)
    abstract = jax.eval_shape(module.init, jax.random.key(0), skel)["params"]
    params, _ = torch_to_flax(state_dict, abstract, what="pose encoder")
    return module, params


def unet_from_torch(
    state_dict: Mapping[str, np.ndarray],
    config: Mapping[str, Any],
    *,
    use_temporal: bool = True,
    zero_init: Iterable[str] = ("conv_temporal/up", "attn_temp/to_out_0"),
    seed: int = 0,
    **module_overrides,
) -> tuple[UNet3DConditionModel, dict]:
    """A UNet state dict (no adapter keys) -> module, params.

    A plain SD UNet (no temporal keys) is inflated: its temporal parameters are freshly
    initialised, with the paths in ``zero_init`` set to zero (stage-2 start).
    """
    unet = UNet3DConditionModel.from_config(config, use_temporal=use_temporal, **module_overrides)
    abstract = abstract_unet_params(unet)
    has_temporal = any(p in k for k in state_dict for p in TEMPORAL_PARTS)
    allow = TEMPORAL_PARTS if use_temporal and not has_temporal else ()
    ignore = () if use_temporal else TEMPORAL_PARTS
    params, missing = torch_to_flax(state_dict, abstract, allow_missing=allow, ignore=ignore,
                                    what="UNet")
    if missing:
        params = _merge(params, init_missing(missing, abstract, seed=seed, zero=zero_init))
    return unet, params


def fyp_unet_from_torch(
    state_dict: Mapping[str, np.ndarray], config: Mapping[str, Any], **kwargs
) -> tuple[UNet3DConditionModel, dict, PoseEncoder | None, dict | None]:
    """The public converter (DESIGN.md §6): a FollowYourPose checkpoint -> 4 values.

    ``state_dict`` as in ``pytorch_model.bin`` (a ``module.`` prefix is stripped); the
    ``skeleton_adapter.*`` keys, when present, become the PoseEncoder whose sizes follow the
    weights; otherwise ``(pose_encoder, pose_params)`` are ``(None, None)``.
    Keyword arguments go to :func:`unet_from_torch`.
    """
    adapter, unet_sd = split_by_prefix(strip_prefix(state_dict, "module."), ADAPTER_PREFIX)
    unet, unet_params = unet_from_torch(unet_sd, config, **kwargs)
    if not adapter:
        return unet, unet_params, None, None
    pose_encoder, pose_params = pose_encoder_from_torch(adapter)
    return unet, unet_params, pose_encoder, pose_params
