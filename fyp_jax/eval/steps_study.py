"""Quality against sampling cost on the PoseWorld evaluation: which step count (and which
DeepCache interval) is enough.

Every setting (sampler, spacing, steps, cache interval) generates the same evaluation clips with
the same seeds; each metric is reported as its mean over clips x seeds with a 95 % bootstrap
interval. The reference is DDIM at the most steps; :func:`fewest_enough` picks, per sampler, the
fewest steps whose means all lie inside the reference's intervals.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

from fyp_jax.bundle import ModelBundle
from fyp_jax.errors import ConfigError
from fyp_jax.eval.intervals import bootstrap_mean
from fyp_jax.eval.poseworld import METRICS, evaluate_poseworld
from fyp_jax.pipeline import SamplingOptions


@dataclasses.dataclass(frozen=True)
class Sampler:
    """A scheduler name and an optional timestep spacing, spelled ``name[:spacing]``."""

    name: str
    spacing: str | None = None

    @classmethod
    def parse(cls, text: str) -> Sampler:
        name, _, spacing = text.partition(":")
        sampler = cls(name, spacing or None)
        SamplingOptions(scheduler=sampler.name, timestep_spacing=sampler.spacing).check()
        return sampler

    def __str__(self) -> str:
        return self.name + (f":{self.spacing}" if self.spacing else "")


def steps_study(bundle: ModelBundle, samplers: Sequence[Sampler], steps: Sequence[int],
                seeds: Sequence[int], *, cache_intervals: Sequence[int] = (1,),
                num_examples: int = 14, frames: int = 8, size: int = 64, guidance: float = 7.5,
                log: Callable[[str], None] = print) -> list[dict]:
    """One row per (sampler, steps, cache interval): ``{metric: [mean, low, high]}``, clip
    count, seconds (of generation and scoring, compilation included)."""
    if not samplers or not steps or not seeds or not cache_intervals:
        raise ConfigError("the study needs at least one sampler, step count, cache interval and "
                          "seed")
    rows = []
    for sampler in samplers:
        for n in steps:
            for interval in cache_intervals:
                per_clip, t0 = [], time.perf_counter()
                for seed in seeds:
                    options = SamplingOptions(num_steps=n, guidance_scale=guidance, seed=seed,
                                              scheduler=sampler.name,
                                              timestep_spacing=sampler.spacing,
                                              cache_interval=interval)
                    per_clip += evaluate_poseworld(bundle, num_examples=num_examples,
                                                   frames=frames, size=size,
                                                   options=options)["per_clip"]
                row = dict(sampler=str(sampler), steps=n, cache_interval=interval,
                           clips=len(per_clip), seconds=time.perf_counter() - t0,
                           **{m: list(bootstrap_mean([c[m] for c in per_clip]))
                              for m in METRICS})
                log(format_row(row))
                rows.append(row)
    return rows


HEADER = "| sampler | steps | cache interval | " + " | ".join(METRICS) + " | seconds |"


def format_row(row: dict) -> str:
    cells = [row["sampler"], str(row["steps"]), str(row.get("cache_interval", 1))]
    cells += [f"{row[m][0]:.3f} [{row[m][1]:.3f}, {row[m][2]:.3f}]" for m in METRICS]
    return "| " + " | ".join(cells + [f"{row['seconds']:.0f}"]) + " |"


def table(rows: Sequence[dict]) -> str:
    return "\n".join([HEADER, "|" + "---|" * (len(METRICS) + 4)] + [format_row(r) for r in rows])


def fewest_enough(rows: Sequence[dict], reference: dict) -> dict[str, int | None]:
    """Per sampler, the fewest steps whose every metric mean lies inside ``reference``'s
    interval (None when no step count does)."""
    out: dict[str, int | None] = {}
    for row in sorted(rows, key=lambda r: r["steps"]):
        if row.get("cache_interval", 1) != 1:
            continue
        out.setdefault(row["sampler"], None)
        inside = all(reference[m][1] <= row[m][0] <= reference[m][2] for m in METRICS)
        if inside and out[row["sampler"]] is None:
            out[row["sampler"]] = row["steps"]
    return out
