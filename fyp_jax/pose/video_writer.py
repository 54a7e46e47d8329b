"""Writing frames to mp4 / mov / mkv (H.264), webm (VP9) or an endlessly looping GIF."""

import itertools
from collections.abc import Iterable
from pathlib import Path

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np

from fyp_jax.errors import PoseInputError

_FFMPEG_CODECS = {".mp4": "libx264", ".mov": "libx264", ".mkv": "libx264", ".webm": "libvpx-vp9"}
_QUALITY = 8  # imageio-ffmpeg's 0-10 scale; 8 keeps thin skeleton lines crisp


def as_uint8(frames: np.ndarray) -> np.ndarray:
    """uint8 frames as they are; float frames in [0, 1] scaled to 0-255."""
    frames = np.asarray(frames)
    if frames.dtype == np.uint8:
        return frames
    return np.rint(np.clip(frames, 0.0, 1.0) * 255.0).astype(np.uint8)


def write_video(
    path: str | Path, frames: np.ndarray | Iterable[np.ndarray], fps: float = 8.0
) -> Path:
    """Write RGB frames (an array [F, H, W, 3] or an iterable of [H, W, 3], uint8 or float in
    [0, 1]; an iterable is streamed, not held in memory, except for GIF) to `path`; the suffix
    picks the format (.mp4 .mov .mkv .webm .gif). Odd sizes get one black row/column for the
    H.264/VP9 chroma layout. Returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix != ".gif" and suffix not in _FFMPEG_CODECS:
        raise PoseInputError(
            f"cannot write video {path}: use one of {', '.join(sorted([*_FFMPEG_CODECS, '.gif']))}"
        )
    frames = (as_uint8(frame) for frame in frames)
    first = next(frames, None)
    if first is None or first.ndim != 3 or first.shape[-1] != 3:
        shape = None if first is None else list(first.shape)
        raise PoseInputError(
            f"frames must be RGB [H, W, 3] and at least one, got first frame {shape}"
        )
    frames = itertools.chain([first], frames)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".gif":
        iio.imwrite(path, np.stack(list(frames)), plugin="pillow", duration=1000.0 / fps, loop=0)
    else:
        _write_ffmpeg(path, frames, first.shape[:2], fps, _FFMPEG_CODECS[suffix])
    return path


def _write_ffmpeg(
    path: Path, frames: Iterable[np.ndarray], size: tuple[int, int], fps: float, codec: str
) -> None:
    pad_h, pad_w = size[0] % 2, size[1] % 2
    writer = imageio_ffmpeg.write_frames(
        str(path),
        (size[1] + pad_w, size[0] + pad_h),
        fps=fps,
        codec=codec,
        quality=_QUALITY,
        macro_block_size=1,
    )
    writer.send(None)
    try:
        for frame in frames:
            writer.send(np.ascontiguousarray(np.pad(frame, ((0, pad_h), (0, pad_w), (0, 0)))))
    finally:
        writer.close()
