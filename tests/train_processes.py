"""Starting tests/train_worker.py with a device count and a process group of our choosing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

WORKER = Path(__file__).resolve().parent / "train_worker.py"


def worker_env(devices: int, cache_dir: str, **extra: str) -> dict[str, str]:
    """The flag must be set before jax is imported, hence a fresh process."""
    env = dict(os.environ, JAX_PLATFORMS="cpu",
               XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
               JAX_COMPILATION_CACHE_DIR=cache_dir,
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
    env.update(extra)
    return env


def start_worker(spec: dict, devices: int, cache_dir: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), json.dumps(spec)],
                            env=worker_env(devices, cache_dir, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, timeout: float = 600) -> None:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out[-4000:]


def run_worker(spec: dict, devices: int, cache_dir: str) -> dict[str, np.ndarray]:
    finish(start_worker(spec, devices, cache_dir))
    return load_params(spec["out"])


def run_multi_process(spec: dict, processes: int, devices_each: int, cache_dir: str) -> None:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    procs = [start_worker(spec, devices_each, cache_dir,
                          JAX_COORDINATOR_ADDRESS=f"localhost:{port}",
                          JAX_NUM_PROCESSES=str(processes), JAX_PROCESS_ID=str(i))
             for i in range(processes)]
    for p in procs:
        finish(p)


def load_params(path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return dict(z)


def max_abs_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    assert a.keys() == b.keys()
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)
