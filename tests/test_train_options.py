"""Trainer options on the micro model: bf16 compute with bf16-stored frozen weights, per-block
remat, gradient accumulation, EMA, warmup + cosine, prompt dropout; accumulation equals the
big batch; config mistakes are one-line errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import traverse_util
from train_micro import micro_config, start_bundle

from fyp_jax.errors import ConfigError
from fyp_jax.train.loop import train
from fyp_jax.train.run import build_task, data_source
from fyp_jax.train.state import TrainState
from fyp_jax.train.step import gradients


@pytest.fixture(scope="module")
def start_dir(tmp_path_factory):
    return start_bundle(tmp_path_factory.getbasetemp() / "micro_start")


def stage2_config(start_dir, workdir, **overrides):
    cfg = micro_config(2, str(workdir))
    cfg.init.model = start_dir
    cfg.data.cached = True
    cfg.num_steps = 4
    cfg.checkpoint.every = 4
    cfg.update_from_flattened_dict(overrides)
    return cfg


def run(cfg):
    task = build_task(cfg)
    return task, jax.device_get(train(cfg, task, data_source(cfg, task), cfg.workdir))


@pytest.mark.slow
def test_bf16_remat_accumulation_ema(start_dir, tmp_path):
    cfg = stage2_config(start_dir, tmp_path, **{
        "model.compute_dtype": "bfloat16", "model.frozen_dtype": "bfloat16",
        "model.remat_policy": "nothing_saveable", "accum_steps": 2, "optim.ema_decay": 0.5,
        "optim.schedule": "cosine", "optim.warmup_steps": 2, "diffusion.prompt_dropout": 0.5})
    task, state = run(cfg)
    frozen = traverse_util.flatten_dict(state.frozen)
    assert {v.dtype for v in frozen.values()} == {jnp.dtype(jnp.bfloat16)}
    trainable = traverse_util.flatten_dict(state.trainable)
    assert {v.dtype for v in trainable.values()} == {np.dtype(np.float32)}
    ema = traverse_util.flatten_dict(state.ema)
    assert all(np.isfinite(v).all() for v in trainable.values())
    assert any(not np.array_equal(ema[p], trainable[p]) for p in trainable)
    assert int(state.step) == 4


@pytest.mark.parametrize("accum", [2, 4])
def test_accumulated_gradients_equal_the_big_batch(accum):
    """Mean gradient over micro-batches == gradient of the whole batch (a loss that is a mean)."""
    rng = np.random.default_rng(0)
    batch = dict(x=rng.standard_normal((8, 5), np.float32), y=rng.standard_normal((8, 3), np.float32))
    state = TrainState(step=jnp.int32(0), trainable={"m": {"w": jnp.asarray(
        rng.standard_normal((5, 3), np.float32))}}, frozen={}, opt_state=None, ema=None,
        rng=jax.random.PRNGKey(0))

    def loss_fn(params, b, key):
        del key
        err = b["x"] @ params["m"]["w"] - b["y"]
        return jnp.mean(err**2), {"max": jnp.max(jnp.abs(err))}

    key = jax.random.PRNGKey(1)
    loss1, _, g1 = gradients(loss_fn, state, batch, key, 1)
    loss_n, _, gn = gradients(loss_fn, state, batch, key, accum)
    assert abs(float(loss1) - float(loss_n)) <= 1e-6
    np.testing.assert_allclose(gn["m"]["w"], g1["m"]["w"], atol=1e-6)


@pytest.mark.parametrize("override, message", [
    ({"trainable.unet": "no_such_layer"}, "matches no param"),
    ({"trainable.vae": "."}, "components \\['vae'\\]"),
    ({"model.compute_dtype": "float8"}, "compute_dtype"),
    ({"model.frozen_dtype": "int8"}, "frozen_dtype"),
    ({"model.remat_policy": "sometimes"}, "remat_policy"),
    ({"mesh.fsdp": 3}, "mesh data x fsdp"),
    ({"batch_size": 3, "accum_steps": 2}, "batch_size=3"),
    ({"optim.schedule": "linear"}, "optim.schedule"),
])
def test_config_mistakes_are_config_errors(start_dir, tmp_path, override, message):
    cfg = stage2_config(start_dir, tmp_path, **override)
    with pytest.raises(ConfigError, match=message):
        run(cfg)


def test_ema_warmup_decay_follows_params_early():
    import jax.numpy as jnp

    from fyp_jax.train.step import ema_warmup_decay

    assert abs(float(ema_warmup_decay(0.999, jnp.int32(0))) - 0.1) < 1e-6
    assert abs(float(ema_warmup_decay(0.999, jnp.int32(90))) - 0.91) < 1e-6
    assert float(ema_warmup_decay(0.999, jnp.int32(100_000))) == jnp.float32(0.999)
    # share of the starting point left after 1400 steps: tiny, unlike 0.999 ** 1400 = 0.25
    share = 1.0
    for s in range(1400):
        share *= float(ema_warmup_decay(0.999, jnp.int32(s)))
    assert share < 1e-3
