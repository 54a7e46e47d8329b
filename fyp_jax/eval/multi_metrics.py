"""Scores of a generated scene of several figures against the scene it was asked for.

The caption names the figures left to right, so figure i of the truth is the i-th colour of the
caption and stands on the i-th skeleton. A figure's pixels are those nearest to its colour
among the palette's (any shade) that the caption's background does not explain. All pure numpy, uint8 frames ``[F, H, W, 3]``.

- per-figure pose IoU: each caption colour's generated pixels against each truth figure's
  pixels, IoU averaged over frames; colours matched one to one to figures (Hungarian, highest
  total IoU), so a figure drawn on the wrong skeleton still counts for its pose;
- colour placement: share of (frame, figure) pairs where the i-th colour covers more of truth
  figure i than of any other figure (pairs where figure i is hidden are not counted);
- count accuracy: share of frames with as many figures as the scene: caption colours covering
  at least ``FIGURE_AREA_SHARE`` of the mean truth figure's area, plus figure-sized blobs of
  other colours (`figure_count`). Counting connected blobs alone would merge figures that
  touch, and counting every palette colour would count the pink rim of a red figure on white.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment

from fyp_jax.eval.metrics import COLOR_DISTANCE, shaded_distance
from fyp_jax.pose import render_pose

RGB = tuple[int, int, int]
# A pixel within this RGB distance of the caption's background image is background.
BACKGROUND_DISTANCE = 30.0
FIGURE_AREA_SHARE = 0.3
METRICS = ("figure_iou", "placement", "count_accuracy")


def colour_labels(frames: np.ndarray, palette: Mapping[str, RGB],
                  background: np.ndarray) -> np.ndarray:
    """int ``[F, H, W]``: the index in ``palette`` of the colour each pixel is nearest to (any
    shade, within ``COLOR_DISTANCE``), -1 for pixels of none or that ``background`` (float
    ``[H, W, 3]``) explains."""
    distance = np.stack([shaded_distance(frames, rgb) for rgb in palette.values()])
    labels = distance.argmin(axis=0)
    explained = np.linalg.norm(frames.astype(np.float32) - background, axis=-1) < BACKGROUND_DISTANCE
    return np.where((distance.min(axis=0) < COLOR_DISTANCE) & ~explained, labels, -1)


def colour_figures(frames: np.ndarray, colors: Sequence[str], palette: Mapping[str, RGB],
                   background: np.ndarray) -> np.ndarray:
    """bool ``[C, F, H, W]``: the pixels of each of ``colors`` (`colour_labels`)."""
    labels = colour_labels(frames, palette, background)
    names = list(palette)
    return np.stack([labels == names.index(c) for c in colors])


def truth_figures(truth_frames: np.ndarray, masks: np.ndarray, colors: Sequence[str],
                  palette: Mapping[str, RGB], background: np.ndarray) -> np.ndarray:
    """bool ``[P, F, H, W]``: the pixels of truth figure p that show its colour ``colors[p]``,
    inside its visibility mask ``masks`` ``[F, P, H, W]`` grown by one pixel (its antialiased
    rim)."""
    shown = colour_figures(truth_frames, colors, palette, background)
    return shown & _grown(np.moveaxis(masks, 1, 0))


def figure_ious(generated: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``[C, P]`` mean over frames of IoU(generated colour c, truth figure p); a frame where both
    are empty scores 1."""
    inter = (generated[:, None] & truth[None]).sum(axis=(3, 4))
    union = (generated[:, None] | truth[None]).sum(axis=(3, 4))
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0).mean(axis=2)


def matched_iou(ious: np.ndarray) -> float:
    """Mean IoU of the one-to-one matching of colours to figures with the highest total."""
    rows, cols = linear_sum_assignment(ious, maximize=True)
    return float(ious[rows, cols].sum() / ious.shape[1])


def placement(generated: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """bool ``[P, F]``: colour i covers more of truth figure i than of any other figure (and
    some of it) in frame f."""
    overlap = (generated[:, None] & truth[None]).sum(axis=(3, 4))  # [C, P, F]
    count = len(truth)
    own = overlap[np.arange(count), np.arange(count)]  # [P, F]
    others = np.where(np.eye(count, dtype=bool)[..., None], -1, overlap).max(axis=1)
    return (own > 0) & (own > others)


def skeleton_regions(keypoints: np.ndarray, size: int, reach: float = 3.0) -> np.ndarray:
    """bool ``[P, F, size, size]``: the pixels within ``reach`` of person p's skeleton lines
    (``keypoints`` ``[F, P, 17, 3]`` in pixels): where figure p should be when only its
    skeleton is known (a real skeleton video), for `placement`."""
    return np.stack([
        np.stack([render_pose(frame[p][None], size, size, thickness=2 * reach).any(axis=-1)
                  for frame in keypoints])
        for p in range(keypoints.shape[1])])


def figure_count(frames: np.ndarray, generated: np.ndarray, background: np.ndarray,
                 figure_area: np.ndarray) -> np.ndarray:
    """int ``[F]``: figures in each frame: the caption's colours (``generated`` ``[C, F, H, W]``)
    covering at least ``FIGURE_AREA_SHARE`` of ``figure_area`` ``[F]`` (pixels), plus the
    connected parts of what ``background`` does not explain that are as large and hold none
    of those colours (figures of other colours)."""
    least = FIGURE_AREA_SHARE * figure_area
    present = generated.sum(axis=(2, 3)) >= least[None]  # [C, F]
    foreground = np.linalg.norm(frames.astype(np.float32) - background, axis=-1) >= BACKGROUND_DISTANCE
    counts = present.sum(axis=0)
    for f in range(len(frames)):
        parts, num_parts = ndimage.label(foreground[f], structure=np.ones((3, 3)))
        coloured = generated[present[:, f], f].any(axis=0)
        sizes = np.bincount(parts.ravel(), minlength=num_parts + 1)
        holding = np.bincount(parts.ravel(), weights=coloured.ravel(), minlength=num_parts + 1)
        counts[f] += int(((sizes >= least[f]) & (holding == 0))[1:].sum())
    return counts


def score_scene(video: np.ndarray, truth_frames: np.ndarray, masks: np.ndarray,
                colors: Sequence[str], palette: Mapping[str, RGB],
                background: np.ndarray) -> dict:
    """The three scores (`METRICS`) of one generated clip ``video`` of the scene with ``colors``
    left to right, its rendering ``truth_frames``, visibility ``masks`` ``[F, P, H, W]`` and
    background image (float ``[H, W, 3]``); ``placed``: the placement of each figure alone."""
    truth = truth_figures(truth_frames, masks, colors, palette, background)
    generated = colour_figures(video, colors, palette, background)
    areas = truth.sum(axis=(2, 3)).astype(np.float32)  # [P, F]
    mean_area = areas.sum(axis=0) / np.maximum((areas > 0).sum(axis=0), 1)
    counts = figure_count(video, generated, background, mean_area)
    placed, visible = placement(generated, truth), areas > 0
    return dict(figure_iou=matched_iou(figure_ious(generated, truth)),
                placement=_share(placed[visible]),
                count_accuracy=float(np.mean(counts == len(colors))),
                placed=[_share(placed[p][visible[p]]) for p in range(len(colors))])


def _share(values: np.ndarray) -> float:
    """Mean of booleans; NaN for none (every frame's figure hidden)."""
    return float(values.mean()) if values.size else float("nan")


def _grown(masks: np.ndarray) -> np.ndarray:
    """``[..., H, W]`` grown by one pixel (4-neighbourhood)."""
    out = masks.copy()
    out[..., 1:, :] |= masks[..., :-1, :]
    out[..., :-1, :] |= masks[..., 1:, :]
    out[..., :, 1:] |= masks[..., :, :-1]
    out[..., :, :-1] |= masks[..., :, 1:]
    return out
