"""Where ``--model`` (infer.py, the app, training's ``init.model``) comes from: a bundle folder,
the downloaded FollowYourPose snapshot (``fyp_jax.convert.snapshot``), or a diffusers SD folder
(optionally with a FollowYourPose checkpoint and a pose_encoder.pth); the last two are converted
in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fyp_jax.bundle import BUILDERS, ModelBundle, check_pose_scale, is_bundle, load_bundle
from fyp_jax.errors import ConfigError

RANDOM_TINY = "random-tiny"


def load_model(model: str, *, fyp_checkpoint: str | None = None, pose_encoder: str | None = None,
               dtype: Any = None) -> ModelBundle:
    """Resolve ``--model``: a bundle folder, a FollowYourPose snapshot or a diffusers SD folder
    (both converted in memory).

    (``random-tiny`` is resolved by the caller, which owns the tiny configs.)
    """
    path = Path(model)
    if is_bundle(path):
        if fyp_checkpoint or pose_encoder:
            raise ConfigError("--fyp_checkpoint/--pose_encoder apply to a Stable Diffusion folder, "
                              "not to a converted bundle")
        return load_bundle(path, dtype=dtype)
    if not path.exists():
        raise ConfigError(f"model not found: {path} (a bundle folder, a FollowYourPose snapshot, "
                          f"a diffusers Stable Diffusion folder, or '{RANDOM_TINY}')")
    from fyp_jax.convert.diffusers_folder import iter_components, scheduler_config
    from fyp_jax.convert.snapshot import find_snapshot, is_snapshot
    from fyp_jax.tokenizer import load_tokenizer

    if is_snapshot(path):
        if fyp_checkpoint or pose_encoder:
            raise ConfigError("--fyp_checkpoint/--pose_encoder apply to a Stable Diffusion "
                              "folder; a FollowYourPose snapshot holds both")
        snapshot = find_snapshot(path)
        path, fyp_checkpoint, pose_encoder = (snapshot.sd, snapshot.fyp_checkpoint,
                                              snapshot.pose_encoder)
    configs, params = {}, {}
    for name, config, p in iter_components(path, fyp_checkpoint, pose_encoder):
        configs[name], params[name] = config, p
    modules = {name: BUILDERS[name](cfg, dtype=dtype) for name, cfg in configs.items()}
    bundle = ModelBundle(modules, params, configs, scheduler_config(path),
                         load_tokenizer(path / "tokenizer"))
    check_pose_scale(bundle)
    return bundle
