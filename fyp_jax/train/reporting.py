"""Progress bar (loss, lr, steps/s) and TensorBoard scalars, written by the first process only.

Scalars every ``every`` steps: each metric of the step (loss, lr, grad_norm, loss terms), and
the throughput since the last write: steps_per_s, examples_per_s and tflops_per_device (the
analytic FLOP count of the task divided by the measured time and the number of devices). The
first step after a (re)start is left out of the throughput: it includes compilation.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

import jax
import numpy as np


class Reporter:
    def __init__(self, logdir: str | os.PathLike, *, start_step: int, total_steps: int,
                 every: int, global_batch_size: int, flops_per_step: int, tensorboard: bool = True,
                 progress: bool = True):
        self.enabled = jax.process_index() == 0
        self.every, self.batch, self.flops = every, global_batch_size, flops_per_step
        self.devices = jax.device_count()
        self.writer = self.bar = None
        self.mark: tuple[int, float] | None = None  # (step, time) where throughput counting began
        self.steps_per_s = 0.0
        if not self.enabled:
            return
        if tensorboard:
            from tensorboardX import SummaryWriter

            self.writer = SummaryWriter(str(logdir))
        if progress:
            from tqdm import tqdm

            self.bar = tqdm(total=total_steps, initial=start_step, unit="step", dynamic_ncols=True)

    def throughput(self, step: int) -> dict[str, float]:
        """steps/s, examples/s and TFLOP/s per device since the last call (empty at first)."""
        now = time.perf_counter()
        if self.mark is None or step <= self.mark[0]:
            self.mark = (step, now)
            return {}
        rate = (step - self.mark[0]) / (now - self.mark[1])
        self.mark = (step, now)
        self.steps_per_s = rate
        return dict(steps_per_s=rate, examples_per_s=rate * self.batch,
                    tflops_per_device=rate * self.flops / self.devices / 1e12)

    def logs_at(self, step: int) -> bool:
        """Whether step ``step`` writes scalars (so its metrics must be fetched)."""
        return step == 1 or step % self.every == 0

    def log(self, step: int, metrics: Mapping[str, np.ndarray] | None) -> None:
        """After optimizer step ``step`` (1-based) with its metrics (host values), or None
        between the steps whose metrics the loop fetches (the bar only advances)."""
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
        if metrics is None:
            return
        scalars = {k: float(v) for k, v in metrics.items() if k != "finite"}
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{scalars['loss']:.4f}", lr=f"{scalars['lr']:.2e}",
                                 steps_s=f"{self.steps_per_s:.2f}", refresh=False)
        if not self.logs_at(step):
            return
        scalars.update(self.throughput(step))
        if self.writer is not None:
            for name, value in scalars.items():
                self.writer.add_scalar(f"train/{name}", value, step)
            self.writer.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.writer is not None:
            self.writer.close()
