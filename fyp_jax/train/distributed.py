"""Several processes (hosts) in one run, and moving small things between them.

A run is multi-process when ``JAX_COORDINATOR_ADDRESS`` is set (with ``JAX_NUM_PROCESSES`` and
``JAX_PROCESS_ID``; e.g. several processes on one machine) or when ``config.distributed`` is
true (cluster auto-detection: Cloud TPU pods, SLURM, Open MPI, Kubernetes). Single-process runs
skip all of it.
"""

from __future__ import annotations

import json
import os
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils


def initialize(force: bool = False) -> None:
    """Join the other processes of this run (a no-op for a single process)."""
    address = os.environ.get("JAX_COORDINATOR_ADDRESS")
    if address:
        jax.distributed.initialize(
            coordinator_address=address,
            num_processes=int(os.environ["JAX_NUM_PROCESSES"]),
            process_id=int(os.environ["JAX_PROCESS_ID"]))
    elif force:
        jax.distributed.initialize()


def is_primary() -> bool:
    return jax.process_index() == 0


def gather_json(value: Any) -> list[Any]:
    """Every process's JSON-serialisable ``value``, in process order, on every process."""
    if jax.process_count() == 1:
        return [value]
    data = np.frombuffer(json.dumps(value).encode(), np.uint8)
    longest = int(np.max(multihost_utils.process_allgather(np.int32(len(data)))))
    padded = np.zeros(longest, np.uint8)
    padded[:len(data)] = data
    rows = multihost_utils.process_allgather(padded)
    return [json.loads(bytes(row).rstrip(b"\0")) for row in rows]


def to_host(tree: Any) -> Any:
    """Global arrays -> full numpy arrays on every process."""
    if jax.process_count() == 1:
        return jax.device_get(tree)
    return multihost_utils.process_allgather(tree, tiled=True)


def sync(name: str) -> None:
    """Wait until every process gets here."""
    if jax.process_count() > 1:
        multihost_utils.sync_global_devices(name)
