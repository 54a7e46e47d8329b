"""Reading PyTorch checkpoints as plain ``{name: np.ndarray}`` mappings.

Checkpoints are untrusted input. ``.bin``/``.pth``/``.pt`` pickles are read with
``torch.load(weights_only=True)``, which refuses any pickle that asks for more than tensors and
plain containers; ``.safetensors`` needs no pickle at all and is preferred when both exist.
torch is imported only when a pickle must be read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from fyp_jax.errors import ConversionError, UnsafeCheckpointError

PICKLE_SUFFIXES = (".bin", ".pth", ".pt", ".ckpt")
WEIGHT_FILE_NAMES = (
    "diffusion_pytorch_model.safetensors",
    "model.safetensors",
    "diffusion_pytorch_model.bin",
    "pytorch_model.bin",
)


def _to_numpy(tensor) -> np.ndarray:
    if tensor.dtype.is_floating_point and tensor.dtype.itemsize < 4:
        tensor = tensor.float()  # numpy has no bfloat16; half is widened too for uniformity
    return tensor.detach().cpu().numpy()


def _torch_load_weights_only(torch, path: Path):
    """Memory-mapped when the file is a zip checkpoint (peak memory ~ one copy of the weights)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError as e:
        if "mmap" not in str(e):
            raise
    return torch.load(path, map_location="cpu", weights_only=True)


def _load_pickle(path: Path) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError as e:
        raise ConversionError(
            f"{path} is a PyTorch pickle; reading it needs torch: pip install 'fyp_jax[torch]' "
            "(or convert it to .safetensors first)"
        ) from e
    try:
        obj = _torch_load_weights_only(torch, path)
    except Exception as e:  # torch raises UnpicklingError for anything beyond tensors
        if type(e).__name__ == "UnpicklingError" or "weights_only" in str(e):
            raise UnsafeCheckpointError(
                f"refusing to load {path}: the pickle asks for more than tensors "
                f"({str(e).splitlines()[0]}). Only plain state dicts are accepted; if you trust "
                "the file, re-save its state_dict with torch.save or as .safetensors."
            ) from e
        raise ConversionError(f"cannot read checkpoint {path}: {e}") from e
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping):
        raise ConversionError(f"{path} does not hold a state dict (found {type(obj).__name__})")
    return {k: _to_numpy(v) for k, v in obj.items() if hasattr(v, "detach")}


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors import safe_open

    out = {}
    with safe_open(str(path), framework="numpy") as f:
        for k in f.keys():
            out[k] = f.get_tensor(k)
    return out


def load_state_dict(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read one checkpoint file, or the weights file inside a folder, as numpy arrays.

    A folder is searched for the diffusers / transformers weight file names, safetensors first.
    A leading ``module.`` (DDP / accelerate) is stripped from every key.
    """
    path = Path(path)
    if path.is_dir():
        candidates = [path / n for n in WEIGHT_FILE_NAMES if (path / n).is_file()]
        if not candidates:
            raise ConversionError(
                f"no weights file in {path}: expected one of {', '.join(WEIGHT_FILE_NAMES)}"
            )
        path = candidates[0]
    if not path.is_file():
        raise ConversionError(f"checkpoint not found: {path}")
    if path.suffix == ".safetensors":
        sd = _load_safetensors(path)
    elif path.suffix in PICKLE_SUFFIXES:
        sd = _load_pickle(path)
    else:
        raise ConversionError(
            f"unknown checkpoint format {path.suffix!r} for {path}: "
            f"use .safetensors or one of {', '.join(PICKLE_SUFFIXES)}"
        )
    return strip_prefix(sd, "module.")


def strip_prefix(state_dict: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """Remove ``prefix`` from the keys that start with it; other keys are kept as they are."""
    return {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in state_dict.items()}


def split_by_prefix(
    state_dict: Mapping[str, np.ndarray], prefix: str
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Split into (keys under ``prefix`` with it removed, all other keys)."""
    inside, outside = {}, {}
    for k, v in state_dict.items():
        if k.startswith(prefix):
            inside[k[len(prefix):]] = v
        else:
            outside[k] = v
    return inside, outside
