"""The images of a `laion_pose` build and their captions, from a folder or a table.

Folder: every image file below it (natural order), each captioned by the text file beside it
with the same stem (`photo_1.jpg` + `photo_1.txt`), as LAION / webdataset exports lay them out.
Table (.csv / .tsv / .parquet): an image path column and a caption column; relative paths are
taken from `image_root` (default: the table's folder).
"""

import dataclasses
from pathlib import Path

from fyp_jax.data.builders.tables import pick_column, read_table
from fyp_jax.errors import DataError
from fyp_jax.pose.files import natural_key
from fyp_jax.pose.frame_source import IMAGE_SUFFIXES

PATH_ALIASES = ("image", "path", "file_name", "filename", "file", "image_path", "url")
CAPTION_ALIASES = ("caption", "text", "prompt", "name", "title")


@dataclasses.dataclass(frozen=True)
class ImageRow:
    """One listed image: its file, its caption ('' when it has none) and its key, the path
    relative to the root with '/' separators (how keypoint files name it)."""

    path: Path
    caption: str
    key: str


def list_images(
    source: str | Path,
    image_root: str | Path | None = None,
    path_column: str | None = None,
    caption_column: str | None = None,
) -> list[ImageRow]:
    source = Path(source).expanduser().resolve()
    if not source.exists():
        raise DataError(f"image source not found: {source}; give a folder or a .csv/.parquet")
    if source.is_dir():
        return _from_folder(source)
    root = Path(image_root).expanduser().resolve() if image_root else source.parent
    rows = read_table(source)
    if not rows:
        raise DataError(f"{source} lists no image")
    path_key = pick_column(rows, path_column, PATH_ALIASES, "image path", source)
    caption_key = pick_column(rows, caption_column, CAPTION_ALIASES, "caption", source)
    return [
        ImageRow(root / row[path_key], row[caption_key], Path(row[path_key]).as_posix())
        for row in rows
    ]


def _from_folder(folder: Path) -> list[ImageRow]:
    images = sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
        key=lambda p: [natural_key(Path(part)) for part in p.relative_to(folder).parts],
    )
    if not images:
        raise DataError(
            f"no image ({', '.join(sorted(IMAGE_SUFFIXES))}) below {folder}; point to a folder of"
            " images with .txt captions beside them"
        )
    return [
        ImageRow(path, _caption_beside(path), path.relative_to(folder).as_posix())
        for path in images
    ]


def _caption_beside(image: Path) -> str:
    text = image.with_suffix(".txt")
    return text.read_text(encoding="utf-8", errors="replace").strip() if text.is_file() else ""
