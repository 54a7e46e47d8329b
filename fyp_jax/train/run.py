"""One training run from a config: join the processes, load the starting point, build the
stage's task and data source, train, and write the result as a model bundle
(``<workdir>/bundle``, loadable by infer.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jax

from fyp_jax.bundle import save_bundle
from fyp_jax.errors import ConfigError
from fyp_jax.sharding import cpu_cores, use_every_cpu_core
from fyp_jax.train import distributed, stage0, stage1, stage2
from fyp_jax.train.config_check import check_train_config
from fyp_jax.train.data import make_source
from fyp_jax.train.loop import train, trained_params
from fyp_jax.train.start import load_start
from fyp_jax.train.task import Task, export_bundle

STAGES = {0: stage0.build, 1: stage1.build, 2: stage2.build}


def build_task(cfg: Any) -> Task:
    if cfg.stage not in STAGES:
        raise ConfigError(f"stage={cfg.stage}: choose one of {sorted(STAGES)}")
    return STAGES[cfg.stage](cfg, load_start(cfg.init, cfg.seed))


def example_kind(cfg: Any) -> str:
    """Which examples the stage reads: images (stages 0, 1), videos or cached latents (2)."""
    if cfg.stage < 2:
        return "image"
    return "cached" if cfg.data.cached else "video"


def data_source(cfg: Any, task: Task):
    start = task.start
    factor = start.vae_factor
    latent = (cfg.data.height // factor, cfg.data.width // factor,
              start.modules["unet"].in_channels)
    text = (start.modules["text_encoder"].max_position_embeddings,
            start.modules["text_encoder"].hidden_size)
    return make_source(cfg, example_kind(cfg), latent_shape=latent, text_shape=text,
                       process_index=jax.process_index(), process_count=jax.process_count())


def run(cfg: Any, *, stages: Sequence[int]) -> Path:
    """Train as ``cfg`` says and return the bundle folder."""
    if cfg.stage not in stages:
        raise ConfigError(f"this script trains stage(s) {list(stages)}; the config is for stage "
                          f"{cfg.stage}")
    if not cfg.workdir:
        raise ConfigError("set --config.workdir=FOLDER (checkpoints, logs and the result go there)")
    check_train_config(cfg)
    if (cfg.mesh.data, cfg.mesh.fsdp) == (-1, 1) and not cfg.batch_size % (
            cfg.accum_steps * cpu_cores()):
        use_every_cpu_core()  # each core's device trains the UNet on its own rows
    distributed.initialize(force=cfg.distributed)
    task = build_task(cfg)
    state = train(cfg, task, data_source(cfg, task), cfg.workdir)
    params = distributed.to_host(trained_params(cfg, state))
    folder = Path(cfg.workdir) / "bundle"
    if distributed.is_primary():
        save_bundle(folder, export_bundle(task.start, params))
        print(f"wrote {folder} (sample with: python infer.py --model {folder})")
    distributed.sync("bundle written")
    return folder
