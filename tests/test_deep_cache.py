"""DeepCache's shallow branch: with the deep features of the same inputs it is the full UNet."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import skeleton_channels_last, to_channels_last


def test_shallow_branch_with_its_own_deep_features_is_the_full_prediction(fyp_tiny, golden):
    unet, params, pose_encoder, pose_params = fyp_tiny
    x = to_channels_last(golden["ddim_latents_init"])
    text = golden["ddim_text_embeddings"][1:]
    feats = pose_encoder.apply({"params": pose_params},
                               skeleton_channels_last(golden["ddim_skeleton"]))
    apply = jax.jit(unet.apply, static_argnames="return_deep")
    full = apply({"params": params}, x, jnp.int32(501), text, pose_features=feats)
    same, deep = apply({"params": params}, x, jnp.int32(501), text, pose_features=feats,
                       return_deep=True)
    assert np.array_equal(np.asarray(same), np.asarray(full))
    shallow = apply({"params": params}, x, jnp.int32(501), text, pose_features=feats,
                    deep_features=deep)
    np.testing.assert_allclose(np.asarray(shallow), np.asarray(full), atol=1e-5)
    # The deep features matter: those of another timestep give another prediction.
    _, other = apply({"params": params}, x, jnp.int32(901), text, pose_features=feats,
                     return_deep=True)
    moved = apply({"params": params}, x, jnp.int32(501), text, pose_features=feats,
                  deep_features=other)
    assert float(jnp.max(jnp.abs(moved - full))) > 1e-3


@pytest.mark.slow  # three compiled step loops of the fixture model: ~45 s on 2 idle cores
def test_loop_runs_the_whole_unet_every_nth_step_and_the_shallow_branch_between(fyp_tiny,
                                                                                 golden):
    from test_denoise_golden import SD_SCHEDULER

    from fyp_jax.pipeline.sampling_loop import deep_feature_shape, guided_prediction, run_steps_jit
    from fyp_jax.schedulers import DDIMScheduler

    unet, params, _, _ = fyp_tiny
    sched = DDIMScheduler.from_config(SD_SCHEDULER)
    x = jnp.asarray(to_channels_last(golden["ddim_latents_init"]))
    text = golden["ddim_text_embeddings"]
    uncond, cond = text[:1], text[1:]
    deep0 = deep_feature_shape(unet, params, jax.ShapeDtypeStruct(x.shape, x.dtype),
                               jax.ShapeDtypeStruct(cond.shape, cond.dtype), None, True)
    state = (x, (), jnp.zeros(deep0.shape, deep0.dtype))
    out = run_steps_jit(unet, params, state, uncond, cond, None, jnp.int32(0), jnp.int32(3),
                        jnp.float32(7.5), jnp.float32(0.0), jnp.int32(0), scheduler=sched,
                        num_steps=3, cfg=True, cache_interval=2)[0]

    ts = jnp.asarray(sched.timesteps(3))
    predict = jax.jit(lambda x, t, deep: guided_prediction(
        unet, params, x, t, uncond, cond, None, 7.5, True, deep_features=deep, return_deep=True))
    full = jax.jit(lambda x, t: guided_prediction(unet, params, x, t, uncond, cond, None, 7.5,
                                                  True, return_deep=True))
    want, deep = x, None
    for i in range(3):
        if i % 2 == 0:
            eps, deep = full(want, ts[i])
        else:
            eps, _ = predict(want, ts[i], deep)
        want = sched.step(eps, i, ts, want)[0]
    np.testing.assert_allclose(np.asarray(out), np.asarray(want), atol=1e-4)
    no_cache = run_steps_jit(unet, params, (x, ()), uncond, cond, None, jnp.int32(0),
                             jnp.int32(3), jnp.float32(7.5), jnp.float32(0.0), jnp.int32(0),
                             scheduler=sched, num_steps=3, cfg=True)[0]
    assert float(jnp.max(jnp.abs(no_cache - out))) > 1e-4  # step 1 did reuse step 0's features
