"""Ctrl-C and SIGTERM (what cloud TPU/GPU preemption sends) during training: finish the step,
checkpoint, exit 130 / 143.

While `StopOnSignal` is active, SIGINT and SIGTERM only set a flag; the training loop looks at
it after each step (`should_stop`), saves, and raises `Interrupted`. Nothing raises inside JAX
(a KeyboardInterrupt raised in one of JAX's callbacks during compilation used to crash the
process or be swallowed). Two cases end the process at once with `os._exit`, which is safe
because orbax writes a checkpoint into a temporary folder and renames it only when complete:
- a signal before the first step of this run completed (e.g. during compilation): there is
  nothing new to save;
- a second signal while the first is being handled: the user wants out now; the last complete
  checkpoint stays as it was.
Several processes agree on the step to stop at: each step, every process learns whether any of
them was signalled (one tiny all-gather), as orbax's preemption sync does.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

import numpy as np

from fyp_jax.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopOnSignal:
    """Context manager: SIGINT / SIGTERM request a stop instead of raising. `last_checkpoint`
    (a description) is named when the process has to exit at once."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.work_at_risk = False       # set once a step of this run has completed
        self.last_checkpoint = "none"
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.signum is not None:
            self._exit_now(signum, f"second {name}: aborting at once; the last complete "
                                   f"checkpoint ({self.last_checkpoint}) is untouched")
        if not self.work_at_risk:
            self._exit_now(signum, f"{name} before the first step completed: nothing new to "
                                   f"save; exiting (last checkpoint: {self.last_checkpoint})")
        self.signum = signum
        print(f"\n{name}: finishing this step, then saving a checkpoint (again to abort at once)",
              file=sys.stderr, flush=True)

    @staticmethod
    def _exit_now(signum: int, message: str) -> None:
        print(f"\n{message}", file=sys.stderr, flush=True)
        os._exit(128 + signum)

    def should_stop(self) -> bool:
        """Whether to stop after the step that just completed, agreed by every process."""
        self.work_at_risk = True
        import jax

        if jax.process_count() == 1:
            return self.signum is not None
        from jax.experimental import multihost_utils

        flags = multihost_utils.process_allgather(np.int32(self.signum or 0))
        if self.signum is None and np.any(flags):
            self.signum = int(np.max(flags))
        return self.signum is not None

    def interrupted(self, step: int, where: str) -> Interrupted:
        """The exception that ends the run after the checkpoint of `step` is written."""
        name = signal.Signals(self.signum).name
        return Interrupted(f"{name} at step {step}: saved checkpoint {step} in {where}; rerun the "
                           "same command to resume", exit_code=128 + self.signum)
