"""What one stage trains: a ``Task`` bundles the params the loss sees, the trainable patterns,
the loss, the host-side batch preparation and the FLOP count; the stage modules build them.

Every task starts from a ModelBundle (converted SD, a stage-1 result, a FollowYourPose
checkpoint, or random weights) and is exported back into one by :func:`export_bundle`, which
writes the trained leaves over the starting bundle: frozen weights leave exactly as they came
(never rounded by a narrower ``frozen_dtype``), and parameters the training model lacks (the
temporal layers while the UNet trains in 2-D) are carried over untouched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import traverse_util

from fyp_jax.bundle import ModelBundle
from fyp_jax.convert.unet import abstract_unet_params
from fyp_jax.errors import ConfigError, ConversionError
from fyp_jax.models.unet3d import UNet3DConditionModel
from fyp_jax.train.conditioning import TextConditioner
from fyp_jax.train.step import LossFn

COMPUTE_DTYPES = {"float32": None, "bfloat16": jnp.bfloat16}


@dataclasses.dataclass(frozen=True)
class Task:
    name: str
    start: ModelBundle
    params: dict[str, Any]           # host params {component: tree} that the loss reads
    patterns: dict[str, str]         # trainable regex per component (see partition.py)
    loss_fn: LossFn
    batch_keys: tuple[str, ...]      # numeric batch entries the loss reads
    text: TextConditioner | None     # tokenizes a "caption" entry into "input_ids"
    flops_per_example: int           # analytic forward + backward FLOPs (0: not counted)

    def prepare(self, raw: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """A data-source batch -> the numeric arrays the jitted step takes."""
        out = {}
        if "caption" in raw and self.text is not None:
            out["input_ids"] = self.text.tokenize(raw["caption"])
        missing = [k for k in self.batch_keys if k not in raw and k not in out]
        if missing:
            raise ConfigError(f"{self.name}: the data source gives {sorted(raw)}, but the "
                              f"training needs {list(self.batch_keys)} (missing {missing})")
        out.update({k: np.asarray(raw[k]) for k in self.batch_keys if k not in out})
        return out


def compute_dtype(name: str) -> Any:
    if name not in COMPUTE_DTYPES:
        raise ConfigError(f"model.compute_dtype={name!r}: choose one of {sorted(COMPUTE_DTYPES)}")
    return COMPUTE_DTYPES[name]


def training_unet(start: ModelBundle, model_cfg: Any, *, use_temporal: bool
                  ) -> tuple[UNet3DConditionModel, dict]:
    """The bundle's UNet built for training (2-D or 3-D, remat, compute dtype) and the subset
    of the bundle's UNet params that this model has."""
    policy = model_cfg.remat_policy or None
    if policy is not None and not hasattr(jax.checkpoint_policies, policy):
        raise ConfigError(f"model.remat_policy={policy!r} is not a jax.checkpoint_policies name "
                          "(e.g. nothing_saveable, dots_saveable) or '' for none")
    unet = UNet3DConditionModel.from_config(start.configs["unet"], use_temporal=use_temporal,
                                            remat_policy=policy,
                                            dtype=compute_dtype(model_cfg.compute_dtype))
    wanted = traverse_util.flatten_dict(abstract_unet_params(unet))
    have = traverse_util.flatten_dict(start.params["unet"])
    missing = sorted("/".join(p) for p in wanted if p not in have)
    if missing:
        raise ConversionError(f"the starting UNet lacks {len(missing)} parameter(s) of the "
                              f"training model, e.g. {missing[:3]}")
    return unet, traverse_util.unflatten_dict({p: have[p] for p in wanted})


def export_bundle(start: ModelBundle, trained: Mapping[str, Any]) -> ModelBundle:
    """``start`` with every leaf of ``trained`` (host arrays) written over it, as float32."""
    params = {}
    for name, tree in start.params.items():
        flat = traverse_util.flatten_dict(tree)
        if name in trained:
            flat.update({p: np.asarray(v, np.float32)
                         for p, v in traverse_util.flatten_dict(trained[name]).items()})
        params[name] = traverse_util.unflatten_dict(flat)
    extra = sorted(set(trained) - set(start.params))
    if extra:
        raise ConversionError(f"trained components {extra} are not in the starting bundle")
    return dataclasses.replace(start, params=params)
