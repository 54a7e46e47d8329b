"""The training loop: place the state, resume, step, log, checkpoint, validate, stop on NaN."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax
import numpy as np

from fyp_jax.errors import ConfigError, TrainingError
from fyp_jax.sharding import global_batch, make_mesh
from fyp_jax.train import distributed
from fyp_jax.train.checkpoint import Checkpointer
from fyp_jax.train.data import DataSource
from fyp_jax.train.interrupts import StopOnSignal
from fyp_jax.train.optimizer import make_optimizer
from fyp_jax.train.reporting import Reporter
from fyp_jax.train.state import (
    TrainState,
    abstract_state,
    create_state,
    host_parts,
    state_shardings,
)
from fyp_jax.train.step import jit_step, make_train_step
from fyp_jax.train.task import Task, export_bundle
from fyp_jax.train.validation import validation_videos


def check_batch(cfg: Any, devices: int) -> None:
    per_step = cfg.accum_steps * devices
    if cfg.batch_size % per_step or cfg.batch_size % jax.process_count():
        raise ConfigError(
            f"batch_size={cfg.batch_size} must be a multiple of accum_steps x devices = "
            f"{cfg.accum_steps} x {devices} (each micro-batch is split over all devices)")


def trained_params(cfg: Any, state: TrainState) -> Any:
    """The params to export or sample with: the EMA when kept and ``optim.export_ema``."""
    return state.ema if state.ema is not None and cfg.optim.export_ema else state.trainable


def _meta(cfg: Any, data_state: dict) -> dict:
    return {"data": distributed.gather_json(data_state), "global_batch_size": cfg.batch_size}


def _resume(ckpt: Checkpointer, state: TrainState, source: DataSource, cfg: Any) -> TrainState:
    step = ckpt.latest_step()
    if step is None:
        return state
    fresh = state.opt_state.hyperparams
    state, meta = ckpt.restore(step, state)
    # The config's optimizer hyper-parameters win over the checkpoint's (a changed lr applies).
    state = state.replace(opt_state=state.opt_state._replace(hyperparams=fresh))
    if meta.get("global_batch_size") != cfg.batch_size or len(meta["data"]) != jax.process_count():
        raise TrainingError(
            f"checkpoint {step} in {ckpt.directory} was written with batch_size "
            f"{meta.get('global_batch_size')} by {len(meta['data'])} process(es); resume with the "
            "same values or start a new workdir")
    source.set_state(meta["data"][jax.process_index()])
    print(f"resumed from step {step} (checkpoint {ckpt.directory}/{step})", flush=True)
    return state


def _first_skipped(fetched: list[tuple[int, dict]]) -> tuple[int, dict] | None:
    """(step, metrics) of the first step whose update was skipped (non-finite loss or gradient
    norm), None when every update was applied."""
    return next(((s, m) for s, m in fetched if not np.all(m["finite"])), None)


def _stop(ckpt: Checkpointer, state: TrainState, data_state: dict, bad: tuple[int, dict],
          step: int, cfg: Any) -> None:
    """A step's update was skipped on the device (the state is good): checkpoint, then raise."""
    ckpt.wait()
    good = int(jax.device_get(state.step))
    if ckpt.latest_step() != good:
        ckpt.save(state, _meta(cfg, data_state))
        ckpt.wait()
    bad_step, metrics = bad
    raise TrainingError(
        f"non-finite loss ({float(metrics['loss'])}) or gradient norm "
        f"({float(metrics['grad_norm'])}) at step {bad_step}: its update was skipped and training "
        f"stopped after step {step}. The state is checkpoint {good} in {ckpt.directory} "
        "(rerunning resumes there with the next batch): check the data, or lower optim.lr / "
        "set optim.max_grad_norm")


def _batches(source: DataSource, task: Task, mesh: jax.sharding.Mesh
             ) -> Iterator[tuple[dict[str, jax.Array], dict]]:
    """(global batch on the mesh, the source's state after it: what a checkpoint written after
    the batch's step records)."""
    while True:
        batch = global_batch(task.prepare(next(source)), mesh)
        yield batch, source.get_state()


def _validate(cfg: Any, task: Task, state: TrainState, step: int, workdir: Path) -> None:
    params = distributed.to_host(trained_params(cfg, state))
    if distributed.is_primary():
        validation_videos(export_bundle(task.start, params), cfg.validation, step,
                          workdir / "validation")
    distributed.sync(f"validation {step}")


def train(cfg: Any, task: Task, source: DataSource, workdir: str | Path) -> TrainState:
    """Train ``task`` for ``cfg.num_steps`` optimizer steps (resuming from the latest
    checkpoint in ``workdir/checkpoints``); returns the final state. SIGINT / SIGTERM finish
    the step, checkpoint it and raise ``Interrupted`` (see ``interrupts``)."""
    with StopOnSignal() as stop:
        return _train(cfg, task, source, Path(workdir), stop)


def _train(cfg: Any, task: Task, source: DataSource, workdir: Path, stop: StopOnSignal
           ) -> TrainState:
    mesh = make_mesh(cfg.mesh.data, cfg.mesh.fsdp)
    check_batch(cfg, mesh.size)
    optimizer = make_optimizer(cfg.optim, cfg.num_steps)
    trainable, frozen = host_parts(task.params, task.patterns, cfg.model.frozen_dtype)
    use_ema = cfg.optim.ema_decay > 0
    shardings = state_shardings(abstract_state(trainable, frozen, optimizer, use_ema), mesh,
                                [tuple(r) for r in cfg.mesh.rules], cfg.mesh.min_shard_size)
    state = create_state(trainable, frozen, optimizer, seed=cfg.seed, use_ema=use_ema,
                         shardings=shardings)
    del trainable, frozen
    ckpt = Checkpointer(workdir / "checkpoints", keep=cfg.checkpoint.keep,
                        async_save=cfg.checkpoint.async_save)
    state = _resume(ckpt, state, source, cfg)
    if ckpt.latest_step() is not None:
        stop.last_checkpoint = f"{ckpt.directory}/{ckpt.latest_step()}"
    step_fn = jit_step(make_train_step(task.loss_fn, optimizer, accum_steps=cfg.accum_steps,
                                       ema_decay=cfg.optim.ema_decay), shardings, mesh)
    first = int(jax.device_get(state.step))
    reporter = Reporter(workdir / "tensorboard", start_step=first, total_steps=cfg.num_steps,
                        every=cfg.log.every, global_batch_size=cfg.batch_size,
                        flops_per_step=task.flops_per_example * cfg.batch_size,
                        tensorboard=cfg.log.tensorboard, progress=cfg.log.progress)
    # Dispatch is asynchronous: the host prepares batch n+1 while the device runs step n, and
    # metrics (kept on the device in `pending`) are fetched only at steps that log, save or
    # validate; a non-finite step has already left the state unchanged on the device.
    batches = _batches(source, task, mesh)
    pending: list[tuple[int, dict]] = []
    try:
        batch, data_state = next(batches) if first < cfg.num_steps else (None, None)
        for step in range(first + 1, cfg.num_steps + 1):
            with jax.set_mesh(mesh):  # the UNet's rows per device (sharding.rows_per_device)
                state, metrics = step_fn(state, batch)
            step_data_state = data_state
            if step < cfg.num_steps:
                batch, data_state = next(batches)
            pending.append((step, metrics))
            interrupted = stop.should_stop()
            save = interrupted or step % cfg.checkpoint.every == 0 or step == cfg.num_steps
            validate = cfg.validation.every and step % cfg.validation.every == 0
            if not (save or validate or reporter.logs_at(step)):
                reporter.log(step, None)
                continue
            fetched = jax.device_get(pending)  # one transfer for every step since the last
            pending.clear()
            bad = _first_skipped(fetched)
            if bad is not None:
                _stop(ckpt, state, step_data_state, bad, step, cfg)
            reporter.log(step, fetched[-1][1])
            if save:
                ckpt.save(state, _meta(cfg, step_data_state))
                stop.last_checkpoint = f"{ckpt.directory}/{step}"
            if interrupted:
                ckpt.wait()
                raise stop.interrupted(step, ckpt.directory)
            if validate:
                _validate(cfg, task, state, step, workdir)
    finally:
        ckpt.wait()
        ckpt.close()
        reporter.close()
    return state
