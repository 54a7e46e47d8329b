"""A build's per-item work as Apache Beam `DoFn`s, the TFDS way to run a `GeneratorBasedBuilder`
on many workers: DirectRunner processes on one machine, Dataflow, Flink or Spark unchanged.

`_generate_examples` returns `examples_transform(...)` instead of a generator; TFDS applies it
to its pipeline and writes the records with its Beam writer (keys sorted, so records keep the
one-process order). Each worker calls its `RecordMaker`'s `setup()` once (a pose detector, a
model bundle), then makes the records of the items it is given. An item whose maker raises,
and every `Skipped` a maker yields, go to a side output that one step gathers, sorted by path,
into a JSON file that the builder reads back into `metadata["skipped"]` after the pipeline ran;
the Beam counters `fyp_jax:records` and `fyp_jax:skipped` count the same.
"""

import dataclasses
import json
import os
import shlex
from typing import Any

# gRPC's fork handlers abort the child of a fork() made while its threads run ("Mutex::Fer with
# pending CondVar queueing"), so ffmpeg, started with a preexec_fn (fork, not vfork), fails to
# start in Beam workers about one time in ten. Worker processes inherit this setting.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import apache_beam as beam  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402
from etils import epath  # noqa: E402

from fyp_jax.data.builders.common import RecordMaker, Skipped  # noqa: E402
from fyp_jax.errors import DataError  # noqa: E402

SKIPPED = "skipped"


def pipeline_options(flags: str) -> PipelineOptions:
    """Beam pipeline options from command-line flags ("--runner=DirectRunner ...")."""
    try:
        options = PipelineOptions(shlex.split(flags))
        options.get_all_options(retain_unknown_options=False)  # rejects malformed flags
    except (ValueError, SystemExit) as error:
        raise DataError(f"cannot read the Beam options {flags!r}: {error}") from None
    return options


class MakeRecords(beam.DoFn):
    """The records of each item (main output) and its skipped parts (`SKIPPED` output)."""

    def __init__(self, maker: RecordMaker):
        self._maker = maker
        self._records = beam.metrics.Metrics.counter("fyp_jax", "records")
        self._skipped = beam.metrics.Metrics.counter("fyp_jax", "skipped")

    def setup(self) -> None:
        self._maker.setup()

    def process(self, item: Any):
        for output in self._maker.outputs(item):
            if isinstance(output, Skipped):
                self._skipped.inc()
                yield beam.pvalue.TaggedOutput(SKIPPED, dataclasses.asdict(output))
            else:
                self._records.inc()
                yield output


def _write_sorted(entries: list[dict[str, str]], path: str) -> None:
    epath.Path(path).write_text(json.dumps(sorted(entries, key=lambda e: (e["path"], e["reason"]))))


def examples_transform(items: list, maker: RecordMaker, skip_file: epath.Path) -> beam.PTransform:
    """The PTransform (pipeline -> (key, record) pairs) that makes the records of `items` on
    the workers, and writes the skipped ones to `skip_file`."""

    @beam.ptransform_fn
    def make_examples(pipeline):
        outputs = (
            pipeline
            | "Items" >> beam.Create(items, reshuffle=False)
            | "Spread" >> beam.Reshuffle()  # items go to every worker, not the first one only
            | "Make" >> beam.ParDo(MakeRecords(maker)).with_outputs(SKIPPED, main="records")
        )
        _ = (
            outputs[SKIPPED]
            | "GatherSkipped" >> beam.combiners.ToList()
            | "WriteSkipped" >> beam.Map(_write_sorted, path=str(skip_file))
        )
        return outputs.records

    return make_examples()
