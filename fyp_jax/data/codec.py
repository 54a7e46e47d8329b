"""Encoded images inside records: JPEG / PNG bytes written with Pillow, read back as uint8 RGB.

Records of the built datasets keep images encoded (decoding them is the input pipeline's work);
records made in memory (PoseWorld) hold arrays. `decode_image` takes either, so transforms
need not care which source a record came from.
"""

import io

import numpy as np
from PIL import Image

JPEG_QUALITY = 95


def encode_image(image: np.ndarray, format: str = "JPEG") -> bytes:
    """uint8 RGB [H, W, 3] -> JPEG (quality 95, 4:4:4 chroma) or PNG bytes."""
    buffer = io.BytesIO()
    options = {"quality": JPEG_QUALITY, "subsampling": 0} if format == "JPEG" else {}
    Image.fromarray(np.ascontiguousarray(image)).save(buffer, format=format, **options)
    return buffer.getvalue()


def decode_image(data: bytes | np.ndarray) -> np.ndarray:
    """Encoded bytes (any format Pillow reads) or an array -> uint8 RGB [H, W, 3]. Raises OSError
    (or a Pillow error derived from it) for bytes that are not a complete image."""
    if isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 3:
        return data
    with Image.open(io.BytesIO(bytes(data))) as image:
        return np.asarray(image.convert("RGB"))


def as_text(value: str | bytes | np.ndarray) -> str:
    """A record's text field (tfds returns bytes, in-memory sources str) as str."""
    if isinstance(value, np.ndarray):
        value = value.item()
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
