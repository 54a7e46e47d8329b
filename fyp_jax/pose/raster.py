"""Antialiased thick lines with round caps ("capsules"), rasterised with NumPy.

A pixel's coverage is `clip(radius + 0.5 - d, 0, 1)` where d is the distance from the pixel centre
to the segment: a one-pixel linear ramp across the edge, which approximates the box-filtered
area and matches the soft edges of the FollowYourPose skeleton videos. Pixel (row i, column j)
has its centre at (x=j, y=i).
"""

import numpy as np

Point = tuple[float, float]


def capsule_coverage(
    start: Point, end: Point, radius: float, height: int, width: int
) -> tuple[tuple[slice, slice], np.ndarray] | None:
    """Coverage in [0, 1] of the capsule of `radius` around segment start-end (x, y pixels),
    over the smallest window of a height x width image that holds it: (window, alpha [h, w]).
    None when the capsule lies outside the image."""
    (x0, y0), (x1, y1) = start, end
    reach = radius + 1.0
    left, right = int(np.floor(min(x0, x1) - reach)), int(np.ceil(max(x0, x1) + reach)) + 1
    top, bottom = int(np.floor(min(y0, y1) - reach)), int(np.ceil(max(y0, y1) + reach)) + 1
    left, top, right, bottom = max(left, 0), max(top, 0), min(right, width), min(bottom, height)
    if left >= right or top >= bottom:
        return None
    ys = np.arange(top, bottom, dtype=np.float32)[:, None]
    xs = np.arange(left, right, dtype=np.float32)[None, :]
    dx, dy = x1 - x0, y1 - y0
    length_sq = dx * dx + dy * dy
    if length_sq > 0:
        t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / length_sq, 0.0, 1.0)
    else:
        t = np.zeros((1, 1), np.float32)
    distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
    alpha = np.clip(radius + 0.5 - distance, 0.0, 1.0).astype(np.float32)
    return (slice(top, bottom), slice(left, right)), alpha


def capsules_coverage(
    starts: np.ndarray, ends: np.ndarray, radii: np.ndarray, height: int, width: int
) -> tuple[tuple[slice, slice], np.ndarray] | None:
    """`capsule_coverage` of K capsules at once (segments `starts`/`ends` [K, 2] x, y pixels,
    `radii` [K]) over the smallest window holding them all: (window, alpha [K, h, w]). One
    vectorised pass; much faster than K calls for the small images of training."""
    starts, ends = np.asarray(starts, np.float32), np.asarray(ends, np.float32)
    radii = np.asarray(radii, np.float32)
    reach = float(radii.max()) + 1.0
    low = np.minimum(starts, ends).min(axis=0) - reach
    high = np.maximum(starts, ends).max(axis=0) + reach
    left, top = max(int(np.floor(low[0])), 0), max(int(np.floor(low[1])), 0)
    right, bottom = min(int(np.ceil(high[0])) + 1, width), min(int(np.ceil(high[1])) + 1, height)
    if left >= right or top >= bottom:
        return None
    ys = np.arange(top, bottom, dtype=np.float32)[None, :, None]
    xs = np.arange(left, right, dtype=np.float32)[None, None, :]
    x0, y0 = starts[:, 0, None, None], starts[:, 1, None, None]
    dx, dy = (ends - starts)[:, 0, None, None], (ends - starts)[:, 1, None, None]
    length_sq = dx * dx + dy * dy
    t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / np.maximum(length_sq, 1e-12), 0.0, 1.0)
    t = np.where(length_sq > 0, t, 0.0)
    distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
    alpha = np.clip(radii[:, None, None] + 0.5 - distance, 0.0, 1.0).astype(np.float32)
    return (slice(top, bottom), slice(left, right)), alpha


def stack_over(alphas: np.ndarray, colours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Layers `alphas` [K, h, w] of `colours` [K, 3] composited in order (later on top), as one
    premultiplied layer: (colour [h, w, 3], alpha [h, w]). Equal to K `paint` calls onto black,
    without the loop: layer k shows through the product of (1 - alpha) of the layers above."""
    above = np.cumprod(1.0 - alphas[::-1], axis=0)[::-1]  # prod over j >= k
    through = np.concatenate([above[1:], np.ones_like(above[:1])], axis=0)  # prod over j > k
    weights = alphas * through
    return np.einsum("khw,kc->hwc", weights, np.asarray(colours, np.float32)), 1.0 - above[0]


def paint(
    canvas: np.ndarray, window: tuple[slice, slice], alpha: np.ndarray, colour: np.ndarray
) -> None:
    """Composite `colour` over float `canvas` [H, W, 3] inside `window` with coverage `alpha`."""
    region = canvas[window]
    a = alpha[..., None]
    canvas[window] = region * (1.0 - a) + colour * a
