"""The one rename rule from PyTorch state-dict names to Flax parameter paths, plus transposes.

Rule: split the torch name on '.', glue every numeric segment to the one before it with '_'
(``down_blocks.0.attentions.1`` -> ``down_blocks_0/attentions_1``, ``to_out.0`` -> ``to_out_0``).
The leaf ``weight`` becomes whichever of ``kernel`` / ``scale`` / ``embedding`` the Flax model
has there; tensors are transposed by kind: Linear (out,in)->(in,out), ConvNd (O,I,*k)->(*k,I,O).
Every key is checked against ``jax.eval_shape`` of the model: all missing, unexpected and
mis-shaped keys are collected and raised together in one ConversionError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from flax import traverse_util

from fyp_jax.errors import ConversionError

WEIGHT_LEAVES = ("kernel", "scale", "embedding")


def torch_name_to_path(name: str) -> tuple[str, ...]:
    """``a.b.0.c.weight`` -> ``('a', 'b_0', 'c', 'weight')``."""
    out: list[str] = []
    for part in name.split("."):
        if part.isdigit() and out:
            out[-1] = f"{out[-1]}_{part}"
        else:
            out.append(part)
    return tuple(out)


def _to_flax_layout(leaf: str, array: np.ndarray) -> np.ndarray:
    if leaf != "kernel":
        return array
    if array.ndim == 2:  # Linear (out, in) -> (in, out)
        return array.T
    # ConvNd (out, in, *k) -> (*k, in, out)
    return np.transpose(array, tuple(range(2, array.ndim)) + (1, 0))


def to_torch_layout(leaf: str, array: np.ndarray) -> np.ndarray:
    """Inverse of the Flax layout transpose (used when exporting back to PyTorch)."""
    if leaf != "kernel":
        return array
    if array.ndim == 2:
        return array.T
    nk = array.ndim - 2
    return np.transpose(array, (nk + 1, nk) + tuple(range(nk)))


def torch_to_flax(
    state_dict: Mapping[str, np.ndarray],
    abstract_params: Any,
    *,
    ignore: Iterable[str] = (),
    allow_missing: Iterable[str] = (),
    what: str = "model",
) -> tuple[dict, set[tuple[str, ...]]]:
    """Convert ``state_dict`` into a nested Flax param dict shaped like ``abstract_params``.

    Args:
      state_dict: torch name -> array.
      abstract_params: the ``params`` collection from ``jax.eval_shape(model.init, ...)``.
      ignore: substrings; torch keys containing one are skipped (buffers such as position_ids).
      allow_missing: substrings; Flax params whose '/'-joined path contains one may be absent
        from the state dict. They are returned in the second value for the caller to initialise.
      what: model name used in the error message.

    Returns:
      (params, missing_allowed): nested dict of float32 numpy arrays (only the provided keys),
      and the set of Flax paths that were absent but allowed.
    """
    expected = traverse_util.flatten_dict(abstract_params)
    ignore = tuple(ignore)
    allow_missing = tuple(allow_missing)
    flat: dict[tuple[str, ...], np.ndarray] = {}
    unexpected, mis_shaped, mis_shaped_paths = [], [], set()
    for name, value in state_dict.items():
        if any(s in name for s in ignore):
            continue
        path = torch_name_to_path(name)
        if path[-1] == "weight":
            options = [path[:-1] + (leaf,) for leaf in WEIGHT_LEAVES]
            found = [p for p in options if p in expected]
            if not found:
                unexpected.append(name)
                continue
            path = found[0]
        elif path not in expected:
            unexpected.append(name)
            continue
        array = _to_flax_layout(path[-1], np.asarray(value))
        want = tuple(expected[path].shape)
        if array.shape != want:
            mis_shaped.append(f"{name}: checkpoint {tuple(np.shape(value))}, model {want} (Flax layout)")
            mis_shaped_paths.add(path)
            continue
        flat[path] = array.astype(np.float32, copy=False)
    absent = [p for p in expected if p not in flat and p not in mis_shaped_paths]
    missing_allowed = {p for p in absent if any(s in "/".join(p) for s in allow_missing)}
    # Reported as Flax paths: the torch name cannot be recovered unambiguously (``linear_1``).
    missing = ["/".join(p) for p in absent if p not in missing_allowed]
    if missing or unexpected or mis_shaped:
        lines = [f"checkpoint does not match the {what} (missing keys as Flax paths):"]
        for title, items in (("missing", missing), ("unexpected", unexpected), ("mis-shaped", mis_shaped)):
            if items:
                lines.append(f"  {len(items)} {title} key(s):")
                lines.extend(f"    {k}" for k in sorted(items))
        raise ConversionError("\n".join(lines))
    return traverse_util.unflatten_dict(flat), missing_allowed
