"""The input pipeline: a random-access source -> shuffled, per-process batches of examples, with a
position that can be saved in a checkpoint and restored, and bad records skipped and counted.

Order. Record indices are shuffled with `seed` (grain's index shuffle, a new permutation each
epoch) and repeated `num_epochs` times (None: forever): the global stream. Global batch t is
positions t * B .. t * B + B - 1 of it; process p of P takes rows p * B/P .. (p + 1) * B/P - 1,
so the processes' batches t, in process order, are exactly the global batch t of a one-process
run. Records are read and transformed in `num_threads` threads ahead of use, in order.

Bad records. A record whose reading or `transform` raises is skipped: logged with its path
(a record's "path" field, else its index in the source), counted in `stats()`, and replaced by
the next record of the stream, so every batch is full. When a whole epoch's share of records in
a row has failed, the source is checked for any readable record; if it has none, DataError.

Resuming. `get_state()` after batch t is a JSON-serialisable dict; `set_state` on a loader made
with the same source length, seed, shuffle, global batch size and process layout makes its next
batch t + 1, exactly as in the run that saved it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Sequence

import grain

from fyp_jax.data.batching import stack_examples
from fyp_jax.data.codec import as_text
from fyp_jax.errors import DataError

log = logging.getLogger(__name__)

STATE_VERSION = 1
_LOG_EVERY_SKIP_UP_TO = 100
_LOG_SKIPS_EVERY = 1000


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A record that could not be read or transformed: where it is and why."""

    where: str
    reason: str


class Loader:
    """Iterator of batches (dicts of numpy arrays, `global_batch_size // process_count` examples
    each); see the module docstring. Build it with `make_loader`."""

    def __init__(
        self,
        source: Sequence,
        *,
        global_batch_size: int,
        seed: int,
        shuffle: bool,
        process_index: int,
        process_count: int,
        transform: Callable[[dict], dict] | None,
        num_epochs: int | None,
        drop_remainder: bool,
        num_threads: int,
    ):
        if process_count < 1 or not 0 <= process_index < process_count:
            raise DataError(f"process_index {process_index} not in [0, {process_count})")
        if global_batch_size < 1 or global_batch_size % process_count:
            raise DataError(
                f"global_batch_size {global_batch_size} must be a positive multiple of the"
                f" process count {process_count}"
            )
        self._name = _describe(source)
        if len(source) == 0:
            raise DataError(f"{self._name} has no record; build the dataset from non-empty data")
        self._source = source
        self._transform = transform
        self._batch_size = global_batch_size // process_count
        self._drop_remainder = drop_remainder
        self._identity = {
            "length": len(source),
            "seed": seed,
            "shuffle": shuffle,
            "global_batch_size": global_batch_size,
            "process_index": process_index,
            "process_count": process_count,
        }
        self._share = math.ceil(len(source) / process_count)
        stream = grain.MapDataset.range(len(source))
        if shuffle:
            stream = stream.shuffle(seed=seed % 2**32)
        stream = stream.repeat(num_epochs)
        rows = _ProcessRows(global_batch_size, self._batch_size, process_index)
        indices = grain.MapDataset.range(rows.count(len(stream))).map(
            lambda i: stream[rows.position(i)]
        )
        read_options = grain.ReadOptions(
            num_threads=num_threads, prefetch_buffer_size=max(2 * self._batch_size, num_threads)
        )
        self._iterator = iter(indices.map(self._read).to_iter_dataset(read_options))
        self._examples = self._skipped = self._skips_in_a_row = 0
        self._source_checked = False
        self._last_skip: Skipped | None = None

    def __iter__(self) -> Loader:
        return self

    def __next__(self) -> dict:
        batch = []
        while len(batch) < self._batch_size:
            try:
                item = next(self._iterator)
            except StopIteration:
                if self._examples == 0:
                    self._check_source()
                if batch and not self._drop_remainder:
                    break
                raise
            if isinstance(item, Skipped):
                self._skip(item)
                continue
            self._skips_in_a_row = 0
            self._examples += 1
            batch.append(item)
        return stack_examples(batch)

    def stats(self) -> dict[str, int]:
        """Examples delivered and records skipped as bad, since the start of the run."""
        return {"examples": self._examples, "skipped": self._skipped}

    def get_state(self) -> dict:
        """The position after the last batch returned, as a JSON-serialisable dict."""
        return {
            "version": STATE_VERSION,
            "position": self._iterator.get_state(),
            "examples": self._examples,
            "skipped": self._skipped,
            **self._identity,
        }

    def set_state(self, state: dict) -> None:
        """Continue from a position saved by `get_state` of a loader over the same stream."""
        if state.get("version") != STATE_VERSION:
            raise DataError(f"unsupported loader state version {state.get('version')!r}")
        different = {
            key: (state.get(key), value)
            for key, value in self._identity.items()
            if state.get(key) != value
        }
        if different:
            details = ", ".join(f"{k} saved {s!r} now {n!r}" for k, (s, n) in different.items())
            raise DataError(
                f"the saved input position belongs to another data stream ({details}); resume"
                " with the same dataset, seed, batch size and process layout, or start the data"
                " afresh"
            )
        self._iterator.set_state(state["position"])
        self._examples, self._skipped = state["examples"], state["skipped"]
        self._skips_in_a_row = 0

    def _read(self, index: int) -> dict | Skipped:
        """Runs in reader threads: the example at source `index`, or why it is bad."""
        where = f"record {index} of {self._name}"
        try:
            record = self._source[index]
            if isinstance(record, dict) and record.get("path"):
                where = f"{as_text(record['path'])} ({where})"
            return record if self._transform is None else self._transform(record)
        except Exception as error:  # whatever breaks on one record is that record's fault
            return Skipped(where, f"{type(error).__name__}: {error}")

    def _skip(self, item: Skipped) -> None:
        self._skipped += 1
        self._skips_in_a_row += 1
        self._last_skip = item
        if self._skipped <= _LOG_EVERY_SKIP_UP_TO or self._skipped % _LOG_SKIPS_EVERY == 0:
            log.warning(
                "skipped bad %s: %s (%d skipped so far)", item.where, item.reason, self._skipped
            )
        if self._skips_in_a_row >= self._share and not self._source_checked:
            self._check_source()

    def _check_source(self) -> None:
        """DataError unless some record of the source reads and transforms."""
        for index in range(len(self._source)):
            if not isinstance(self._read(index), Skipped):
                self._source_checked = True
                return
        last = self._last_skip
        example = f"; e.g. {last.where}: {last.reason}" if last else ""
        raise DataError(
            f"no valid example in {self._name}: all {len(self._source)} records failed to"
            f" read or transform{example}"
        )


@dataclasses.dataclass(frozen=True)
class _ProcessRows:
    """Which positions of the global stream one process reads: its rows of every global batch."""

    global_batch: int
    local_batch: int
    process_index: int

    def position(self, i: int) -> int:
        """Global stream position of this process's i-th element."""
        step, row = divmod(i, self.local_batch)
        return step * self.global_batch + self.process_index * self.local_batch + row

    def count(self, stream_length: int) -> int:
        """How many elements of a stream of `stream_length` this process reads."""
        steps, rest = divmod(stream_length, self.global_batch)
        first = self.process_index * self.local_batch
        return steps * self.local_batch + min(max(rest - first, 0), self.local_batch)


def _describe(source: Sequence) -> str:
    """How logs and errors name a source: its repr when short (dataset sources say their name and
    split), else its type and length."""
    text = repr(source)
    return text if len(text) <= 120 else f"a {type(source).__name__} of {len(source)} records"


def make_loader(
    source: Sequence,
    *,
    global_batch_size: int,
    seed: int,
    shuffle: bool = True,
    process_index: int = 0,
    process_count: int = 1,
    transform: Callable[[dict], dict] | None = None,
    num_epochs: int | None = None,
    drop_remainder: bool = True,
    num_threads: int = 4,
) -> Loader:
    """Batches of `transform(source[i])` for this process; see the module docstring.

    `source`: any random-access sequence of records (`open_split(...)`, `PoseWorldSource`, a
    list). `num_epochs` None repeats forever; with a finite number the iterator ends after the
    last full batch (or the last partial one when `drop_remainder` is False).
    """
    return Loader(
        source,
        global_batch_size=global_batch_size,
        seed=seed,
        shuffle=shuffle,
        process_index=process_index,
        process_count=process_count,
        transform=transform,
        num_epochs=num_epochs,
        drop_remainder=drop_remainder,
        num_threads=num_threads,
    )
