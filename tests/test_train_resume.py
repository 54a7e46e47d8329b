"""Never losing work: a run SIGKILLed mid-way resumes to the same params as an uninterrupted
run, a half-written checkpoint is never picked up, and a NaN stops the run with a message while
leaving a loadable checkpoint."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import jax
import numpy as np
import pytest
from train_micro import micro_config, start_bundle
from train_processes import finish, load_params, max_abs_diff, run_worker, start_worker

from fyp_jax.errors import TrainingError
from fyp_jax.train.checkpoint import Checkpointer
from fyp_jax.train.data import InMemorySource
from fyp_jax.train.loop import train
from fyp_jax.train.run import build_task, data_source

STEPS = 20


@pytest.fixture(scope="module")
def start_dir(tmp_path_factory):
    return start_bundle(tmp_path_factory.getbasetemp() / "micro_start")


def committed_steps(workdir: Path) -> list[int]:
    folder = workdir / "checkpoints"
    return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit()) if folder.is_dir() else []


@pytest.mark.slow
def test_sigkill_and_resume(start_dir, tmp_path, tmp_path_factory):
    cache = str(tmp_path_factory.getbasetemp() / "xla_cache")

    def spec(name):
        return dict(stage=2, start=start_dir, workdir=str(tmp_path / name), steps=STEPS,
                    overrides={"checkpoint.every": 2, "data.cached": True},
                    out=str(tmp_path / f"{name}.npz"))

    whole = run_worker(spec("whole"), 1, cache)
    killed = spec("killed")
    proc = start_worker(killed, 1, cache)
    while max(committed_steps(Path(killed["workdir"])), default=0) < 6 and proc.poll() is None:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)  # the next async save is typically in flight now
    proc.wait()
    steps = committed_steps(Path(killed["workdir"]))
    assert steps and steps[-1] < STEPS, f"the run was not interrupted (checkpoints {steps})"
    # A half-written checkpoint (what a kill during a save leaves): never restored.
    fake = Path(killed["workdir"]) / "checkpoints" / f"{STEPS - 1}.orbax-checkpoint-tmp-1"
    fake.mkdir()
    (fake / "state").write_text("garbage")
    finish(start_worker(killed, 1, cache))
    err = max_abs_diff(whole, load_params(killed["out"]))
    print(f"killed after checkpoint {steps[-1]}, resumed to {STEPS}: max abs diff {err:.3g}")
    assert err <= 1e-6
    assert not fake.exists()


def test_nan_stops_with_message_and_loadable_checkpoint(start_dir, tmp_path):
    """Batch 3 holds a NaN: its update is skipped on the device, the run stops at the next step
    that fetches metrics (4, a checkpoint step) and saves the good state: checkpoint 3 (updates
    of steps 1, 2 and 4), data position 4, loadable and finite."""
    cfg = micro_config(2, str(tmp_path))
    cfg.init.model = start_dir
    cfg.data.cached = True
    cfg.num_steps = 6
    cfg.data.num_examples = 3 * cfg.batch_size
    cfg.checkpoint.every = 2
    task = build_task(cfg)
    examples = data_source(cfg, task).examples
    examples["latents"][2 * cfg.batch_size + 1, 0, 0, 0, 0] = np.nan
    source = InMemorySource(examples, global_batch_size=cfg.batch_size, shuffle=False)
    with pytest.raises(TrainingError, match=r"non-finite loss \(nan\).* at step 3.* after step 4"
                                            r".* checkpoint 3 "):
        train(cfg, task, source, tmp_path)
    ckpt = Checkpointer(tmp_path / "checkpoints", keep=3)
    assert ckpt.latest_step() == 3
    state, meta = ckpt.restore(3, _target(cfg, task))
    assert int(state.step) == 3 and meta["data"] == [{"position": 4}]
    assert all(np.isfinite(x).all() for x in jax.tree.leaves(jax.device_get(state.trainable)))


def _target(cfg, task):
    """A freshly initialised state laid out as the run's (what a resume restores into)."""
    from fyp_jax.sharding import make_mesh
    from fyp_jax.train.optimizer import make_optimizer
    from fyp_jax.train.state import abstract_state, create_state, host_parts, state_shardings

    optimizer = make_optimizer(cfg.optim, cfg.num_steps)
    trainable, frozen = host_parts(task.params, task.patterns, cfg.model.frozen_dtype)
    shardings = state_shardings(abstract_state(trainable, frozen, optimizer, False),
                                make_mesh(1, 1), (), 2**14)
    return create_state(trainable, frozen, optimizer, seed=0, use_ema=False, shardings=shardings)
