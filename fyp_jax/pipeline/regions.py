"""Several people, one prompt each: region-based composition inside the step loop.

MultiDiffusion's region-based generation (Bar-Tal et al. 2023) with a base prompt: row 0 of the
batch is the whole scene (its caption, every skeleton), and every person of a multi-person pose
has a row of its own, with its own prompt ("a red figure dancing on a grass background") and only
its own skeleton. All rows start from the same noise; after every UNet call the rows' guided
predictions are composed into one (:func:`person_regions`): the cells of a person's figure (its
skeleton's cells, dilated, and nearer to it than to anyone else) take that person's row, every
other cell the base row. Every row so keeps the same latents; each person's colour comes from a
prompt that names only that person, the background and the figures' surroundings from one row.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy import ndimage

from fyp_jax.pipeline.editing import LIT, figure_cells
from fyp_jax.pose import render_pose


def person_skeletons(keypoints: np.ndarray, height: int, width: int) -> np.ndarray:
    """float32 ``[P, F, H, W, 3]`` in [0, 1]: each person of ``keypoints [F, P, 17, 3]``
    (pixels) drawn alone."""
    f, p = keypoints.shape[:2]
    return np.stack([np.stack([render_pose(keypoints[t, k][None], height, width)
                               for t in range(f)]) for k in range(p)]).astype(np.float32) / 255


def person_regions(skeletons: np.ndarray, factor: int) -> np.ndarray:
    """float32 one-hot ``[1 + P, F, H / factor, W / factor, 1]`` over the base row and the
    people of ``skeletons`` (``[P, F, H, W, 3]``, :func:`person_skeletons`): person k has the
    cells of its figure (:func:`~fyp_jax.pipeline.editing.figure_cells`) to which its drawn
    skeleton is nearer than anyone else's (mean distance over the cell's pixels), the base row
    every other cell."""
    p, f, h, w, _ = skeletons.shape
    lit = skeletons.max(axis=-1) > LIT
    distance = np.full((p, f, h, w), np.inf, np.float32)
    for k in range(p):
        for t in range(f):
            if lit[k, t].any():
                distance[k, t] = ndimage.distance_transform_edt(~lit[k, t])
    cells = distance.reshape(p, f, h // factor, factor, w // factor, factor).mean(axis=(3, 5))
    nearest = np.argmin(cells, axis=0)[None] == np.arange(p)[:, None, None, None]
    people = nearest & np.stack([figure_cells(s, factor) for s in skeletons])
    base = ~people.any(axis=0, keepdims=True)
    return np.concatenate([base, people])[..., None].astype(np.float32)


def compose(prediction: jax.Array, regions: jax.Array) -> jax.Array:
    """Every row of ``prediction [rows, f, h, w, c]`` replaced by the composition of all rows,
    row r where ``regions [rows, f, h, w, 1]`` (one-hot over rows; padding rows all 0) says."""
    composed = jnp.sum(prediction * regions.astype(prediction.dtype), axis=0, keepdims=True)
    return jnp.broadcast_to(composed, prediction.shape)
