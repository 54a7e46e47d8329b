"""What an edit keeps of its source video: a latent mask from the skeleton, blended in the loop.

Blended latent diffusion (Avrahami et al. 2023) with the DDIM inversion trajectory in place of
fresh forward noise: after every sampler step the kept latent cells are replaced by the source's
inversion at the same noise level, so they decode to the source (exactly, when every cell is
kept) while the rest follows the new prompt, in context.

- ``keep="background"``: everything but the figure (the skeleton's cells, dilated) is the
  source's: character replacement, style transfer;
- ``keep="figure"``: the figure (the cells the skeleton crosses, not dilated: a kept ring of the
  old background would stay around the figure as a halo) is the source's: background change;
- ``keep="none"``: nothing is blended (the original's ``use_inv_latent``).

Where the edited cells start (``edit_start``): ``"inversion"``, the source's inversion (its
layout carries over: good for a figure's colour, bad for a new background, which the inverted
latents hold on to); ``"noise"``, the source forward-noised with the call's fresh noise to the
first step's level (SDEdit; with every step that is nearly pure noise), the kept cells still
from the inversion: blended latent diffusion as published. With ``keep="none"`` and
``inversion_steps=k`` that is SDEdit of strength k / num_steps.
"""

from __future__ import annotations

import jax
import numpy as np

from fyp_jax.errors import ConfigError

KEEPS = ("none", "background", "figure")
EDIT_STARTS = ("inversion", "noise")
LIT = 0.1  # a skeleton pixel with a channel above this is drawn
# The figure region: the skeleton dilated by this fraction of the frame's shorter side (a body
# is wider than its bones: PoseWorld's limbs reach up to 0.035 of the frame from theirs).
DILATION = 0.06


def check_keep(keep: str) -> None:
    if keep not in KEEPS:
        raise ConfigError(f"unknown keep {keep!r}; known: {', '.join(KEEPS)}")


def check_edit_start(edit_start: str) -> None:
    if edit_start not in EDIT_STARTS:
        raise ConfigError(f"unknown edit_start {edit_start!r}; known: {', '.join(EDIT_STARTS)}")


def figure_cells(skeleton: np.ndarray, factor: int, dilation: float = DILATION) -> np.ndarray:
    """bool ``[f, H / factor, W / factor]``: the latent cells of the figure of ``skeleton``
    (float ``[f, H, W, 3]`` in [0, 1]): any drawn pixel in the cell, then dilated by
    ``dilation`` of the shorter side (a square of cells)."""
    f, h, w, _ = skeleton.shape
    lit = skeleton.max(axis=-1) > LIT
    cells = lit.reshape(f, h // factor, factor, w // factor, factor).any(axis=(2, 4))
    return dilate(cells, int(np.ceil(dilation * min(h, w) / factor)))


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """bool ``[..., H, W]``: ``mask`` grown by a square of ``radius`` pixels."""
    pad = [(0, 0)] * (mask.ndim - 2) + [(radius, radius)] * 2
    padded = np.pad(mask, pad)
    h, w = mask.shape[-2:]
    out = np.zeros_like(mask)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            out |= padded[..., dy:dy + h, dx:dx + w]
    return out


def keep_mask(skeleton: np.ndarray | None, keep: str, frames: int, latent_hw: tuple[int, int],
              factor: int) -> np.ndarray:
    """float32 ``[1 or b, f, h, w, 1]``: 1 where the source is kept (:data:`KEEPS`), from the
    skeleton (``[f, H, W, 3]``, or ``[b, f, H, W, 3]``: one mask per row; None only with
    ``keep="none"``); zeros for ``keep="none"``."""
    if keep == "none":
        return np.zeros((1, frames, *latent_hw, 1), np.float32)
    skeleton = np.asarray(skeleton)
    rows = skeleton if skeleton.ndim == 5 else skeleton[None]
    dilation = DILATION if keep == "background" else 0.0
    figure = np.stack([figure_cells(s, factor, dilation) for s in rows])
    kept = figure if keep == "figure" else ~figure
    return kept[..., None].astype(np.float32)


def blend(x: jax.Array, source: jax.Array, mask: jax.Array) -> jax.Array:
    """``x`` where ``mask`` is 0, ``source`` where it is 1 (``mask`` broadcast over rows and
    channels)."""
    return (1 - mask) * x + mask * source.astype(x.dtype)
