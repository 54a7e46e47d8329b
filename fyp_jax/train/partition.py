"""Which parameters train: regexes per model component, and the trainable/frozen split.

Parameters live in one tree ``{component: flax params}`` with the bundle's component names
(``unet``, ``pose_encoder``, ``text_encoder``, ``vae``). A leaf is trainable when its component
has a pattern and ``re.search(pattern, path)`` matches its '/'-joined path inside the component,
e.g. ``down_blocks_0/attentions_0/transformer_blocks_0/attn1/to_q/kernel``. The split trees keep
only their own leaves, so gradients, optimizer state and weight decay exist for trainable
leaves only (the frozen ones get no update at all, as torch does for ``requires_grad=False``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flax import traverse_util

from fyp_jax.errors import ConfigError

Params = dict[str, Any]


def _flat(tree: Params) -> dict[tuple[str, ...], Any]:
    return traverse_util.flatten_dict(tree)


def is_trainable(path: tuple[str, ...], patterns: Mapping[str, str]) -> bool:
    """``path`` = (component, *inner path); see the module docstring."""
    pattern = patterns.get(path[0])
    return bool(pattern) and re.search(pattern, "/".join(path[1:])) is not None


def split_params(params: Params, patterns: Mapping[str, str]) -> tuple[Params, Params]:
    """(trainable, frozen) subtrees of ``params``.

    Raises ConfigError for a pattern naming an absent component or matching nothing (a typo
    would otherwise silently freeze everything), or when nothing at all is trainable.
    """
    flat = _flat(params)
    unknown = sorted(set(patterns) - set(params))
    if unknown:
        raise ConfigError(f"trainable patterns name components {unknown} that the model does not "
                          f"have; it has {sorted(params)}")
    for component, pattern in patterns.items():
        if pattern and not any(is_trainable(p, {component: pattern}) for p in flat
                               if p[0] == component):
            raise ConfigError(f"trainable pattern {pattern!r} matches no parameter of {component}")
    trainable = {p: v for p, v in flat.items() if is_trainable(p, patterns)}
    if not trainable:
        raise ConfigError("no parameter is trainable: set config.trainable.<component> regexes")
    frozen = {p: v for p, v in flat.items() if p not in trainable}
    return traverse_util.unflatten_dict(trainable), traverse_util.unflatten_dict(frozen)


def merge_params(a: Params, b: Params) -> Params:
    """The union of two disjoint subtrees (the inverse of :func:`split_params`)."""
    flat = _flat(a)
    flat.update(_flat(b))
    return traverse_util.unflatten_dict(flat)


def count(tree: Params) -> int:
    """Number of scalars in a tree of arrays."""
    return sum(int(getattr(v, "size", 0)) for v in _flat(tree).values())
