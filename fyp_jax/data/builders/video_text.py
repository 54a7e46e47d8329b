"""`video_text`: pose-free (clip, caption) pairs for stage 2, HDVILA / WebVid style, built from
local videos listed in a table (see `video_rows`).

Each row gives `clips_per_row` clips of `num_frames` frames taken every `frame_stride` frames
within its span, spread evenly without overlap; frames are resized to cover `size` and
centre-cropped, and stored as JPEG. A video listed by several rows is decoded once, in one pass
over the frames any of its clips needs. Skipped (and listed in the metadata): unreadable or
truncated videos, rows without a caption, and spans too short for one clip.

Record: {"frames": bytes [F], "caption": str, "path": str, "start_frame": int64 (first frame
in the source video), "fps": float32 (the clip's frame rate, 0 when unknown)}.
"""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from fyp_jax.data.builders.common import (
    FypBuilder,
    KeyRecord,
    RecordMaker,
    Skipped,
    encoded_frames,
    prepare,
)
from fyp_jax.data.builders.video_rows import VideoRow, clip_starts, group_by_file, list_videos
from fyp_jax.data.codec import encode_image
from fyp_jax.errors import DataError
from fyp_jax.pose.video import iter_frames, open_frames


class VideoTextConfig(tfds.core.BuilderConfig):
    """Clip geometry; the config's name says it, e.g. "f16_s4_256x256"."""

    def __init__(self, num_frames: int, frame_stride: int, size: tuple[int, int]):
        super().__init__(name=f"f{num_frames}_s{frame_stride}_{size[0]}x{size[1]}")
        self.num_frames, self.frame_stride, self.size = num_frames, frame_stride, size


class ClipRecords(RecordMaker):
    """The clips of every row naming one video file, decoding the file once. A row's key
    `index * clips_per_row + n` keeps the table's order."""

    def __init__(self, config: VideoTextConfig, clips_per_row: int):
        self._config, self._clips_per_row = config, clips_per_row

    def describe(self, group: tuple[Path, list[VideoRow]]) -> str:
        return str(group[0])

    def __call__(self, group: tuple[Path, list[VideoRow]]) -> Iterator[KeyRecord | Skipped]:
        path, rows = group
        source = open_frames(path)
        plans = {}
        for row in rows:
            try:
                plans[row.index] = self._plan(row, source.num_frames, source.fps)
            except DataError as error:
                yield Skipped.of(f"{path} (row {row.index})", error)
        if not plans:
            return
        wanted = sorted({i for starts in plans.values() for s in starts for i in self._clip(s)})
        encoded = {
            index: encode_image(frame)
            for index, frame in zip(wanted, iter_frames(source, wanted, self._config.size), strict=True)
        }
        fps = source.fps / self._config.frame_stride if source.fps else 0.0
        for row in rows:
            for n, start in enumerate(plans.get(row.index, ())):
                yield (
                    row.index * self._clips_per_row + n,
                    {
                        "frames": [encoded[i] for i in self._clip(start)],
                        "caption": row.caption,
                        "path": str(path),
                        "start_frame": start,
                        "fps": fps,
                    },
                )

    def _clip(self, start: int) -> range:
        config = self._config
        return range(
            start, start + (config.num_frames - 1) * config.frame_stride + 1, config.frame_stride
        )

    def _plan(self, row: VideoRow, num_frames: int, fps: float | None) -> list[int]:
        if not row.caption:
            raise DataError("no caption")
        if (row.start is not None or row.end is not None) and not fps:
            raise DataError("a start / end time needs the video's frame rate, which is unknown")
        first = round(row.start * fps) if row.start is not None else 0
        stop = min(num_frames, round(row.end * fps)) if row.end is not None else num_frames
        config = self._config
        return clip_starts(first, stop, config.num_frames, config.frame_stride, self._clips_per_row)


class VideoText(FypBuilder, skip_registration=True):
    """Video clips with captions (stage 2 of FollowYourPose)."""

    name = "video_text"

    def __init__(
        self,
        *,
        data_dir: str | Path,
        config: VideoTextConfig,
        rows: list[VideoRow],
        clips_per_row: int,
        parameters: dict,
    ):
        self._rows, self._parameters = rows, parameters
        self._records = ClipRecords(config, clips_per_row)
        super().__init__(data_dir=data_dir, config=config)

    def _features(self) -> tfds.features.FeaturesDict:
        return tfds.features.FeaturesDict(
            {
                "frames": encoded_frames(),
                "caption": tfds.features.Text(),
                "path": tfds.features.Text(),
                "start_frame": tfds.features.Scalar(dtype=np.int64),
                "fps": tfds.features.Scalar(dtype=np.float32),
            }
        )

    def _build_parameters(self) -> dict:
        return self._parameters

    def _generate_examples(self, split: str):
        return self.guarded(split, group_by_file(self._rows).items(), self._records)


def build_video_text(
    data_dir: str | Path,
    table: str | Path,
    *,
    num_frames: int = 16,
    frame_stride: int = 4,
    size: int | tuple[int, int] = 256,
    clips_per_row: int = 1,
    video_root: str | Path | None = None,
    path_column: str | None = None,
    caption_column: str | None = None,
    overwrite: bool = False,
    beam_options: str | None = None,
) -> Path:
    """Build `video_text` under `data_dir` from the table `table` (.csv/.tsv/.parquet of video
    paths, captions, optional start / end). `size` is (height, width) or one number for a
    square. `beam_options`: build on Apache Beam (see `prepare`), one video file per work
    item. Returns the dataset folder for `open_split(folder, "train")`."""
    if num_frames < 1 or frame_stride < 1 or clips_per_row < 1:
        raise DataError("num_frames, frame_stride and clips_per_row must be at least 1")
    hw = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    rows = list_videos(table, video_root, path_column, caption_column)
    builder = VideoText(
        data_dir=data_dir,
        config=VideoTextConfig(num_frames, frame_stride, hw),
        rows=rows,
        clips_per_row=clips_per_row,
        parameters={
            "table": str(table),
            "num_frames": num_frames,
            "frame_stride": frame_stride,
            "size": list(hw),
            "clips_per_row": clips_per_row,
            "listed": len(rows),
        },
    )
    return prepare(builder, overwrite, beam_options)
