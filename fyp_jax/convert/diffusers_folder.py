"""A Stable Diffusion diffusers folder (+ FollowYourPose checkpoint, + pose_encoder.pth) -> bundle.

Components are converted one at a time (:func:`iter_components`) so that writing a bundle holds
at most one component's weights twice (torch copy + Flax copy) in memory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fyp_jax.convert.clip_text import clip_text_from_torch
from fyp_jax.convert.state_dict_io import load_state_dict
from fyp_jax.convert.unet import fyp_unet_from_torch, pose_encoder_config, pose_encoder_from_torch
from fyp_jax.convert.vae import vae_from_torch
from fyp_jax.errors import ConversionError

SUBFOLDERS = ("unet", "text_encoder", "vae", "tokenizer", "scheduler")


def check_sd_folder(sd_folder: str | os.PathLike) -> Path:
    """The folder must hold diffusers' unet/, text_encoder/, vae/, tokenizer/, scheduler/."""
    root = Path(sd_folder)
    if not root.is_dir():
        raise ConversionError(f"Stable Diffusion folder not found: {root}")
    problems = [f"{s}/" for s in SUBFOLDERS if not (root / s).is_dir()]
    problems += [f"{s}/config.json" for s in ("unet", "text_encoder", "vae")
                 if (root / s).is_dir() and not (root / s / "config.json").is_file()]
    if (root / "scheduler").is_dir() and not (root / "scheduler" / "scheduler_config.json").is_file():
        problems.append("scheduler/scheduler_config.json")
    if problems:
        raise ConversionError(
            f"{root} is not a diffusers Stable Diffusion folder: missing {', '.join(problems)} "
            "(expected the layout of CompVis/stable-diffusion-v1-4)")
    return root


def _json(path: Path) -> dict:
    return json.loads(path.read_text())


def iter_components(
    sd_folder: str | os.PathLike,
    fyp_checkpoint: str | os.PathLike | None = None,
    pose_encoder: str | os.PathLike | None = None,
) -> Iterator[tuple[str, dict, Any]]:
    """Yield ``(name, config, flax_params)`` per bundle component.

    The UNet comes from ``fyp_checkpoint`` when given (its ``skeleton_adapter.*`` keys become the
    pose encoder), else from the SD folder inflated with fresh temporal layers.
    ``pose_encoder`` (``pose_encoder.pth``) overrides an adapter found in the checkpoint.
    """
    root = check_sd_folder(sd_folder)
    unet_config = _json(root / "unet" / "config.json")
    unet_sd = load_state_dict(fyp_checkpoint if fyp_checkpoint else root / "unet")
    _, unet_params, adapter, adapter_params = fyp_unet_from_torch(unet_sd, unet_config)
    adapter_sd = {k[len("skeleton_adapter."):]: v for k, v in unet_sd.items()
                  if k.startswith("skeleton_adapter.")}
    del unet_sd
    yield "unet", unet_config, unet_params
    del unet_params
    if pose_encoder is not None:
        adapter_sd = load_state_dict(pose_encoder)
        adapter, adapter_params = pose_encoder_from_torch(adapter_sd)
    if adapter is not None:
        yield "pose_encoder", pose_encoder_config(adapter_sd), adapter_params
    del adapter_params, adapter_sd
    text_config = _json(root / "text_encoder" / "config.json")
    yield "text_encoder", text_config, clip_text_from_torch(
        load_state_dict(root / "text_encoder"), text_config)[1]
    vae_config = _json(root / "vae" / "config.json")
    yield "vae", vae_config, vae_from_torch(load_state_dict(root / "vae"), vae_config)[1]


def scheduler_config(sd_folder: str | os.PathLike) -> dict:
    return _json(Path(sd_folder) / "scheduler" / "scheduler_config.json")
