"""DDIM inversion in one jit equals the scheduler's steps in a Python loop; generate() uses it."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import to_channels_last
from test_denoise_golden import SD_SCHEDULER

from fyp_jax.pipeline.inversion import inversion_trajectory
from fyp_jax.schedulers import DDIMScheduler


@pytest.mark.slow  # the inversion loop against a Python loop of the fixture model: ~30 s
def test_inversion_loop_matches_python_loop(fyp_tiny, golden):
    unet, params, _, _ = fyp_tiny
    sched = DDIMScheduler.from_config(SD_SCHEDULER)
    x0 = to_channels_last(golden["ddim_latents_init"]) * 0.5
    text = golden["ddim_text_embeddings"][:1]
    invert = jax.jit(inversion_trajectory, static_argnames=("unet", "scheduler", "num_steps"))
    out = invert(unet, params, x0, text, None, scheduler=sched, num_steps=2)[-1]
    ts = jnp.asarray(sched.inversion_timesteps(2))
    apply = jax.jit(unet.apply)
    x = x0
    for i in range(2):
        eps = apply({"params": params}, x, ts[i], text)
        x = sched.invert_step(eps, i, ts, x)
    assert float(np.max(np.abs(np.asarray(out) - np.asarray(x)))) < 1e-5
    assert float(np.max(np.abs(np.asarray(out) - x0))) > 0.1  # it moved toward noise


def test_generate_from_source_video():
    from configs.models.tiny import bundle_configs
    from fyp_jax.pipeline import SamplingOptions, generate
    from fyp_jax.pipeline.random_bundle import random_bundle

    bundle = random_bundle(*bundle_configs())
    source = np.random.default_rng(0).integers(0, 255, (2, 64, 64, 3), dtype=np.uint8)
    skeleton = np.zeros((2, 64, 64, 3), np.float32)
    videos = generate(bundle, ["a figure"], skeleton, frames=2, height=64, width=64,
                      options=SamplingOptions(num_steps=2), source_video=source)
    assert videos.shape == (1, 2, 64, 64, 3) and videos.dtype == np.uint8
