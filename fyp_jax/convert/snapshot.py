"""The FollowYourPose weights as users download them: one Hugging Face snapshot
(`YueMafighting/FollowYourPose_v1`), laid out as

    followyourpose_checkpoint-1000/   accelerate `save_state`: pytorch_model.bin (the whole 3-D
                                      UNet with `skeleton_adapter.*`), optimizer.bin,
                                      scheduler.bin, random_states_0.pkl
    stable-diffusion-v1-4/            a full diffusers Stable Diffusion 1.4 folder
    pose_encoder.pth                  the pose encoder (adapter) alone

Only the UNet weights file, the SD folder and pose_encoder.pth are read. accelerate's extras
(optimizer state, LR scheduler, RNG states) are pickles that no sampler needs: they are listed
as ignored and never opened, so no pickle in them is ever run.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from fyp_jax.convert.diffusers_folder import SUBFOLDERS
from fyp_jax.convert.state_dict_io import WEIGHT_FILE_NAMES
from fyp_jax.errors import ConversionError

SD_FOLDER = "stable-diffusion-v1-4"
CHECKPOINT_PATTERN = re.compile(r"^followyourpose_checkpoint-(\d+)$")
POSE_ENCODER = "pose_encoder.pth"


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The three parts of a snapshot folder; `ignored`: accelerate's files beside the UNet."""

    sd: Path
    fyp_checkpoint: Path
    pose_encoder: Path | None
    ignored: tuple[str, ...]


def _is_sd_folder(path: Path) -> bool:
    return all((path / name).is_dir() for name in SUBFOLDERS)


def is_snapshot(path: str | os.PathLike) -> bool:
    """Whether `path` looks like a snapshot (it has a FollowYourPose checkpoint folder)."""
    path = Path(path)
    return path.is_dir() and any(CHECKPOINT_PATTERN.match(p.name) for p in path.iterdir())


def find_snapshot(path: str | os.PathLike) -> Snapshot:
    """The parts of the snapshot at `path`: the checkpoint folder with the highest step, the SD
    folder (`stable-diffusion-v1-4/`, else the one diffusers SD folder in it), pose_encoder.pth
    when present. One ConversionError naming every missing part."""
    root = Path(path)
    if not root.is_dir():
        raise ConversionError(f"snapshot folder not found: {root}")
    steps = {int(m.group(1)): p for p in root.iterdir()
             if p.is_dir() and (m := CHECKPOINT_PATTERN.match(p.name))}
    checkpoint_dir = steps[max(steps)] if steps else None
    weights = next((checkpoint_dir / n for n in WEIGHT_FILE_NAMES
                    if checkpoint_dir and (checkpoint_dir / n).is_file()), None)
    sd = root / SD_FOLDER
    if not _is_sd_folder(sd):
        found = [p for p in sorted(root.iterdir()) if p.is_dir() and _is_sd_folder(p)]
        sd = found[0] if len(found) == 1 else None
    problems = []
    if checkpoint_dir is None:
        problems.append("a followyourpose_checkpoint-<step>/ folder")
    elif weights is None:
        problems.append(f"{checkpoint_dir.name}/pytorch_model.bin (or model.safetensors)")
    if sd is None:
        problems.append(f"{SD_FOLDER}/ (a diffusers folder with {', '.join(SUBFOLDERS)})")
    if problems:
        raise ConversionError(
            f"{root} is not a FollowYourPose snapshot: missing {'; '.join(problems)} (expected "
            f"the layout of YueMafighting/FollowYourPose_v1: followyourpose_checkpoint-1000/, "
            f"{SD_FOLDER}/, {POSE_ENCODER})")
    pose = root / POSE_ENCODER
    ignored = tuple(sorted(p.name for p in checkpoint_dir.iterdir() if p != weights))
    return Snapshot(sd, weights, pose if pose.is_file() else None, ignored)
