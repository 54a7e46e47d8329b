"""Each stage overfits one small batch, and training changes exactly the trainable params.

"One small batch": the same examples (8; 2 for stage 1) every step with the noise, timesteps,
VAE draw and prompt dropout held fixed (a constant key), so the loss can go to zero.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pytest
from flax import traverse_util
from train_micro import micro_config, start_bundle

from fyp_jax.train.loop import train
from fyp_jax.train.partition import split_params
from fyp_jax.train.run import build_task, data_source
from fyp_jax.train.task import export_bundle

# stage -> (steps, overrides). The pose encoder alone (stage 1) steers a frozen random UNet
# only through additive features, so it gets a smaller batch and more steps.
SETTINGS = {
    2: (30, {"data.cached": True, "optim.lr": 1e-2}),
    1: (50, {"batch_size": 2, "optim.lr": 1e-2}),
    0: (30, {"optim.lr": 1e-3}),
}


@pytest.fixture(scope="module")
def start_dir(tmp_path_factory):
    return start_bundle(tmp_path_factory.getbasetemp() / "micro_start")


def overfit(stage: int, start_dir: str, workdir, steps: int, **overrides):
    cfg = micro_config(stage, str(workdir))
    cfg.init.model = start_dir
    cfg.num_steps = steps
    cfg.data.shuffle = False
    cfg.checkpoint.every = steps
    for key, value in overrides.items():
        cfg.update_from_flattened_dict({key: value})
    cfg.data.num_examples = cfg.batch_size
    task = build_task(cfg)
    fixed, inner, losses = jax.random.PRNGKey(0), task.loss_fn, []

    def loss_fn(params, batch, key):
        del key
        loss, aux = inner(params, batch, fixed)
        jax.debug.callback(losses.append, loss)
        return loss, aux

    task = dataclasses.replace(task, loss_fn=loss_fn)
    state = train(cfg, task, data_source(cfg, task), cfg.workdir)
    return cfg, task, jax.device_get(state), [float(x) for x in losses]


@pytest.fixture(scope="module", params=[2, 1, pytest.param(0, marks=pytest.mark.slow)],
                ids=["stage2", "stage1", "stage0"])
def run(request, start_dir, tmp_path_factory):
    steps, overrides = SETTINGS[request.param]
    return overfit(request.param, start_dir, tmp_path_factory.mktemp(f"overfit{request.param}"),
                   steps, **overrides)


def test_loss_halves(run):
    cfg, _, _, losses = run
    assert len(losses) == cfg.num_steps
    print(f"stage {cfg.stage}: loss {losses[0]:.4f} -> {losses[-1]:.4f} "
          f"({100 * (1 - losses[-1] / losses[0]):.1f}% lower after {cfg.num_steps} steps)")
    assert losses[-1] <= 0.5 * losses[0]


def test_only_trainable_params_change(run):
    _, task, state, _ = run
    trainable, frozen = split_params(task.params, task.patterns)
    before = traverse_util.flatten_dict(trainable)
    after = traverse_util.flatten_dict(state.trainable)
    assert before.keys() == after.keys()
    unchanged = [p for p in before if np.array_equal(before[p], after[p])]
    assert not unchanged, unchanged[:5]
    frozen_after = traverse_util.flatten_dict(state.frozen)
    for path, value in traverse_util.flatten_dict(frozen).items():
        assert np.array_equal(np.asarray(value), frozen_after[path]), path


def test_exported_bundle_keeps_frozen_weights(run):
    """Every leaf of the exported bundle that did not train is bit-identical to the start."""
    _, task, state, _ = run
    bundle = export_bundle(task.start, state.trainable)
    trained = traverse_util.flatten_dict(state.trainable)
    for name, tree in task.start.params.items():
        new = traverse_util.flatten_dict(bundle.params[name])
        for path, value in traverse_util.flatten_dict(tree).items():
            expected = trained.get((name, *path), value)
            assert np.array_equal(np.asarray(expected, np.float32), new[path]), (name, path)
