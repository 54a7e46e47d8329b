"""Fresh values for parameters a checkpoint does not have (temporal layers of a plain SD UNet).

Kernels and biases are drawn like torch's defaults (uniform in +-1/sqrt(fan_in)), norm scales
are 1, and the paths named in ``zero`` (e.g. ``conv_temporal/up``, ``attn_temp/to_out_0``) start
at exactly zero so that a freshly inflated UNet computes what the 2-D UNet computes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from flax import traverse_util


def _fan_in(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape[:-1])) if len(shape) > 1 else 1


def init_missing(
    paths: Iterable[tuple[str, ...]],
    abstract_params: Any,
    *,
    seed: int = 0,
    zero: Iterable[str] = ("conv_temporal/up", "attn_temp/to_out_0"),
) -> dict:
    """Return a nested dict with a float32 array for every path in ``paths``."""
    shapes = traverse_util.flatten_dict(abstract_params)
    zero = tuple(zero)
    rng = np.random.default_rng(seed)
    flat = {}
    for path in sorted(paths):
        shape = tuple(shapes[path].shape)
        joined = "/".join(path)
        if path[-1] == "scale":
            value = np.ones(shape, np.float32)
        elif any(z in joined for z in zero) or (path[-1] == "bias" and "norm" in joined):
            value = np.zeros(shape, np.float32)
        else:
            kernel_shape = shapes.get(path[:-1] + ("kernel",), shapes[path]).shape
            bound = 1.0 / np.sqrt(_fan_in(tuple(kernel_shape)))
            value = rng.uniform(-bound, bound, shape).astype(np.float32)
        flat[path] = value
    return traverse_util.unflatten_dict(flat)
