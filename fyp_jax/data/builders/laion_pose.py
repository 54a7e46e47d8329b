"""`laion_pose`: (image, COCO-17 keypoints, caption) triples for stage 1, LAION-Pose style,
built from local images.

Images come from a folder or a table (see `image_list`); keypoints from a JSON file (see
`keypoint_table`) or, with `detector`, are extracted at build time by a pose toolkit backend
(`fyp_jax.pose.create_detector`). An image is stored as its own file's bytes, or re-encoded as
JPEG after a resize when its shorter side exceeds `max_size`, with its keypoints in its stored
pixels. The skeleton image is not stored: `ImageTransform` draws it at the training size.

Skipped (and listed in the metadata): unreadable or truncated images, images without a caption,
without keypoints, or in which no person has a confident joint.

Record: {"image": bytes, "keypoints": float32 [P, 17, 3], "caption": str, "path": str}.
"""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from fyp_jax.data.builders.common import (
    FypBuilder,
    KeyRecord,
    RecordMaker,
    encoded_image,
    float_tensor,
    prepare,
)
from fyp_jax.data.builders.image_list import ImageRow, list_images
from fyp_jax.data.builders.keypoint_table import KeypointTable, load_keypoint_table
from fyp_jax.data.codec import decode_image, encode_image
from fyp_jax.errors import DataError
from fyp_jax.pose import create_detector
from fyp_jax.pose.extract import PoseDetector
from fyp_jax.pose.render import DEFAULT_MIN_CONFIDENCE
from fyp_jax.pose.resize import cover_crop, resize_center_crop


class LaionRecords(RecordMaker):
    """The record of one listed image (its key: the index, unique even when a table lists a
    file twice); the detector, when keypoints are detected, is made once per worker."""

    def __init__(self, keypoints: KeypointTable | None, detector: str | None, max_size: int):
        self._keypoints, self._detector_name, self._max_size = keypoints, detector, max_size
        self._detector: PoseDetector | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_detector": None}

    def setup(self) -> None:
        if self._detector_name is not None and self._detector is None:
            self._detector = create_detector(self._detector_name)

    def describe(self, item: tuple[int, ImageRow]) -> str:
        return str(item[1].path)

    def __call__(self, item: tuple[int, ImageRow]) -> Iterator[KeyRecord]:
        index, row = item
        if not row.caption:
            raise DataError("no caption")
        data = row.path.read_bytes()
        image = decode_image(data)
        if self._keypoints is not None:
            people = self._keypoints.lookup(row.key)
        else:
            people = next(iter(self._detector.detect([image])))
        people = np.asarray(people, np.float32).reshape(-1, 17, 3)
        if not (people[..., 2] >= DEFAULT_MIN_CONFIDENCE).any():
            raise DataError("no person with a confident joint")
        height, width = image.shape[:2]
        scale = self._max_size / min(height, width)
        if scale < 1.0:
            stored = (max(1, round(height * scale)), max(1, round(width * scale)))
            geometry = cover_crop((height, width), stored)
            people = np.concatenate([geometry.map_points(people[..., :2]), people[..., 2:]], -1)
            data = encode_image(resize_center_crop(image, stored))
        yield (
            index,
            {
                "image": data,
                "keypoints": people,
                "caption": row.caption,
                "path": str(row.path),
            },
        )


class LaionPose(FypBuilder, skip_registration=True):
    """Images with COCO-17 keypoints and captions (stage 1 of FollowYourPose)."""

    name = "laion_pose"

    def __init__(
        self, *, data_dir: str | Path, rows: list[ImageRow], records: LaionRecords, parameters: dict
    ):
        self._rows, self._records, self._parameters = rows, records, parameters
        super().__init__(data_dir=data_dir)

    def _features(self) -> tfds.features.FeaturesDict:
        return tfds.features.FeaturesDict(
            {
                "image": encoded_image(),
                "keypoints": float_tensor(None, 17, 3),
                "caption": tfds.features.Text(),
                "path": tfds.features.Text(),
            }
        )

    def _build_parameters(self) -> dict:
        return self._parameters

    def _generate_examples(self, split: str):
        return self.guarded(split, enumerate(self._rows), self._records)


def build_laion_pose(
    data_dir: str | Path,
    source: str | Path,
    *,
    keypoints: str | Path | None = None,
    detector: str | None = None,
    image_root: str | Path | None = None,
    path_column: str | None = None,
    caption_column: str | None = None,
    max_size: int = 512,
    overwrite: bool = False,
    beam_options: str | None = None,
) -> Path:
    """Build `laion_pose` under `data_dir` from `source` (a folder of images with .txt captions,
    or a .csv/.tsv/.parquet of image paths and captions) with keypoints from the JSON file
    `keypoints` or extracted by the pose detector named `detector` (e.g. "mediapipe").
    `beam_options`: build on Apache Beam (see `prepare`), one detector per worker.
    Returns the dataset folder for `open_split(folder, "train")`."""
    if (keypoints is None) == (detector is None):
        raise DataError("give exactly one of keypoints (a JSON file) and detector (a name)")
    rows = list_images(source, image_root, path_column, caption_column)
    table = load_keypoint_table(keypoints) if keypoints else None
    builder = LaionPose(
        data_dir=data_dir,
        rows=rows,
        records=LaionRecords(table, detector, max_size),
        parameters={
            "source": str(source),
            "keypoints": str(keypoints) if keypoints else None,
            "detector": detector,
            "max_size": max_size,
            "listed": len(rows),
        },
    )
    return prepare(builder, overwrite, beam_options)
