"""Small path helpers shared by the readers: existence checks and natural frame order."""

import re
from pathlib import Path

from fyp_jax.errors import PoseInputError


def existing_path(path: str | Path, what: str) -> Path:
    """`path` as a Path, or PoseInputError naming it when nothing is there."""
    path = Path(path).expanduser()
    if not path.exists():
        raise PoseInputError(f"{what} not found: {path}; check the path")
    return path


def natural_key(path: Path) -> list:
    """Sort key that puts frame_2 before frame_10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def files_with_suffix(folder: Path, suffixes: frozenset[str], what: str) -> list[Path]:
    """Files of `folder` whose lower-case suffix is in `suffixes`, in natural order; at least one."""
    files = sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes),
        key=natural_key,
    )
    if not files:
        raise PoseInputError(
            f"no {what} ({', '.join(sorted(suffixes))}) in folder {folder}; point to a folder of frames"
        )
    return files
