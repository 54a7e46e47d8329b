"""Resize-to-cover then centre-crop, the way FollowYourPose prepares pose frames, for images
and (with the same geometry) for keypoints."""

import dataclasses

import numpy as np
from PIL import Image

from fyp_jax.errors import PoseInputError


@dataclasses.dataclass(frozen=True)
class CoverCrop:
    """Scale an image of `source` (height, width) to `scaled` so that it covers `target`, then
    cut `target` out of its centre starting at (`top`, `left`)."""

    source: tuple[int, int]
    scaled: tuple[int, int]
    target: tuple[int, int]
    top: int
    left: int

    def map_points(self, xy: np.ndarray) -> np.ndarray:
        """Pixel coordinates (x, y) [..., 2] in the source -> in the cropped target."""
        sy, sx = (s / o for s, o in zip(self.scaled, self.source, strict=True))
        x = (xy[..., 0] + 0.5) * sx - 0.5 - self.left
        y = (xy[..., 1] + 0.5) * sy - 0.5 - self.top
        return np.stack([x, y], axis=-1).astype(np.float32)


def cover_crop(source: tuple[int, int], target: tuple[int, int]) -> CoverCrop:
    """The geometry taking a (height, width) `source` image to a centre crop of `target`."""
    (h, w), (th, tw) = source, target
    if min(h, w, th, tw) < 1:
        raise PoseInputError(
            f"cannot resize {h}x{w} to {th}x{tw}: sizes must be positive (height, width)"
        )
    scale = max(th / h, tw / w)
    scaled = (max(th, round(h * scale)), max(tw, round(w * scale)))
    return CoverCrop(source, scaled, target, (scaled[0] - th) // 2, (scaled[1] - tw) // 2)


def resize_center_crop(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 RGB [h, w, 3] -> [H, W, 3]: bilinear (antialiased) resize to cover, centre crop."""
    geometry = cover_crop(frame.shape[:2], size)
    if geometry.scaled != frame.shape[:2]:
        resized = Image.fromarray(frame).resize(geometry.scaled[::-1], Image.Resampling.BILINEAR)
        frame = np.asarray(resized)
    return frame[geometry.top : geometry.top + size[0], geometry.left : geometry.left + size[1]]
