"""A contact sheet: sampled frames of a video side by side in a grid, each labelled with its
frame number, for looking at a pose video in one picture."""

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from fyp_jax.pose.resize import resize_center_crop

_GAP = 4
_GREY = (96, 96, 96)


def evenly_spaced(num_available: int, count: int) -> list[int]:
    """`count` (at most `num_available`) distinct frame indices spread evenly over the video."""
    count = min(count, num_available)
    return sorted({round(i * (num_available - 1) / max(count - 1, 1)) for i in range(count)})


def overlay(skeleton: np.ndarray, background: np.ndarray, dim: float = 0.5) -> np.ndarray:
    """Skeleton pixels over a dimmed `background` of the same size (uint8 RGB)."""
    coverage = skeleton.max(axis=-1, keepdims=True).astype(np.float32) / 255.0
    mixed = background.astype(np.float32) * dim * (1.0 - coverage) + skeleton.astype(np.float32)
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


def contact_sheet(
    frames: np.ndarray,
    labels: list[str] | None = None,
    columns: int | None = None,
    cell_height: int = 256,
) -> np.ndarray:
    """uint8 frames [n, H, W, 3] -> one uint8 RGB grid image, each cell `cell_height` pixels high
    (width keeps the aspect), `labels` written in the cells' top-left corners."""
    n, height, width = frames.shape[:3]
    cell = (cell_height, max(1, round(width * cell_height / height)))
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    sheet = np.full(
        (rows * (cell[0] + _GAP) + _GAP, columns * (cell[1] + _GAP) + _GAP, 3), _GREY, np.uint8
    )
    origins = [
        (_GAP + (i // columns) * (cell[0] + _GAP), _GAP + (i % columns) * (cell[1] + _GAP))
        for i in range(n)
    ]
    for (top, left), frame in zip(origins, frames, strict=True):
        sheet[top : top + cell[0], left : left + cell[1]] = resize_center_crop(frame, cell)
    if not labels:
        return sheet
    image = Image.fromarray(sheet)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(10, cell_height // 12))
    for (top, left), label in zip(origins, labels, strict=True):
        draw.text(
            (left + 4, top + 2),
            label,
            fill=(255, 255, 255),
            font=font,
            stroke_width=1,
            stroke_fill=(0, 0, 0),
        )
    return np.asarray(image)
