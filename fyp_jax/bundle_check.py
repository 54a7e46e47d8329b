"""Is a bundle folder complete and readable? Checked from the files' headers in milliseconds,
before anything is loaded or compiled, so a broken bundle is one error naming the file.

A safetensors file is an 8-byte little-endian header length, a JSON header giving every
tensor's dtype, shape and byte range, then the data; a file shorter than the header's last
byte range was cut off (an interrupted copy or download).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from fyp_jax.errors import ConversionError

_DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
                "U8": 1, "BOOL": 1}


def read_meta(folder: Path, required: tuple[str, ...], known: tuple[str, ...]) -> dict:
    """bundle.json of `folder`, checked: valid JSON, the `required` components present, none
    outside `known`, each with its safetensors file complete, and the tokenizer folder there."""
    path = folder / "bundle.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConversionError(f"cannot read {path}: {error}; the bundle is damaged: convert or "
                              "export it again") from error
    components = meta.get("components") if isinstance(meta, dict) else None
    if not isinstance(components, dict) or not isinstance(meta.get("scheduler"), dict):
        raise ConversionError(f"{path} has no 'components' / 'scheduler' table; the bundle is "
                              "damaged: convert or export it again")
    missing = [c for c in required if c not in components]
    unknown = [c for c in components if c not in known]
    if missing or unknown:
        raise ConversionError(f"{path}: components missing {missing}, unknown {unknown} "
                              f"(a bundle has {', '.join(known)}); convert or export it again")
    for name in components:
        check_safetensors(folder / f"{name}.safetensors")
    if not (folder / "tokenizer").is_dir():
        raise ConversionError(f"{folder} has no tokenizer/ folder; convert or export it again")
    return meta


def check_safetensors(path: Path) -> None:
    """ConversionError unless `path` is a whole safetensors file."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            (length,) = struct.unpack("<Q", f.read(8).ljust(8, b"\xff"))
            if length > size - 8:
                raise ValueError(f"header of {length} bytes in a file of {size}")
            header = json.loads(f.read(length))
    except FileNotFoundError as error:
        raise ConversionError(f"{path} is missing; the bundle is incomplete: convert or export it "
                              "again") from error
    except (OSError, ValueError, UnicodeDecodeError, struct.error) as error:
        raise ConversionError(f"{path} is not a readable safetensors file ({error}); the bundle "
                              "is damaged: convert or export it again") from error
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            begin, stop = entry["data_offsets"]
            wrong = stop - begin != _DTYPE_BYTES.get(entry["dtype"], 0) * _count(entry["shape"])
        except (KeyError, TypeError, ValueError):
            wrong = True
        if wrong and entry.get("dtype") in _DTYPE_BYTES:
            raise ConversionError(f"{path}: tensor {name} has a wrong header entry; the bundle is "
                                  "damaged: convert or export it again")
        end = max(end, stop)
    if size < 8 + length + end:
        raise ConversionError(f"{path} is truncated: {size} bytes of {8 + length + end}; the "
                              "bundle is damaged (an interrupted copy?): copy or convert it again")


def _count(shape: list[int]) -> int:
    count = 1
    for dim in shape:
        count *= dim
    return count
