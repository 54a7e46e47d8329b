"""One micro training run in its own process, for the tests of devices, processes and kills.

    python tests/train_worker.py '{"stage": 2, "start": DIR, "workdir": DIR, "steps": 5,
                                   "overrides": {"mesh.fsdp": 4}, "out": "params.npz"}'

The device count comes from XLA_FLAGS and the process group from JAX_COORDINATOR_ADDRESS /
JAX_NUM_PROCESSES / JAX_PROCESS_ID, all set by the caller. Writes the final trainable params
(process 0) to ``out`` and, per process, the example indices it read to ``out.reads<p>.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]


class RecordingSource:
    """Delegates to an InMemorySource and remembers which examples this process read."""

    def __init__(self, source):
        self.source, self.reads = source, []

    def __next__(self):
        self.reads.append(self.source.indices(self.source.position).tolist())
        return next(self.source)

    def get_state(self):
        return self.source.get_state()

    def set_state(self, state):
        self.source.set_state(state)


def main(spec: dict) -> None:
    import jax
    import numpy as np
    from flax import traverse_util
    from train_micro import micro_config

    from fyp_jax.train import distributed
    from fyp_jax.train.loop import train
    from fyp_jax.train.run import build_task, data_source

    distributed.initialize()
    cfg = micro_config(spec["stage"], spec["workdir"])
    cfg.init.model = spec["start"]
    cfg.num_steps = spec["steps"]
    for key, value in spec.get("overrides", {}).items():
        cfg.update_from_flattened_dict({key: value})
    task = build_task(cfg)
    source = RecordingSource(data_source(cfg, task))
    state = train(cfg, task, source, cfg.workdir)
    params = distributed.to_host(state.trainable)
    out = Path(spec["out"])
    if jax.process_index() == 0:
        np.savez(out, **traverse_util.flatten_dict(jax.device_get(params), sep="/"))
    Path(f"{out}.reads{jax.process_index()}.json").write_text(json.dumps(source.reads))


if __name__ == "__main__":
    from fyp_jax.cli_errors import exit_on_user_error

    exit_on_user_error(main, json.loads(sys.argv[1]))
