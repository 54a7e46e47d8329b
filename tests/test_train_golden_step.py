"""Our stage-2 train step against the ORIGINAL trainer's two steps (train_step_golden.npz).

DDPM add_noise, train-mode loss (no pose features), gradients of exactly the 144 trainable
tensors, torch's global-norm clip, two AdamW steps; then the amplified variant (``amp/*``) where
clipping and weight decay bite. Tolerances are the fixture README's.
"""

from __future__ import annotations

import jax
import ml_collections
import numpy as np
import pytest
from conftest import FIXTURE, to_channels_last

from configs import train_stage2_sd14
from fyp_jax.convert.param_tree import to_torch_layout, torch_name_to_path
from fyp_jax.schedulers import DDPMSchedule
from fyp_jax.sharding import make_mesh
from fyp_jax.train import stage2
from fyp_jax.train.diffusion_loss import denoising_loss
from fyp_jax.train.optimizer import make_optimizer
from fyp_jax.train.partition import split_params
from fyp_jax.train.state import abstract_state, create_state, host_parts, state_shardings
from fyp_jax.train.step import gradients, jit_step, make_train_step

SD_SCHEDULER = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                    beta_schedule="scaled_linear", prediction_type="epsilon")


def optim_config(lr, b1, b2, wd, eps, max_norm):
    return ml_collections.ConfigDict(dict(
        lr=lr, b1=b1, b2=b2, weight_decay=wd, eps=eps, max_grad_norm=max_norm, warmup_steps=0,
        schedule="constant", final_lr_fraction=0.0))


def flax_path(torch_name: str) -> tuple[str, ...]:
    path = torch_name_to_path(torch_name)
    return ("unet", *path[:-1], "kernel" if path[-1] == "weight" else path[-1])


def leaf(tree, path):
    for p in path:
        tree = tree[p]
    return np.asarray(tree)


@pytest.fixture(scope="module")
def tg():
    with np.load(FIXTURE / "train_step_golden.npz") as z:
        return dict(z)


@pytest.fixture(scope="module")
def names():
    return (FIXTURE / "trainable_names.txt").read_text().split()


@pytest.fixture(scope="module")
def setup(fyp_tiny, tg):
    unet, unet_params, _, _ = fyp_tiny
    schedule = DDPMSchedule.from_config(SD_SCHEDULER)
    batch = dict(x0=to_channels_last(tg["x0"]), noise=to_channels_last(tg["noise"]),
                 t=tg["timesteps"].astype(np.int32), text=tg["encoder_hidden_states"])

    def loss_fn(params, b, key):
        del key
        return denoising_loss(unet, params["unet"], schedule, b["x0"], b["noise"], b["t"],
                              b["text"]), {}

    patterns = {"unet": stage2.ORIGINAL_TRAINABLE}
    trainable, frozen = host_parts({"unet": unet_params}, patterns, "float32")
    mesh = make_mesh(1, 1)
    opt = make_optimizer(optim_config(3e-5, 0.9, 0.999, 1e-2, 1e-8, 1.0), total_steps=2)
    shardings = state_shardings(abstract_state(trainable, frozen, opt, False), mesh, (), 2**14)
    step = jit_step(make_train_step(loss_fn, opt), shardings, mesh)

    def run(optim_cfg):
        """Two steps from the fixture's weights; host copies of (state1, m1, state2, m2)."""
        optimizer = make_optimizer(optim_cfg, total_steps=2)
        state = create_state(trainable, frozen, optimizer, seed=0, use_ema=False,
                             shardings=shardings)
        out = []
        for _ in range(2):
            state, metrics = step(state, batch)  # one compiled step: hyper-params are state
            out += [jax.device_get(state.trainable), jax.device_get(metrics)]
        return out

    return dict(run=run, schedule=schedule, batch=batch, trainable=trainable, frozen=frozen,
                loss_fn=loss_fn, shardings=shardings)


def test_paper_config_trains_the_originals_144(fyp_tiny, names):
    """configs/train_stage2_sd14.py's trainable regexes split the original's 144 tensors off."""
    patterns = {k: v for k, v in train_stage2_sd14.get_config().trainable.items() if v}
    trainable, _ = split_params({"unet": fyp_tiny[1]}, patterns)
    from flax import traverse_util

    ours = set(traverse_util.flatten_dict(trainable))
    assert len(names) == 144
    assert ours == {flax_path(n) for n in names}


def test_add_noise(setup, tg):
    b = setup["batch"]
    noisy = setup["schedule"].add_noise(b["x0"], b["noise"], b["t"])
    assert np.max(np.abs(np.asarray(noisy) - to_channels_last(tg["noisy"]))) <= 1e-6


@pytest.fixture(scope="module")
def main_run(setup):
    return setup["run"](optim_config(3e-5, 0.9, 0.999, 1e-2, 1e-8, 1.0))


def test_loss_and_grad_norm(main_run, tg):
    _, m1, _, m2 = main_run
    assert abs(float(m1["loss"]) - float(tg["loss"])) <= 1e-5
    assert abs(float(m2["loss"]) - float(tg["loss_step2"])) <= 1e-5
    assert abs(float(m1["grad_norm"]) / float(tg["grad_global_norm"]) - 1) <= 1e-5
    assert abs(float(m2["grad_norm"]) / float(tg["grad_global_norm_step2"]) - 1) <= 1e-5


def test_gradients(setup, tg, names):
    """Raw (pre-clip) step-1 gradients of every trainable tensor, elementwise abs <= 2e-7."""
    optimizer = make_optimizer(optim_config(3e-5, 0.9, 0.999, 1e-2, 1e-8, 1.0), total_steps=2)
    state = create_state(setup["trainable"], setup["frozen"], optimizer, seed=0, use_ema=False,
                         shardings=setup["shardings"])
    grad_fn = jax.jit(lambda s, b: gradients(setup["loss_fn"], s, b, jax.random.key(0))[2])
    grads = jax.device_get(grad_fn(state, setup["batch"]))
    worst = max(float(np.max(np.abs(to_torch_layout(flax_path(n)[-1], leaf(grads, flax_path(n)))
                                   - tg[f"grad/{n}"]))) for n in names)
    assert worst <= 2e-7, worst


@pytest.mark.parametrize("k", [1, 2])
def test_params_after_adamw(main_run, tg, names, k):
    state = main_run[2 * (k - 1)]
    worst = max(float(np.max(np.abs(to_torch_layout(flax_path(n)[-1], leaf(state, flax_path(n)))
                                   - tg[f"param_step{k}/{n}"]))) for n in names)
    assert worst <= 3e-6, worst


@pytest.mark.parametrize("k", [1, 2])
def test_amplified_variant(setup, tg, k):
    """lr 1e-3, wd 1.0, eps 1e-5, clip 0.1 (active): catches decay, clip and eps mistakes."""
    lr, b1, b2, wd, eps, max_norm = (float(v) for v in tg["amp/hparams"])
    run = setup.setdefault("amp", setup["run"](optim_config(lr, b1, b2, wd, eps, max_norm)))
    state, metrics = run[2 * (k - 1)], run[2 * (k - 1) + 1]
    if k == 2:
        assert abs(float(metrics["loss"]) - float(tg["amp/loss_step2"])) <= 1e-5
    keys = [key for key in tg if key.startswith(f"amp/param_step{k}/")]
    assert len(keys) == 9
    worst = max(float(np.max(np.abs(
        to_torch_layout(flax_path(key.split("/", 2)[2])[-1],
                        leaf(state, flax_path(key.split("/", 2)[2]))) - tg[key]))) for key in keys)
    assert worst <= 1e-6, worst
