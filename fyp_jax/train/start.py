"""Where training starts: a bundle folder, a diffusers SD folder (optionally with a FollowYourPose
checkpoint and a pose_encoder.pth), or random weights from component configs (``config.init``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flax import traverse_util

from fyp_jax.bundle import ModelBundle
from fyp_jax.convert.unet import TEMPORAL_PARTS, abstract_unet_params
from fyp_jax.errors import ConfigError
from fyp_jax.models.init_missing import init_missing
from fyp_jax.pipeline.model_source import load_model
from fyp_jax.pipeline.random_bundle import random_bundle

RANDOM = "random"


def inflated_as_identity(bundle: ModelBundle, seed: int) -> ModelBundle:
    """Re-draw the UNet's temporal layers as a freshly inflated SD UNet has them (output
    projections zero), so that the 3-D UNet computes the 2-D UNet on every frame."""
    unet = bundle.modules["unet"]
    flat = traverse_util.flatten_dict(bundle.params["unet"])
    temporal = {p for p in flat if any(t in "/".join(p) for t in TEMPORAL_PARTS)}
    fresh = traverse_util.flatten_dict(init_missing(temporal, abstract_unet_params(unet), seed=seed))
    flat.update(fresh)
    return dataclasses.replace(
        bundle, params={**bundle.params, "unet": traverse_util.unflatten_dict(flat)})


def load_start(init: Any, seed: int) -> ModelBundle:
    """``init.model``: 'random' (then ``init.components``, ``init.scheduler``, ``init.words``),
    or a bundle / SD folder with optional ``init.fyp_checkpoint`` and ``init.pose_encoder``."""
    if not init.model:
        raise ConfigError("set --config.init.model: a bundle folder, a Stable Diffusion folder or "
                          f"'{RANDOM}'")
    if init.model == RANDOM:
        bundle = random_bundle(init.components.to_dict(), init.scheduler.to_dict(), seed=seed,
                               words=tuple(init.words))
        return inflated_as_identity(bundle, seed)
    return load_model(init.model, fyp_checkpoint=init.fyp_checkpoint or None,
                      pose_encoder=init.pose_encoder or None)
