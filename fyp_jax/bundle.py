"""Model bundles: everything sampling needs, in one folder that loads without torch.

Layout::

    bundle.json                 {"format": "fyp_jax.bundle", "version": 1,
                                 "components": {name: config dict}, "scheduler": {...},
                                 "clip_frames": frames per training clip (optional)}
    <component>.safetensors     params of unet / pose_encoder / text_encoder / vae; keys are
                                '/'-joined Flax paths, tensors in Flax layout
    tokenizer/                  a transformers CLIPTokenizer folder

Components ``unet``, ``text_encoder``, ``vae`` are required, ``pose_encoder`` optional.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from flax import traverse_util

from fyp_jax.bundle_check import read_meta
from fyp_jax.errors import ConversionError
from fyp_jax.models.clip_text import CLIPTextEncoder
from fyp_jax.models.pose_encoder import PoseEncoder
from fyp_jax.models.unet3d import UNet3DConditionModel
from fyp_jax.models.vae import AutoencoderKL
from fyp_jax.tokenizer import load_tokenizer

FORMAT, VERSION = "fyp_jax.bundle", 1
REQUIRED = ("unet", "text_encoder", "vae")
BUILDERS = {
    "unet": UNet3DConditionModel.from_config,
    "text_encoder": CLIPTextEncoder.from_config,
    "vae": AutoencoderKL.from_config,
    "pose_encoder": lambda cfg, **kw: PoseEncoder(**{k: tuple(v) if isinstance(v, list) else v
                                                     for k, v in cfg.items()}, **kw),
}


@dataclasses.dataclass
class ModelBundle:
    """Modules, params and configs of one model; ``params[name]`` are nested dicts."""

    modules: dict[str, Any]
    params: dict[str, Any]
    configs: dict[str, dict]
    scheduler_config: dict
    tokenizer: Any
    # A closed caption vocabulary (models trained on PoseWorld); None: any text.
    vocabulary: tuple[str, ...] | None = None
    # Frames per clip the temporal layers were trained on (the default long-video window);
    # None: not recorded.
    clip_frames: int | None = None

    def unknown_words(self, prompt: str) -> list[str]:
        """Words of ``prompt`` outside ``vocabulary`` (always [] for an open vocabulary)."""
        if self.vocabulary is None:
            return []
        known = set(self.vocabulary)
        return [w for w in re.findall(r"[a-z]+", prompt.lower()) if w not in known]

    @property
    def vae_factor(self) -> int:
        """Pixels per latent along h and w."""
        return 2 ** (len(self.modules["vae"].block_out_channels) - 1)

    @property
    def size_multiple(self) -> int:
        """Video heights and widths must be multiples of this: the VAE's factor times the UNet's
        downsamplings (its down blocks but the last halve the latent)."""
        return self.vae_factor * 2 ** (len(self.modules["unet"].down_block_types) - 1)

    @property
    def has_pose_encoder(self) -> bool:
        return "pose_encoder" in self.modules


def save_params(path: str | os.PathLike, params: Any, dtype: str | None = None) -> None:
    """Flax params as safetensors with '/'-joined keys (optionally cast, e.g. 'float16')."""
    from safetensors.numpy import save_file

    flat = traverse_util.flatten_dict(params, sep="/")
    arrays = {k: np.ascontiguousarray(np.asarray(v, dtype=dtype or np.asarray(v).dtype))
              for k, v in flat.items()}
    save_file(arrays, str(path))


def load_params(path: str | os.PathLike) -> dict:
    from safetensors.numpy import load_file

    flat = {k: v.astype(np.float32) for k, v in load_file(str(path)).items()}
    return traverse_util.unflatten_dict(flat, sep="/")


def write_component(folder: str | os.PathLike, name: str, params: Any,
                    weights_dtype: str | None = None) -> None:
    """Write one component's params (call once per component; frees nothing itself)."""
    if name not in BUILDERS:
        raise ConversionError(f"unknown bundle component {name!r}; known: {sorted(BUILDERS)}")
    Path(folder).mkdir(parents=True, exist_ok=True)
    save_params(Path(folder) / f"{name}.safetensors", params, weights_dtype)


def write_bundle_meta(folder: str | os.PathLike, configs: dict[str, dict], scheduler_config: dict,
                      tokenizer_source: Any, vocabulary: tuple[str, ...] | None = None,
                      clip_frames: int | None = None) -> Path:
    """Write bundle.json and the tokenizer, after every component's params are written.

    ``tokenizer_source``: a tokenizer folder to copy, or a tokenizer object.
    """
    folder = Path(folder)
    missing = [c for c in REQUIRED if c not in configs]
    absent = [c for c in configs if not (folder / f"{c}.safetensors").is_file()]
    if missing or absent:
        raise ConversionError(f"incomplete bundle in {folder}: components missing {missing}, "
                              f"weights not written {absent}")
    tok_dir = folder / "tokenizer"
    if isinstance(tokenizer_source, (str, os.PathLike)):
        shutil.copytree(tokenizer_source, tok_dir, dirs_exist_ok=True)
    else:
        tokenizer_source.save_pretrained(str(tok_dir))
    meta = dict(format=FORMAT, version=VERSION, components=configs, scheduler=scheduler_config)
    if vocabulary is not None:
        meta["vocabulary"] = list(vocabulary)
    if clip_frames is not None:
        meta["clip_frames"] = int(clip_frames)
    (folder / "bundle.json").write_text(json.dumps(meta, indent=1, default=list))
    return folder


def save_bundle(folder: str | os.PathLike, bundle: ModelBundle, *,
                weights_dtype: str | None = None) -> Path:
    """Write an in-memory bundle (e.g. a trained or random one)."""
    for name in bundle.configs:
        write_component(folder, name, bundle.params[name], weights_dtype)
    return write_bundle_meta(folder, bundle.configs, bundle.scheduler_config, bundle.tokenizer,
                             bundle.vocabulary, bundle.clip_frames)


def is_bundle(folder: str | os.PathLike) -> bool:
    return (Path(folder) / "bundle.json").is_file()


def load_bundle(folder: str | os.PathLike, *, dtype: Any = None) -> ModelBundle:
    """Load a bundle; ``dtype`` is the compute dtype of every module (params stay float32)."""
    folder = Path(folder)
    if not is_bundle(folder):
        raise ConversionError(
            f"{folder} is not a fyp_jax model bundle (no bundle.json); convert a Stable Diffusion "
            "folder with `python -m fyp_jax.convert --sd PATH --out BUNDLE`")
    meta = read_meta(folder, REQUIRED, tuple(BUILDERS))
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ConversionError(f"{folder}/bundle.json: unsupported format "
                              f"{meta.get('format')!r} version {meta.get('version')!r}")
    configs = meta["components"]
    modules = {name: BUILDERS[name](cfg, dtype=dtype) for name, cfg in configs.items()}
    params = {name: load_params(folder / f"{name}.safetensors") for name in configs}
    vocabulary = meta.get("vocabulary")
    bundle = ModelBundle(modules, params, configs, meta["scheduler"],
                         load_tokenizer(folder / "tokenizer"),
                         None if vocabulary is None else tuple(vocabulary),
                         meta.get("clip_frames"))
    check_pose_scale(bundle)
    return bundle


def check_pose_scale(bundle: ModelBundle) -> None:
    """The pose encoder's first feature map must have the latent resolution."""
    if bundle.has_pose_encoder and bundle.modules["pose_encoder"].unshuffle != bundle.vae_factor:
        raise ConversionError(
            f"pose encoder downsamples by {bundle.modules['pose_encoder'].unshuffle} but the VAE by "
            f"{bundle.vae_factor}: they must match")
