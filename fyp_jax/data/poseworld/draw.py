"""Drawing PoseWorld frames: backgrounds and the figures, in one of three styles.

A figure is painted far parts first into a layer of its own: the torso as a convex quad between
shoulders and hips, limbs as thick capsules (the pose toolkit's antialiased rasteriser), the head
as a disc. Parts behind the torso are shaded darker so crossing limbs and turns stay readable.
Styles: "filled" (the plain body), "outlined" (every part a ring of the colour around a pale
core, the body drawn thicker so the core shows), "striped" (pale horizontal bands across the
body). Figures are composited back to front over the background.
"""

import numpy as np

from fyp_jax.data.poseworld.body import HEAD_RADIUS, Body
from fyp_jax.data.poseworld.vocabulary import Background
from fyp_jax.pose.raster import capsules_coverage, stack_over

HORIZON = 0.68  # floor backgrounds: the horizon's height as a fraction of the image height
_HORIZON_SHADE = 0.7

# (first point, second point, radius in body heights); points index Body.joints, or
# "head" / "neck".
_LIMBS = (
    (11, 13, 0.05),
    (13, 15, 0.04),
    (12, 14, 0.05),
    (14, 16, 0.04),
    (5, 7, 0.036),
    (7, 9, 0.03),
    (6, 8, 0.036),
    (8, 10, 0.03),
    ("neck", "head", 0.03),
)
_TORSO_RADIUS = 0.035
_TORSO = (5, 6, 12, 11)


def draw_background(background: Background, height: int, width: int) -> np.ndarray:
    """float32 [H, W, 3] in 0-255."""
    top, bottom = (np.asarray(c, np.float32) for c in (background.top, background.bottom))
    rows = np.arange(height, dtype=np.float32)[:, None]
    if background.kind == "solid":
        column = np.broadcast_to(top, (height, 3))
    elif background.kind == "gradient":
        t = rows / max(height - 1, 1)
        column = top * (1.0 - t) + bottom * t
    else:
        horizon = HORIZON * height
        floor = np.clip(rows - horizon + 0.5, 0.0, 1.0)
        column = top * (1.0 - floor) + bottom * floor
        line = np.clip(1.0 - np.abs(rows - horizon), 0.0, 1.0) * (1.0 - _HORIZON_SHADE)
        column = column * (1.0 - line)
    return np.ascontiguousarray(np.broadcast_to(column[:, None, :], (height, width, 3)))


_PALE = np.float32(0.7)  # the pale parts of a style: this far from the colour toward white
_OUTLINE = 0.028  # outlined: ring width, body heights (at least 1 px)
_STRIPE = 0.28  # striped: band period, body heights (at least 2 px)


def pale(color: np.ndarray) -> np.ndarray:
    """The pale tint of `color` (RGB in 0-255) that outlined cores are painted with."""
    return color * (1.0 - _PALE) + 255.0 * _PALE


def draw_figure(
    body: Body, to_pixels, scale: float, color: tuple[int, int, int], style: str,
    height: int, width: int, stripe_phase: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The layer of one figure: premultiplied colour float32 [H, W, 3] and coverage [H, W].
    `to_pixels` maps 3-D points [..., 3] to image (x, y) [..., 2], `scale` is the body height
    in pixels, `style` one of vocabulary.STYLES; striped bands start at the head's centre row,
    shifted down by `stripe_phase` periods."""
    layer = np.zeros((height, width, 3), np.float32)
    alpha = np.zeros((height, width, 1), np.float32)
    points = {i: body.joints[i] for i in range(17)} | {"head": body.head, "neck": body.neck}
    pixels = {k: to_pixels(v) for k, v in points.items()}
    torso_depth = float(np.mean([points[i][2] for i in _TORSO]))
    base = np.asarray(color, np.float32)
    ring = max(_OUTLINE * scale, 1.0) if style == "outlined" else 0.0
    parts = [(torso_depth, "torso", _TORSO_RADIUS)]
    parts += [((points[a][2] + points[b][2]) / 2, (a, b), r) for a, b, r in _LIMBS]
    parts.append((float(body.head[2]), ("head", "head"), HEAD_RADIUS))
    # Every coat of every part, far parts first: (part, radius in pixels, colour).
    coats = []
    for depth, part, radius in sorted(parts, key=lambda p: p[0]):
        shade = np.clip(0.9 + 2.0 * (depth - torso_depth), 0.72, 1.0)
        coats.append((part, radius * scale + ring, base * shade))
        if ring:
            coats.append((part, radius * scale, pale(base * shade)))
    limbs = [k for k, (part, _, _) in enumerate(coats) if part != "torso"]
    covered = capsules_coverage(
        [pixels[coats[k][0][0]] for k in limbs], [pixels[coats[k][0][1]] for k in limbs],
        [coats[k][1] for k in limbs], height, width)
    if covered is None:
        return layer, alpha[..., 0]
    window, limb_alphas = covered
    alphas = np.zeros((len(coats), *limb_alphas.shape[1:]), np.float32)
    alphas[limbs] = limb_alphas
    torso_coats = [k for k, (part, _, _) in enumerate(coats) if part == "torso"]
    for k in torso_coats:  # the torso lies inside the limbs' window (shoulders and hips)
        found = polygon_coverage([pixels[i] for i in _TORSO], coats[k][1], height, width)
        if found is not None:
            (rows, cols), a_part = found
            top, left = rows.start - window[0].start, cols.start - window[1].start
            alphas[k, top:top + a_part.shape[0], left:left + a_part.shape[1]] = a_part
    painted, coverage = stack_over(alphas, np.stack([c for _, _, c in coats]))
    layer[window], alpha[window] = painted, coverage[..., None]
    if style == "striped":
        period = max(_STRIPE * scale, 2.0)
        rows = np.arange(height, dtype=np.float32)[:, None, None]
        start = float(pixels["head"][1]) + stripe_phase * period
        band = np.floor((rows - start) / (period / 2)) % 2 == 1
        # premultiplied: the pale colour times the coverage
        layer = np.where(band, layer * (1.0 - _PALE) + 255.0 * _PALE * alpha, layer)
    return layer, alpha[..., 0]


def composite(canvas: np.ndarray, layer: np.ndarray, alpha: np.ndarray) -> None:
    """Put a premultiplied figure layer over float `canvas` [H, W, 3] in place."""
    canvas *= 1.0 - alpha[..., None]
    canvas += layer


def polygon_coverage(
    corners: list[np.ndarray], radius: float, height: int, width: int
) -> tuple[tuple[slice, slice], np.ndarray] | None:
    """Coverage in [0, 1] of the convex polygon with `corners` (x, y pixels, in order), grown by
    `radius`, over the smallest image window holding it: (window, alpha [h, w]). Inside, the
    largest signed distance to an edge line is the distance to the boundary; the one-pixel edge
    ramp matches the pose toolkit's `capsule_coverage`."""
    pts = np.asarray(corners, np.float32)
    reach = radius + 1.0
    left, top = (np.floor(pts.min(axis=0) - reach)).astype(int)
    right, bottom = (np.ceil(pts.max(axis=0) + reach)).astype(int) + 1
    left, top, right, bottom = max(left, 0), max(top, 0), min(right, width), min(bottom, height)
    if left >= right or top >= bottom:
        return None
    edges = np.roll(pts, -1, axis=0) - pts
    area2 = float(np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1]))
    lengths = np.hypot(edges[:, 0], edges[:, 1])
    if abs(area2) < 1e-3 or lengths.min() < 1e-6:
        return None
    # Outward normals for either winding.
    normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1) / lengths[:, None] * np.sign(area2)
    ys = np.arange(top, bottom, dtype=np.float32)[:, None, None]
    xs = np.arange(left, right, dtype=np.float32)[None, :, None]
    distance = (xs - pts[:, 0]) * normals[:, 0] + (ys - pts[:, 1]) * normals[:, 1]
    alpha = np.clip(radius + 0.5 - distance.max(axis=-1), 0.0, 1.0).astype(np.float32)
    return (slice(top, bottom), slice(left, right)), alpha
