"""A model bundle with random weights: for tests, smoke runs and benchmarks, never for results."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jax
import jax.numpy as jnp
from flax import traverse_util

from fyp_jax.bundle import BUILDERS, ModelBundle, check_pose_scale
from fyp_jax.models.init_missing import init_missing
from fyp_jax.tokenizer import build_clip_tokenizer

_DEFAULT_WORDS = ("a", "figure", "dancing", "on", "background", "person", "red", "blue")


def _example_inputs(name: str, module, configs: dict) -> tuple:
    if name == "unet":
        text = jnp.zeros((1, 1, module.cross_attention_dim))
        return (jnp.zeros((1, 1, 8, 8, module.in_channels)), jnp.zeros((1,), jnp.int32), text)
    if name == "pose_encoder":
        s = 8 * module.unshuffle
        return (jnp.zeros((1, 1, s, s, 3)),)
    if name == "text_encoder":
        return (jnp.zeros((1, 4), jnp.int32),)
    return (jnp.zeros((1, 16, 16, module.in_channels)),)


def random_bundle(configs: dict[str, dict], scheduler_config: dict, *, seed: int = 0,
                  words: Iterable[str] = _DEFAULT_WORDS, dtype: Any = None) -> ModelBundle:
    """Initialise every component of ``configs`` (keys as in a bundle) from ``seed``.

    Values are drawn in numpy like torch's default initialisers (no compilation needed);
    ``dtype`` is the modules' compute dtype, as in :func:`load_bundle` (params stay float32).
    """
    modules, params = {}, {}
    for i, (name, cfg) in enumerate(sorted(configs.items())):
        module = BUILDERS[name](cfg, dtype=dtype)
        abstract = jax.eval_shape(module.init, jax.random.key(0),
                                  *_example_inputs(name, module, configs))["params"]
        paths = traverse_util.flatten_dict(abstract).keys()
        modules[name] = module
        params[name] = init_missing(paths, abstract, seed=seed + i, zero=())
    bundle = ModelBundle(modules, params, dict(configs), dict(scheduler_config),
                         build_clip_tokenizer(words))
    check_pose_scale(bundle)
    return bundle
