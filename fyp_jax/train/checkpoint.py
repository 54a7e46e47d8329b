"""Checkpoints with orbax: asynchronous saves (the loop asks every N steps), the last K kept,
resume from the latest.

A checkpoint ``<dir>/<step>/`` holds ``state`` (the TrainState without the frozen params: step,
trainable params, optimizer state, EMA, RNG) and ``meta`` (JSON: each process's data-source
position, the global batch size). Orbax writes into a temporary folder and renames it when the
save is complete, so a process killed mid-save leaves at most a temporary folder, which is never
restored and is removed on the next start; the previous checkpoint is untouched.
"""

from __future__ import annotations

import os

import jax
import orbax.checkpoint as ocp

from fyp_jax.errors import TrainingError
from fyp_jax.train.state import TrainState


class Checkpointer:
    def __init__(self, directory: str | os.PathLike, *, keep: int, async_save: bool = True):
        options = ocp.CheckpointManagerOptions(
            max_to_keep=keep, create=True,
            enable_async_checkpointing=async_save, cleanup_tmp_directories=True)
        self.directory = os.path.abspath(directory)
        self.manager = ocp.CheckpointManager(self.directory, options=options,
                                             item_names=("state", "meta"))

    def latest_step(self) -> int | None:
        return self.manager.latest_step()

    def save(self, state: TrainState, meta: dict) -> None:
        """Start saving ``state`` at its step (returns at once when asynchronous)."""
        step = int(jax.device_get(state.step))
        self.manager.save(step, force=True, args=ocp.args.Composite(
            state=ocp.args.StandardSave(state.without_frozen()), meta=ocp.args.JsonSave(meta)))

    def restore(self, step: int, target: TrainState) -> tuple[TrainState, dict]:
        """The checkpoint at ``step`` laid out like ``target`` (arrays or ShapeDtypeStructs with
        shardings); the frozen params are taken from ``target``."""
        abstract = jax.tree.map(
            lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=x.sharding),
            target.without_frozen())
        try:
            restored = self.manager.restore(step, args=ocp.args.Composite(
                state=ocp.args.StandardRestore(abstract), meta=ocp.args.JsonRestore()))
        except (ValueError, KeyError, FileNotFoundError) as e:
            raise TrainingError(
                f"checkpoint {step} in {self.directory} does not fit this run ({e}); use another "
                "workdir or the configuration that wrote it") from e
        return restored.state.replace(frozen=target.frozen), dict(restored.meta)

    def wait(self) -> None:
        """Block until pending saves are on disk."""
        self.manager.wait_until_finished()

    def close(self) -> None:
        self.manager.close()
