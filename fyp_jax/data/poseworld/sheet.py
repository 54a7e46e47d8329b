"""Contact sheets of PoseWorld, for looking at it in one picture (docs/poseworld_*.png)."""

from pathlib import Path

import numpy as np
from PIL import Image

from fyp_jax.data.poseworld.scene import render_scene, sample_scene
from fyp_jax.data.poseworld.vocabulary import HELD_OUT_TRIPLES
from fyp_jax.pose import contact_sheet, render_pose


def _label(scene) -> str:
    return f"{'+'.join(scene.colors)} {scene.background} {'+'.join(scene.motions)}"


def train_sheet(size: int = 128, count: int = 32, seed: int = 0) -> np.ndarray:
    """The first `count` training images, labelled color / background / motion."""
    scenes = [sample_scene(seed, "train", k) for k in range(count)]
    images = np.stack([render_scene(s, size, 1)[0][0] for s in scenes])
    return contact_sheet(images, [_label(s) for s in scenes], columns=8, cell_height=size)


def eval_sheet(size: int = 128, num_frames: int = 8, seed: int = 0) -> np.ndarray:
    """One evaluation clip per held-out triple: its frames, and under them its skeletons."""
    rows, labels = [], []
    for k in range(len(HELD_OUT_TRIPLES)):
        scene = sample_scene(seed, "eval", k)
        frames, keypoints = render_scene(scene, size, num_frames)
        skeletons = np.stack([render_pose(kp[None], size, size) for kp in keypoints])
        rows += [frames, skeletons]
        labels += [_label(scene)] + [""] * (2 * num_frames - 1)
    return contact_sheet(np.concatenate(rows), labels, columns=num_frames, cell_height=size)


def write_sheets(folder: str | Path, size: int = 128, seed: int = 0) -> list[Path]:
    """Write poseworld_train.png and poseworld_eval.png into `folder`; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "poseworld_train.png", folder / "poseworld_eval.png"]
    for path, sheet in zip(
        paths, (train_sheet(size, seed=seed), eval_sheet(size, seed=seed)), strict=True
    ):
        Image.fromarray(sheet).save(path, optimize=True)
    return paths
