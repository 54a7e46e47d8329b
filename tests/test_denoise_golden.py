"""The original pipeline's CFG DDIM loop (fixture golden) through `fyp_jax.pipeline.denoise`."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import skeleton_channels_last, to_channels_last

from fyp_jax.pipeline import denoise
from fyp_jax.schedulers import DDIMScheduler

SD_SCHEDULER = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                    beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False,
                    steps_offset=1, prediction_type="epsilon")


@pytest.fixture(scope="module")
def ddim_inputs(fyp_tiny, golden):
    _, _, pose_encoder, pose_params = fyp_tiny
    feats = pose_encoder.apply({"params": pose_params}, skeleton_channels_last(golden["ddim_skeleton"]))
    text = golden["ddim_text_embeddings"]
    return dict(latents=to_channels_last(golden["ddim_latents_init"]), uncond=text[:1],
                cond=text[1:], feats=feats, scheduler=DDIMScheduler.from_config(SD_SCHEDULER))


@pytest.mark.slow  # one jitted step per golden step; the final-latents golden test stays in the default run
def test_ddim_golden_every_step(fyp_tiny, golden, ddim_inputs):
    """Step by step with the loop's own pieces: UNet output, guided prediction, latents."""
    import jax.numpy as jnp

    from fyp_jax.pipeline.sampling_loop import guided_prediction

    unet, params, _, _ = fyp_tiny
    sched = ddim_inputs["scheduler"]
    ts = sched.timesteps(4)
    assert list(ts) == list(golden["ddim_timesteps"])
    x, carry = ddim_inputs["latents"], ()
    for i, t in enumerate(ts):
        eps = guided_prediction(unet, params, x, jnp.asarray(t), ddim_inputs["uncond"],
                                ddim_inputs["cond"], ddim_inputs["feats"], 12.5)
        x, carry = sched.step(eps, i, jnp.asarray(ts), x, carry)
        for name, ours, tol in (("noise_pred", eps, 1e-3), ("latents", x, 1e-3)):
            want = to_channels_last(golden[f"ddim_{name}_step_{i}"])
            err = float(np.max(np.abs(np.asarray(ours) - want)))
            assert err <= tol, f"step {i} {name}: {err:.3g}"


def test_ddim_golden_final_with_and_without_progress(fyp_tiny, golden, ddim_inputs):
    unet, params, _, _ = fyp_tiny
    args = (unet, params, ddim_inputs["latents"], ddim_inputs["uncond"], ddim_inputs["cond"],
            ddim_inputs["feats"])
    seen = []
    out = denoise(*args, scheduler=ddim_inputs["scheduler"], num_steps=4, guidance_scale=12.5,
                  progress=seen.append)
    want = to_channels_last(golden["ddim_latents_final"])
    assert float(np.max(np.abs(np.asarray(out) - want))) <= 1e-3
    assert seen == [0, 1, 2, 3]
    # Without progress the loop is one call of the same program instead of one call per step.
    whole = denoise(*args, scheduler=ddim_inputs["scheduler"], num_steps=4, guidance_scale=12.5)
    assert np.array_equal(np.asarray(whole), np.asarray(out))
