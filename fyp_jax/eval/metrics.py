"""Scores of generated PoseWorld videos against what their caption and pose ask for.

All functions take uint8 frames ``[F, H, W, 3]`` and are pure numpy.

- pose IoU: the generated figure (pixels of the caption's colour) against the figure in the
  ground-truth rendering of the same pose, per frame, averaged;
- text alignment: share of frames whose dominant figure colour is the caption's colour AND whose
  background is closest to the caption's background among all PoseWorld backgrounds;
- frame consistency: mean similarity ``1 - mean|x_t - x_{t+1}| / 255`` of consecutive frames.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

# PoseWorld shades body parts by depth down to 0.72 of their colour; a pixel belongs to colour c
# when it is within this RGB distance of some shade s * c, s in [SHADE_MIN, 1].
SHADE_MIN = 0.7
COLOR_DISTANCE = 60.0
MIN_FIGURE_SHARE = 0.002  # a frame with less of the colour than this has no figure of it


def shaded_distance(frames: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    """float ``[F, H, W]``: RGB distance of each pixel to the nearest shade ``s * rgb``."""
    x = frames.astype(np.float32)
    c = np.asarray(rgb, np.float32)
    s = np.clip((x @ c) / max(float(c @ c), 1.0), SHADE_MIN, 1.0)
    return np.linalg.norm(x - s[..., None] * c, axis=-1)


def color_mask(frames: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    """bool ``[F, H, W]``: pixels that are a (shaded) version of ``rgb``."""
    return shaded_distance(frames, rgb) < COLOR_DISTANCE


def pose_iou(frames: np.ndarray, truth: np.ndarray, rgb: tuple[int, int, int]) -> float:
    """Mean over frames of IoU(figure in ``frames``, figure in ``truth``), both by ``rgb``."""
    a, b = color_mask(frames, rgb), color_mask(truth, rgb)
    inter = np.logical_and(a, b).sum(axis=(1, 2))
    union = np.logical_or(a, b).sum(axis=(1, 2))
    return float(np.mean(np.where(union > 0, inter / np.maximum(union, 1), 1.0)))


def dominant_color(frames: np.ndarray, palette: Mapping[str, tuple[int, int, int]],
                   exclude: np.ndarray) -> list[str | None]:
    """Per frame, the palette colour that most pixels outside ``exclude`` [F, H, W] are nearest
    to (within ``COLOR_DISTANCE``); None when no colour covers ``MIN_FIGURE_SHARE`` of it."""
    names = list(palette)
    dist = np.stack([shaded_distance(frames, palette[n]) for n in names])  # [colours, F, H, W]
    nearest = dist.argmin(axis=0)
    valid = (dist.min(axis=0) < COLOR_DISTANCE) & ~exclude
    table = np.stack([((nearest == k) & valid).mean(axis=(1, 2)) for k in range(len(names))])
    best = table.argmax(axis=0)
    return [names[k] if table[k, f] >= MIN_FIGURE_SHARE else None for f, k in enumerate(best)]


def nearest_background(frames: np.ndarray, backgrounds: Mapping[str, np.ndarray],
                       figure: np.ndarray) -> list[str]:
    """Per frame, the background image (float ``[H, W, 3]``) closest in mean absolute
    difference over the pixels outside ``figure`` [F, H, W]."""
    x = frames.astype(np.float32)
    keep = (~figure)[..., None]
    names = list(backgrounds)
    errors = np.stack([
        (np.abs(x - backgrounds[n][None]) * keep).sum(axis=(1, 2, 3)) / np.maximum(keep.sum(axis=(1, 2, 3)), 1)
        for n in names])
    return [names[k] for k in errors.argmin(axis=0)]


def caption_checks(frames: np.ndarray, color: str, background: str,
                   palette: Mapping[str, tuple[int, int, int]],
                   backgrounds: Mapping[str, np.ndarray],
                   figure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """bool ``[F]`` twice: the frame's background is ``background``; its figure colour is ``color``.

    The background is judged outside ``figure`` [F, H, W] (where a figure is expected), dilated
    by the generated figure of the caption's colour, so the figure itself never votes for a
    background.
    """
    figure = figure | color_mask(frames, palette[color])
    scenes = nearest_background(frames, backgrounds, figure)
    # Pixels the chosen background explains are not figure candidates (gradients pass through
    # colours of the palette).
    scene = np.stack([backgrounds[b] for b in scenes])
    explained = np.linalg.norm(frames.astype(np.float32) - scene, axis=-1) < COLOR_DISTANCE
    colors = dominant_color(frames, palette, exclude=explained)
    return np.asarray([b == background for b in scenes]), np.asarray([c == color for c in colors])


def text_alignment(frames: np.ndarray, color: str, background: str,
                   palette: Mapping[str, tuple[int, int, int]],
                   backgrounds: Mapping[str, np.ndarray], truth_figure: np.ndarray) -> float:
    """Share of frames whose figure colour and background both match the caption
    (:func:`caption_checks` outside the ground truth's figure)."""
    background_ok, color_ok = caption_checks(frames, color, background, palette, backgrounds,
                                             truth_figure)
    return float(np.mean(background_ok & color_ok))


def frame_consistency(frames: np.ndarray) -> float:
    """``1 - mean |x_t - x_{t+1}| / 255`` averaged over consecutive pairs (1.0 for one frame)."""
    if len(frames) < 2:
        return 1.0
    x = frames.astype(np.float32)
    return float(1.0 - np.mean(np.abs(x[1:] - x[:-1])) / 255.0)
