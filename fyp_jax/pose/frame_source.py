"""Decoding RGB frames from a video file, an animated GIF or a folder of images.

Videos (mp4, mov, webm, avi, mkv, ...) go through the ffmpeg that imageio-ffmpeg bundles, with
frame-rate conversion off so the decoded frames are exactly the stored ones; GIFs through Pillow;
folders are read in natural file-name order. Every decoding failure becomes a PoseInputError that
names the path.
"""

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
from PIL import Image

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.files import existing_path, files_with_suffix
from fyp_jax.pose.resize import resize_center_crop

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
_PILLOW_ANIMATIONS = frozenset({".gif"})
_FFMPEG_OPTIONS = ["-fps_mode", "passthrough"]


@dataclasses.dataclass(frozen=True)
class FrameSource:
    """An opened pose/video source: how many frames it has, its frame rate when known, its
    frame size (height, width; of the first image for a folder), and a way to decode its frames
    (uint8 RGB [H, W, 3]) in order, from the first."""

    path: Path
    num_frames: int
    fps: float | None
    size: tuple[int, int]
    _decode: Callable[[], Iterator[np.ndarray]]

    def frames(self) -> Iterator[np.ndarray]:
        try:
            for frame in self._decode():
                yield as_rgb(frame)
        except (OSError, RuntimeError, ValueError) as error:
            raise PoseInputError(f"cannot decode {self.path}: {_last_line(error)}") from error


def open_frames(path: str | Path) -> FrameSource:
    """Open a video file, GIF or folder of frames; PoseInputError when it is missing, unreadable
    or has no frame."""
    path = existing_path(path, "video")
    try:
        source = _open(path)
    except (OSError, RuntimeError, ValueError) as error:
        raise PoseInputError(f"cannot read video {path}: {_last_line(error)}") from error
    if source.num_frames < 1:
        raise PoseInputError(f"video {path} has no frame")
    return source

def iter_frames(
    source: FrameSource, indices: Sequence[int], size: tuple[int, int] | None = None
) -> Iterator[np.ndarray]:
    """Decode the frames at increasing `indices` of `source` (uint8 RGB, resized and centre-cropped
    to `size` = (height, width) when given), stopping after the last one."""
    wanted = list(indices)
    if wanted != sorted(set(wanted)):
        raise ValueError("indices must be strictly increasing")
    if not wanted:
        return
    position = 0
    for index, frame in enumerate(source.frames()):
        if index == wanted[position]:
            yield frame if size is None else resize_center_crop(frame, size)
            position += 1
            if position == len(wanted):
                return
    raise PoseInputError(
        f"{source.path} ended after {index + 1} frames, before frame {wanted[position]}; the file"
        " may be truncated"
    )



def as_rgb(frame: np.ndarray) -> np.ndarray:
    """Grey, grey+alpha, RGB or RGBA uint8 -> RGB uint8 (alpha composited over black)."""
    frame = np.asarray(frame)
    if frame.ndim == 2:
        frame = frame[..., None]
    if frame.shape[-1] in (2, 4):
        alpha = frame[..., -1:].astype(np.float32) / 255.0
        frame = np.rint(frame[..., :-1] * alpha).astype(np.uint8)
    if frame.shape[-1] == 1:
        frame = np.repeat(frame, 3, axis=-1)
    return frame.astype(np.uint8, copy=False)


def _open(path: Path) -> FrameSource:
    if path.is_dir():
        files = files_with_suffix(path, IMAGE_SUFFIXES, "image frames")
        with Image.open(files[0]) as image:
            size = image.size[::-1]
        return FrameSource(path, len(files), None, size, lambda: (iio.imread(f) for f in files))
    if path.suffix.lower() in _PILLOW_ANIMATIONS:
        with Image.open(path) as image:
            num_frames = getattr(image, "n_frames", 1)
            duration_ms = image.info.get("duration") or 0
            size = image.size[::-1]
        fps = 1000.0 / duration_ms if duration_ms else None
        return FrameSource(path, num_frames, fps, size, lambda: iio.imiter(path, plugin="pillow"))
    num_frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    reader = imageio_ffmpeg.read_frames(str(path), output_params=_FFMPEG_OPTIONS)
    try:
        meta = next(reader)
    finally:
        reader.close()
    size = tuple(meta["size"][::-1])
    return FrameSource(
        path, num_frames, meta.get("fps") or None, size, lambda: _ffmpeg_frames(path)
    )


def _ffmpeg_frames(path: Path) -> Iterator[np.ndarray]:
    reader = imageio_ffmpeg.read_frames(str(path), output_params=_FFMPEG_OPTIONS)
    width, height = next(reader)["size"]
    try:
        for buffer in reader:
            yield np.frombuffer(buffer, np.uint8).reshape(height, width, 3)
    finally:
        reader.close()


def _last_line(error: Exception) -> str:
    """The informative end of an error message (ffmpeg's are pages long)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
