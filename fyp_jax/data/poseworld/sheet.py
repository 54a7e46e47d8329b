"""Contact sheets of PoseWorld, for looking at it in one picture (docs/poseworld_*.png)."""

from pathlib import Path

import numpy as np
from PIL import Image

from fyp_jax.data.poseworld.scene import render_scene, sample_scene
from fyp_jax.data.poseworld.vocabulary import HELD_OUT_GROUPS, HELD_OUT_STYLES, HELD_OUT_TRIPLES
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


def held_out_sheet(size: int = 128, seed: int = 0) -> np.ndarray:
    """The first image of each held-out style and colour group (splits eval_style and
    eval_multi), under each its skeleton."""
    scenes = [sample_scene(seed, "eval_style", k) for k in range(len(HELD_OUT_STYLES))]
    scenes += [sample_scene(seed, "eval_multi", k) for k in range(len(HELD_OUT_GROUPS))]
    images, skeletons, labels = [], [], []
    for scene in scenes:
        frames, keypoints = render_scene(scene, size, 1)
        images.append(frames[0])
        skeletons.append(render_pose(keypoints[0], size, size))
        labels.append("+".join(f"{c} {s}" if s != "filled" else c
                               for c, s in zip(scene.colors, scene.styles, strict=True)))
    columns = 9
    blank = np.zeros_like(images[0])
    cells, names = [], []
    for start in range(0, len(scenes), columns):
        fill = columns - len(images[start:start + columns])
        cells += images[start:start + columns] + [blank] * fill
        cells += skeletons[start:start + columns] + [blank] * fill
        names += labels[start:start + columns] + [""] * (fill + columns)
    return contact_sheet(np.stack(cells), names, columns=columns, cell_height=size)


def write_sheets(folder: str | Path, size: int = 128, seed: int = 0) -> list[Path]:
    """Write poseworld_train.png, poseworld_eval.png and poseworld_held_out.png into
    `folder`; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = ("poseworld_train.png", "poseworld_eval.png", "poseworld_held_out.png")
    paths = [folder / name for name in names]
    sheets = (train_sheet(size, seed=seed), eval_sheet(size, seed=seed),
              held_out_sheet(size, seed=seed))
    for path, sheet in zip(paths, sheets, strict=True):
        Image.fromarray(sheet).save(path, optimize=True)
    return paths
