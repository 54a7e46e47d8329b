"""Interrupts never lose work, tested with real signals on micro training runs in subprocesses:
Ctrl-C / SIGTERM finish the step, checkpoint it and exit 130 / 143; the rerun resumes there
and ends with the params of an uninterrupted run; a second Ctrl-C aborts at once without
harming the last checkpoint; a signal during compilation exits cleanly."""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from train_micro import start_bundle
from train_processes import load_params, max_abs_diff, start_worker

from fyp_jax.train.checkpoint import Checkpointer
from fyp_jax.train.interrupts import StopOnSignal

STEPS = 60


@pytest.fixture(scope="module")
def start_dir(tmp_path_factory):
    return start_bundle(tmp_path_factory.getbasetemp() / "micro_start")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.getbasetemp() / "xla_cache")


class Run:
    """A worker process whose output is read as it comes; `step` is the progress bar's count."""

    def __init__(self, spec: dict, cache: str, **env: str):
        self.proc = start_worker(spec, 1, cache, **env)
        self.output, self.step = "", -1
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while chunk := self.proc.stdout.read(1):
            self.output += chunk
            counts = re.findall(rf"(\d+)/{STEPS} \[", self.output[-200:])
            if counts:
                self.step = int(counts[-1])

    def wait_for_step(self, step: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.step < step and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        assert self.proc.poll() is None, f"the run ended before step {step}:\n{self.output[-3000:]}"

    def finish(self, timeout: float = 300) -> int:
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return code


def spec(start_dir: str, folder: Path, name: str) -> dict:
    return dict(stage=2, start=start_dir, workdir=str(folder / name), steps=STEPS,
                overrides={"checkpoint.every": 25, "data.cached": True, "log.progress": True},
                out=str(folder / f"{name}.npz"))


def assert_clean(run: Run) -> None:
    assert "Traceback" not in run.output and "Segmentation fault" not in run.output, run.output


def interrupt_and_resume(start_dir, cache, folder, name, sig, at_step):
    run = Run(spec(start_dir, folder, name), cache)
    run.wait_for_step(at_step)
    run.proc.send_signal(sig)
    code = run.finish()
    assert code == 128 + sig, run.output[-3000:]
    assert_clean(run)
    saved = re.search(rf"{signal.Signals(sig).name} at step (\d+): saved checkpoint \1 in (\S+);",
                      run.output)
    assert saved, run.output[-3000:]
    step = int(saved.group(1))
    assert at_step <= step < STEPS
    assert Checkpointer(saved.group(2), keep=3).latest_step() == step
    resumed = Run(spec(start_dir, folder, name), cache)
    assert resumed.finish() == 0, resumed.output[-3000:]
    assert f"resumed from step {step} (checkpoint {saved.group(2)}/{step})" in resumed.output
    return step, load_params(folder / f"{name}.npz")


@pytest.mark.slow
def test_ctrl_c_at_random_steps_resumes_to_the_uninterrupted_params(start_dir, cache, tmp_path):
    whole = Run(spec(start_dir, tmp_path, "whole"), cache)
    assert whole.finish() == 0, whole.output[-3000:]
    reference = load_params(tmp_path / "whole.npz")
    rng = random.Random(0)
    for i in range(5):
        step, params = interrupt_and_resume(start_dir, cache, tmp_path, f"run{i}", signal.SIGINT,
                                            rng.randrange(2, STEPS - 5))
        err = max_abs_diff(reference, params)
        print(f"Ctrl-C #{i}: checkpoint at step {step}, resumed to {STEPS}: max abs diff {err:.3g}")
        assert err <= 1e-6


@pytest.mark.slow
def test_sigterm_checkpoints_and_exits_143(start_dir, cache, tmp_path):
    _, params = interrupt_and_resume(start_dir, cache, tmp_path, "term", signal.SIGTERM, 10)
    assert params


@pytest.mark.slow
def test_second_ctrl_c_aborts_at_once_and_keeps_the_last_checkpoint(start_dir, cache, tmp_path):
    run = Run(spec(start_dir, tmp_path, "twice"), cache)
    run.wait_for_step(30)  # checkpoint 25 is complete (or being written: then it is kept whole)
    run.proc.send_signal(signal.SIGINT)
    while "finishing this step" not in run.output and run.proc.poll() is None:
        time.sleep(0.001)
    run.proc.send_signal(signal.SIGINT)  # while the step ends or its checkpoint is written
    assert run.finish() == 130
    assert_clean(run)
    assert "second SIGINT: aborting at once" in run.output
    resumed = Run(spec(start_dir, tmp_path, "twice"), cache)
    assert resumed.finish() == 0, resumed.output[-3000:]
    assert re.search(r"resumed from step (25|[3-5]\d) ", resumed.output), resumed.output[-2000:]


@pytest.mark.slow
def test_signal_during_compilation_exits_cleanly(start_dir, cache, tmp_path):
    run = Run(spec(start_dir, tmp_path / "fresh_cache", "compiling"), str(tmp_path / "c"))
    run.wait_for_step(0)  # the bar is up: the first step is being compiled
    run.proc.send_signal(signal.SIGINT)
    assert run.finish() == 130
    assert_clean(run)
    assert "SIGINT before the first step completed: nothing new to save" in run.output


@pytest.mark.slow
def test_sigterm_to_one_process_stops_every_process_at_the_same_step(start_dir, cache, tmp_path):
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    job = spec(start_dir, tmp_path, "pair")
    runs = [Run(job, cache, JAX_COORDINATOR_ADDRESS=f"localhost:{port}", JAX_NUM_PROCESSES="2",
                JAX_PROCESS_ID=str(i)) for i in range(2)]
    runs[0].wait_for_step(5)  # process 0 shows the progress bar
    runs[1].proc.send_signal(signal.SIGTERM)  # only the second process is preempted
    codes = [run.finish() for run in runs]
    steps = set()
    for run in runs:
        assert_clean(run)
        steps.update(re.findall(r"SIGTERM at step (\d+): saved checkpoint", run.output))
    assert codes == [143, 143] and len(steps) == 1, [r.output[-2000:] for r in runs]
    assert Checkpointer(Path(job["workdir"]) / "checkpoints", keep=3).latest_step() == int(*steps)


def test_signal_only_requests_a_stop_once_a_step_is_done():
    with StopOnSignal() as stop:
        assert stop.should_stop() is False  # a step completed: work is at risk from now on
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)  # the handler runs between bytecodes
        assert stop.should_stop() is True and stop.signum == signal.SIGTERM
        error = stop.interrupted(7, "/runs/x/checkpoints")
        assert error.exit_code == 143 and "SIGTERM at step 7: saved checkpoint 7" in str(error)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
