"""Batch jobs: a JSON-lines file of generations run in batches on the mesh, resumable.

One job per line: ``{"prompt": ..., "pose": ..., "seed": ..., "negative_prompt": ..., "name":
...}``; only ``prompt`` is required (``pose`` defaults to the run's pose, ``seed`` to the run's
seed + the line's index, ``name`` to ``<index>_<prompt slug>``). Every job writes
``<out>/<name>.mp4`` and ``.gif``; a job whose two files exist is done and skipped, so a rerun
resumes an interrupted file. Files are written under a temporary name and renamed, so a file that
exists is complete. With several processes every process reads the same file, process 0's view of
what is left is shared, and each process writes the jobs of its share of every batch.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from fyp_jax.errors import ConfigError
from fyp_jax.pipeline.outputs import slug
from fyp_jax.pose.video_writer import write_video

JOB_KEYS = ("prompt", "pose", "seed", "negative_prompt", "name")
SUFFIXES = (".mp4", ".gif")


@dataclasses.dataclass(frozen=True)
class Job:
    index: int
    prompt: str
    pose: str
    seed: int
    negative_prompt: str
    name: str

    def paths(self, out: Path) -> list[Path]:
        return [out / f"{self.name}{s}" for s in SUFFIXES]


def read_jobs(path: str | os.PathLike, *, pose: str, seed: int, negative_prompt: str
              ) -> list[Job]:
    """Parse the jobs file; ConfigError naming the line of any bad entry."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the prompts file {path}: {e}") from e
    jobs, names = [], set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{where}: not JSON ({e.msg})") from e
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: a job is a JSON object such as {{\"prompt\": \"...\"}}")
        unknown = sorted(set(entry) - set(JOB_KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown job keys {unknown}; a job may set "
                              f"{', '.join(JOB_KEYS)} (the rest are flags of the whole run)")
        prompt = entry.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ConfigError(f"{where}: every job needs a non-empty \"prompt\"")
        i = len(jobs)
        job_seed = entry.get("seed", seed + i)
        if not isinstance(job_seed, int) or isinstance(job_seed, bool):
            raise ConfigError(f"{where}: \"seed\" must be an integer")
        name = str(entry.get("name") or f"{i:05d}_{slug(prompt)}")
        if name in names or "/" in name or name.startswith("."):
            raise ConfigError(f"{where}: job name {name!r} is repeated or not a file name")
        names.add(name)
        jobs.append(Job(i, prompt, str(entry.get("pose", pose)), job_seed,
                        str(entry.get("negative_prompt", negative_prompt)), name))
    if not jobs:
        raise ConfigError(f"the prompts file {path} holds no job")
    return jobs


def pending(jobs: Sequence[Job], out: Path) -> list[Job]:
    """Jobs whose outputs are not all there (process 0's view, shared with every process)."""
    from fyp_jax.train.distributed import gather_json

    left = [j.index for j in jobs if not all(p.is_file() for p in j.paths(out))]
    shared = gather_json(left)[0]
    return [jobs[i] for i in shared]


def batches(jobs: Sequence[Job], size: int) -> Iterator[list[Job]]:
    for start in range(0, len(jobs), size):
        yield list(jobs[start:start + size])


def write_job(job: Job, video: np.ndarray, out: Path, fps: float) -> list[Path]:
    """Write a job's files atomically (temporary name, then rename)."""
    paths = []
    for path in job.paths(out):
        tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
        write_video(tmp, video, fps)
        os.replace(tmp, path)
        paths.append(path)
    return paths


def run_jobs(jobs: Sequence[Job], out: Path, batch_size: int,
             sample: Callable[[list[Job]], dict[int, np.ndarray]], fps: float,
             progress: Callable[[int], None] | None = None) -> int:
    """Run every pending job; ``sample(batch) -> {row: video}`` for the rows this process holds.
    A short last batch is padded with its last job (rows dropped), so every batch runs the same
    compiled program. Returns the number of jobs this process wrote."""
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for batch in batches(jobs, batch_size):
        full = batch + [batch[-1]] * (batch_size - len(batch))
        for row, video in sample(full).items():
            if row < len(batch):
                write_job(batch[row], video, out, fps)
                written += 1
        if progress is not None:
            progress(len(batch))
    return written
