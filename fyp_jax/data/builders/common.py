"""What every fyp_jax TFDS builder shares: array_record output, a DatasetInfo made without
TensorFlow, bad source files skipped and recorded, and a `prepare` that refuses to overwrite.

The per-item work lives in a `RecordMaker` (picklable: its `setup()` makes what a worker
needs once, a pose detector or a model bundle); `guarded` runs it in this process, or, when
`prepare` is given Beam options, hands it to `beam.examples_transform` to run as Beam `DoFn`s.
Either way an item that fails, or a `Skipped` a maker yields, becomes one entry of the skip log.

TensorFlow is never needed: images are encoded with Pillow before they reach TFDS (features
hold bytes, `tfds.features.Tensor(dtype=object)`), and everything else is a numeric tensor or
text, which TFDS serialises with protobuf alone. The info's metadata holds, per split, the files
that were skipped and why (`metadata["skipped"][split]`), and the build's parameters
(`metadata["build"]`).
"""

import abc
import dataclasses
import json
import logging
import re
import tempfile
from collections.abc import Iterable, Iterator
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


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A source file (or a part of one: a table row, a record) that gave no record, and why."""

    path: str
    reason: str

    @classmethod
    def of(cls, path: str | Path, error: Exception | str) -> "Skipped":
        reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        return cls(str(path), reason)


KeyRecord = tuple[int, dict]


class RecordMaker(abc.ABC):
    """The per-item work of a build. Picklable: Beam ships it to its workers, which call
    `setup()` once each before the first item."""

    def setup(self) -> None:
        """Make what every item needs and cannot be pickled (a detector, a model)."""
        return None

    @abc.abstractmethod
    def describe(self, item: Any) -> str:
        """The item's source file, for the skip log."""

    @abc.abstractmethod
    def __call__(self, item: Any) -> Iterable[KeyRecord | Skipped]:
        """The (key, record) pairs of one item; a `Skipped` for each part that gives none.
        Keys are unique integers in the order of the one-process build."""

    def outputs(self, item: Any) -> list[KeyRecord | Skipped]:
        """All outputs of `item`, or one `Skipped` naming it when making them raises."""
        try:
            return list(self(item))
        except DetectorUnavailableError:
            raise
        except Exception as error:  # one bad source file must not stop the build
            return [Skipped.of(self.describe(item), error)]


class SkipLog:
    """The source files of one split that could not be used, logged as they are found."""

    def __init__(self, split: str):
        self.split = split
        self.entries: list[dict[str, str]] = []

    def add(self, skipped: Skipped) -> None:
        self.entries.append(dataclasses.asdict(skipped))
        log.warning("%s: skipped %s: %s", self.split, skipped.path, skipped.reason)


def no_valid_example(split: str, name: str, entries: list[dict[str, str]]) -> DataError:
    first = entries[0] if entries else None
    return DataError(
        f"no valid example for split {split!r} of {name}: all"
        f" {len(entries)} source items were skipped"
        + (f"; first: {first['path']}: {first['reason']}" if first else "")
    )


class FypBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Base of the fyp_jax builders. Subclasses set `name`, `__doc__`, `SPLITS`, and implement
    `_features`, `_build_parameters` and `_generate_examples(split)`, which makes the examples of
    source items through `guarded`."""

    VERSION = VERSION
    SPLITS: tuple[str, ...] = ("train",)

    def __init__(self, *, data_dir: str | Path, config=None):
        self._skip_logs: dict[str, SkipLog] = {}
        self._on_beam = False  # set by `prepare`
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

    def guarded(self, split: str, items: Iterable[Any], maker: RecordMaker):
        """The (key, record) pairs of every item: a generator here, or on Beam the PTransform
        that makes them on its workers. Skipped items go to the split's skip log. DataError
        when no item gives a record."""
        if self._on_beam:
            from fyp_jax.data.builders.beam import examples_transform

            return examples_transform(list(items), maker, self._skip_file(split))
        return self._generate_here(split, items, maker)

    def _generate_here(
        self, split: str, items: Iterable[Any], maker: RecordMaker
    ) -> Iterator[KeyRecord]:
        maker.setup()
        skips = self.skip_log(split)
        count = 0
        for item in items:
            for output in maker.outputs(item):
                if isinstance(output, Skipped):
                    skips.add(output)
                else:
                    count += 1
                    yield output
        if count == 0:
            raise no_valid_example(split, self.name, skips.entries)

    def _skip_file(self, split: str):
        """Where a Beam build gathers the split's skipped items (inside the folder being built,
        so on a cluster it is on the same shared storage)."""
        return self.data_path / f"{split}.skipped.json"

    def _download_and_prepare(self, dl_manager, download_config=None):
        try:
            super()._download_and_prepare(dl_manager, download_config)
        except Exception as error:
            # TFDS's Beam writer refuses a split without examples (after the pipeline ran).
            empty = re.search(r"for split (\S+)\. This should be >0", str(error))
            if not self._on_beam or empty is None:
                raise
            split = empty.group(1)
            raise no_valid_example(split, self.name, self._read_skip_file(split)) from None
        if self._on_beam:
            for split in self.SPLITS:
                for entry in self._read_skip_file(split):
                    self.skip_log(split).add(Skipped(**entry))
        self.info.metadata["skipped"] = {s: k.entries for s, k in self._skip_logs.items()}
        self.info.metadata["build"] = self._build_parameters()

    def _read_skip_file(self, split: str) -> list[dict[str, str]]:
        path = self._skip_file(split)
        if not path.exists():
            return []
        entries = json.loads(path.read_text())
        path.unlink()
        return entries


def prepare(builder: FypBuilder, overwrite: bool = False, beam_options: str | None = None) -> Path:
    """Build `builder`'s dataset; returns its folder (what `open_split` reads). DataError when
    it exists already and `overwrite` is False. With `beam_options` (Beam pipeline flags, e.g.
    "--runner=DirectRunner --direct_num_workers=2", "" for Beam's defaults) the records are made
    by an Apache Beam pipeline (`pip install 'fyp_jax[beam]'`)."""
    folder = Path(builder.data_dir)
    if (folder / "dataset_info.json").exists() and not overwrite:
        raise DataError(f"{folder} is built already; pass overwrite (--overwrite) to rebuild it")
    config = {}
    if beam_options is not None:
        try:
            from fyp_jax.data.builders.beam import pipeline_options
        except ImportError as error:
            raise DataError(
                f"a Beam build needs apache-beam ({error}): pip install 'fyp_jax[beam]'"
            ) from None
        builder._on_beam = True
        config["beam_options"] = pipeline_options(beam_options)
    # Nothing is downloaded; this mode regenerates the dataset whether or not it exists.
    mode = tfds.download.GenerateMode.REUSE_CACHE_IF_EXISTS
    with tempfile.TemporaryDirectory(prefix="fyp_jax_tfds_") as downloads:
        builder.download_and_prepare(
            download_dir=downloads,
            download_config=tfds.download.DownloadConfig(download_mode=mode, **config),
        )
    skipped = sum(len(v) for v in builder.info.metadata["skipped"].values())
    log.info(
        "built %s: %s; %d source items skipped",
        folder,
        ", ".join(f"{s} {i.num_examples}" for s, i in builder.info.splits.items()),
        skipped,
    )
    return folder
