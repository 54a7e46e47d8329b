"""The clips of a `video_text` build: rows of an HDVILA / WebVid-style table, and which frames
each clip takes.

A row names a video file (path column: path / video / clip / file / filename / video_path), its
caption (caption / text / name / prompt) and optionally a span of it (start / end columns, in
seconds or as [HH:]MM:SS[.fff] timestamps; empty means the video's start or end). Relative
paths are taken from `video_root` (default: the table's folder).
"""

import dataclasses
from pathlib import Path

from fyp_jax.data.builders.tables import pick_column, read_table
from fyp_jax.errors import DataError

PATH_ALIASES = ("path", "video", "clip", "file", "filename", "video_path", "clip_path")
CAPTION_ALIASES = ("caption", "text", "name", "prompt", "title")
START_ALIASES = ("start", "start_time", "begin")
END_ALIASES = ("end", "end_time", "stop")


@dataclasses.dataclass(frozen=True)
class VideoRow:
    """One table row: `start` / `end` in seconds, None for the video's own start / end."""

    index: int
    path: Path
    caption: str
    start: float | None
    end: float | None


def parse_time(text: str) -> float | None:
    """Seconds from '12.5', '01:02' (MM:SS) or '00:01:02.500' (HH:MM:SS.fff); None for ''."""
    text = text.strip()
    if not text:
        return None
    try:
        seconds = 0.0
        for part in text.split(":"):
            seconds = seconds * 60.0 + float(part)
    except ValueError as error:
        raise DataError(f"cannot read time {text!r}: use seconds or HH:MM:SS.fff") from error
    return seconds


def list_videos(
    table: str | Path,
    video_root: str | Path | None = None,
    path_column: str | None = None,
    caption_column: str | None = None,
) -> list[VideoRow]:
    table = Path(table).expanduser().resolve()
    if not table.is_file():
        raise DataError(f"video table not found: {table}; give a .csv/.tsv/.parquet file")
    rows = read_table(table)
    if not rows:
        raise DataError(f"{table} lists no video")
    root = Path(video_root).expanduser().resolve() if video_root else table.parent
    path_key = pick_column(rows, path_column, PATH_ALIASES, "video path", table)
    caption_key = pick_column(rows, caption_column, CAPTION_ALIASES, "caption", table)
    start_key = pick_column(rows, None, START_ALIASES, "start", table, required=False)
    end_key = pick_column(rows, None, END_ALIASES, "end", table, required=False)
    return [
        VideoRow(
            index=i,
            path=root / row[path_key],
            caption=row[caption_key],
            start=parse_time(row[start_key]) if start_key else None,
            end=parse_time(row[end_key]) if end_key else None,
        )
        for i, row in enumerate(rows)
    ]


def clip_starts(first: int, stop: int, num_frames: int, stride: int, clips: int) -> list[int]:
    """First frames of up to `clips` clips of `num_frames` frames every `stride`, spread evenly
    over frames [first, stop) without overlapping; DataError when not even one fits."""
    span = (num_frames - 1) * stride + 1
    room = stop - first - span
    if room < 0:
        raise DataError(
            f"frames {first}..{stop - 1} are too few for {num_frames} frames at stride {stride}"
            f" ({span} needed)"
        )
    count = min(clips, room // span + 1)
    if count == 1:
        return [first]
    return [first + room * i // (count - 1) for i in range(count)]


def group_by_file(rows: list[VideoRow]) -> dict[Path, list[VideoRow]]:
    """Rows per video file, in order of first appearance, so each file is decoded once."""
    groups: dict[Path, list[VideoRow]] = {}
    for row in rows:
        groups.setdefault(row.path, []).append(row)
    return groups
