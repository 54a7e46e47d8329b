"""Interleaved timing of two implementations ("ours" and "ref"), each in its own worker process.

The driver starts one worker per side; a worker builds its function (reporting compile time),
warms it up, then times one call per "run" request. The driver alternates the requests, so both
sides share the same background load (this machine's cores are shared), and each worker reads
its own peak RSS, so that figure is one side on one case and nothing else. Each run also reports
the worker's CPU time (user + sys of all its threads): CPU time / wall time is how many cores the
side kept busy.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

_TAG = "@bench "  # prefix of protocol lines on a worker's stdout; everything else is passed on


@dataclasses.dataclass
class Side:
    """What one worker measured."""

    info: dict
    times: list[float] = dataclasses.field(default_factory=list)
    cpu_times: list[float] = dataclasses.field(default_factory=list)
    peak_rss: int = 0

    def summary(self, gflop: float) -> str:
        t = sorted(self.times)
        med = statistics.median(t)
        compile_s = self.info.get("compile_s")
        compiled = f"compile {compile_s:.1f} s, " if compile_s is not None else ""
        return (f"{compiled}setup {self.info['setup_s']:.1f} s, runs min/median/max "
                f"{t[0]:.3f}/{med:.3f}/{t[-1]:.3f} s, {gflop / med:.1f} GFLOP/s (median), "
                f"{gflop / t[0]:.1f} (min), {self.cores():.2f} cores (CPU / wall), peak RSS "
                f"{self.peak_rss / 2**30:.2f} GiB")

    def cores(self) -> float:
        """User + sys CPU seconds per wall second over all timed runs."""
        return sum(self.cpu_times) / sum(self.times)


def serve(setup: Callable[[], tuple[Callable[[], object], dict]]) -> None:
    """Worker main loop: ``setup()`` returns (one timed call, info); then answer requests."""

    def reply(**msg) -> None:
        print(_TAG + json.dumps(msg), flush=True)

    t0 = time.perf_counter()
    call, info = setup()
    _release_free_heap()
    call()  # warm-up
    reply(setup_s=time.perf_counter() - t0, **info)
    for line in sys.stdin:
        if line.strip() == "run":
            t0, c0 = time.perf_counter(), time.process_time()
            call()
            reply(seconds=time.perf_counter() - t0, cpu_seconds=time.process_time() - c0)
        else:
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            reply(peak_rss=peak_kib * 1024)
            return


def _release_free_heap() -> None:
    """Hand glibc's free heap back to the OS: compilation frees about 1 GiB that malloc would
    otherwise keep mapped, counted in the RSS of the runs that follow."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc
        pass


class Worker:
    def __init__(self, argv: Sequence[str]):
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, bufsize=1)

    def receive(self) -> dict:
        """The next protocol message; the worker's other output is echoed."""
        for line in self._proc.stdout:
            if line.startswith(_TAG):
                return json.loads(line[len(_TAG):])
            print(line, end="", flush=True)
        raise RuntimeError(f"worker {self._proc.args} exited with code {self._proc.wait()}")

    def request(self, command: str) -> dict:
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self.receive()

    def close(self) -> int:
        peak = self.request("stop")["peak_rss"]
        self._proc.wait()
        return peak


def measure(argvs: dict[str, Sequence[str]], repeats: int) -> dict[str, Side]:
    """Start the workers one after another (so compilation is not disturbed), then alternate
    ``repeats`` timed runs between them."""
    workers, sides = {}, {}
    for name, argv in argvs.items():
        workers[name] = Worker(argv)
        sides[name] = Side(info=workers[name].receive())
    for _ in range(repeats):
        for name, w in workers.items():
            reply = w.request("run")
            sides[name].times.append(reply["seconds"])
            sides[name].cpu_times.append(reply["cpu_seconds"])
    for name, w in workers.items():
        sides[name].peak_rss = w.close()
    return sides
