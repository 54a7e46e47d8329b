"""The byte protocol between the main process and a detector worker, over its stdin / stdout.

main -> worker, per frame: `<3I` (height, width, 3) then height*width*3 uint8 RGB bytes;
a (0, 0, 0) header ends the stream.
worker -> main, per frame: `<3I` (people, points, values) then that many float32s.

Kept free of fyp_jax imports and of syntax newer than Python 3.9: it runs in both processes.
"""

import struct

import numpy as np

_HEADER = struct.Struct("<3I")


def _read_exactly(stream, size):
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError(f"pipe closed after {len(data)} of {size} bytes")
        data += chunk
    return bytes(data)


def write_frame(stream, frame):
    """Send one uint8 RGB frame [H, W, 3]."""
    frame = np.ascontiguousarray(frame, dtype=np.uint8)
    stream.write(_HEADER.pack(*frame.shape))
    stream.write(frame.tobytes())
    stream.flush()


def write_end(stream):
    stream.write(_HEADER.pack(0, 0, 0))
    stream.flush()


def read_frame(stream):
    """The next frame, or None at the end of the stream."""
    shape = _HEADER.unpack(_read_exactly(stream, _HEADER.size))
    if shape == (0, 0, 0):
        return None
    return np.frombuffer(_read_exactly(stream, shape[0] * shape[1] * shape[2]), np.uint8).reshape(
        shape
    )


def write_result(stream, result):
    """Send a float32 array [people, points, values]."""
    result = np.ascontiguousarray(result, dtype=np.float32)
    stream.write(_HEADER.pack(*result.shape))
    stream.write(result.tobytes())
    stream.flush()


def read_result(stream):
    shape = _HEADER.unpack(_read_exactly(stream, _HEADER.size))
    count = shape[0] * shape[1] * shape[2]
    return np.frombuffer(_read_exactly(stream, 4 * count), np.float32).reshape(shape)
