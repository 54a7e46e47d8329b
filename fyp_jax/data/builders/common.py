"""What every fyp_jax TFDS builder shares: array_record output, a DatasetInfo made without
TensorFlow, bad source files skipped and recorded, and a `prepare` that refuses to overwrite.

TensorFlow is never needed: images are encoded with Pillow before they reach TFDS (features
hold bytes, `tfds.features.Tensor(dtype=object)`), and everything else is a numeric tensor or
text, which TFDS serialises with protobuf alone. The info's metadata holds, per split, the files
that were skipped and why (`metadata["skipped"][split]`), and the build's parameters
(`metadata["build"]`).
"""

import abc
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow_datasets as tfds

from fyp_jax.errors import DataError
from fyp_jax.pose.extract import DetectorUnavailableError

log = logging.getLogger("fyp_jax.data")

VERSION = tfds.core.Version("1.0.0")


def encoded_image() -> tfds.features.Tensor:
    """Feature for one encoded image (bytes)."""
    return tfds.features.Tensor(shape=(), dtype=np.object_)


def encoded_frames() -> tfds.features.Tensor:
    """Feature for a clip's frames, one encoded image (bytes) each."""
    return tfds.features.Tensor(shape=(None,), dtype=np.object_)


def float_tensor(*shape: int | None) -> tfds.features.Tensor:
    """float32 feature; with more than one unknown dimension TFDS stores the array's raw bytes."""
    ragged = sum(d is None for d in shape) > 1
    return tfds.features.Tensor(
        shape=shape, dtype=np.float32, encoding="bytes" if ragged else "none"
    )


class SkipLog:
    """The source files of one split that could not be used, logged as they are found."""

    def __init__(self, split: str):
        self.split = split
        self.entries: list[dict[str, str]] = []

    def add(self, path: str | Path, error: Exception | str) -> None:
        reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self.entries.append({"path": str(path), "reason": reason})
        log.warning("%s: skipped %s: %s", self.split, path, reason)


class FypBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Base of the fyp_jax builders. Subclasses set `name`, `__doc__`, `SPLITS`, and implement
    `_features`, `_build_parameters` and `_generate_examples(split)`, which makes the examples of
    source files through `guarded`."""

    VERSION = VERSION
    SPLITS: tuple[str, ...] = ("train",)

    def __init__(self, *, data_dir: str | Path, config=None):
        self._skip_logs: dict[str, SkipLog] = {}
        super().__init__(data_dir=str(data_dir), config=config, file_format="array_record")

    @abc.abstractmethod
    def _features(self) -> tfds.features.FeaturesDict:
        """The features of a record."""

    @abc.abstractmethod
    def _build_parameters(self) -> dict:
        """What the dataset was built from, JSON-serialisable, kept in the metadata."""

    def _split_generators(self, dl_manager):
        return {split: self._generate_examples(split) for split in self.SPLITS}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=self._features(),
            metadata=tfds.core.MetadataDict(),
            disable_shuffling=True,  # records keep the order they were made in
        )

    def skip_log(self, split: str) -> SkipLog:
        return self._skip_logs.setdefault(split, SkipLog(split))

    def guarded(
        self,
        split: str,
        items: Iterable[Any],
        make: Callable[[Any], Iterable[tuple[str, dict]]],
        describe: Callable[[Any], str],
    ) -> Iterator[tuple[str, dict]]:
        """(key, record) pairs of `make(item)`, an iterator of pairs per item; an item whose
        `make` raises is skipped and logged under `describe(item)`. DataError when no item gives
        a record."""
        skips = self.skip_log(split)
        count = 0
        for item in items:
            try:
                pairs = list(make(item))
            except DetectorUnavailableError:
                raise
            except Exception as error:  # one bad source file must not stop the build
                skips.add(describe(item), error)
                continue
            count += len(pairs)
            yield from pairs
        if count == 0:
            first = skips.entries[0] if skips.entries else None
            raise DataError(
                f"no valid example for split {split!r} of {self.name}: all"
                f" {len(skips.entries)} source items were skipped"
                + (f"; first: {first['path']}: {first['reason']}" if first else "")
            )

    def _download_and_prepare(self, dl_manager, download_config=None):
        super()._download_and_prepare(dl_manager, download_config)
        self.info.metadata["skipped"] = {s: k.entries for s, k in self._skip_logs.items()}
        self.info.metadata["build"] = self._build_parameters()


def prepare(builder: FypBuilder, overwrite: bool = False) -> Path:
    """Build `builder`'s dataset; returns its folder (what `open_split` reads). DataError when
    it exists already and `overwrite` is False."""
    folder = Path(builder.data_dir)
    if (folder / "dataset_info.json").exists() and not overwrite:
        raise DataError(f"{folder} is built already; pass overwrite (--overwrite) to rebuild it")
    # Nothing is downloaded; this mode regenerates the dataset whether or not it exists.
    mode = tfds.download.GenerateMode.REUSE_CACHE_IF_EXISTS
    with tempfile.TemporaryDirectory(prefix="fyp_jax_tfds_") as downloads:
        builder.download_and_prepare(
            download_dir=downloads,
            download_config=tfds.download.DownloadConfig(download_mode=mode),
        )
    skipped = sum(len(v) for v in builder.info.metadata["skipped"].values())
    log.info(
        "built %s: %s; %d source items skipped",
        folder,
        ", ".join(f"{s} {i.num_examples}" for s, i in builder.info.splits.items()),
        skipped,
    )
    return folder
