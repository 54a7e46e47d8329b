"""Long videos as fused windows: the schedule covers every frame, the anchoring gives each
window's frames the attention context of one-shot sampling, a short video is sampled exactly as
without windows, and a long one compiles once and its program's memory follows the window."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fyp_jax.errors import ConfigError
from fyp_jax.models.attention import sparse_causal_attention
from fyp_jax.pipeline import SamplingOptions
from fyp_jax.pipeline.sampling_loop import run_steps
from fyp_jax.pipeline.windows import ANCHOR_FRAMES, Windows, fused_prediction
from fyp_jax.schedulers import DDIMScheduler


@pytest.mark.parametrize("frames,size,overlap,shift", [
    (9, 8, 2, 0), (64, 8, 2, 0), (64, 8, 0, 0), (50, 8, 2, 3), (31, 6, 5, 1), (17, 16, 4, 7)])
def test_every_step_covers_every_frame_with_full_windows(frames, size, overlap, shift):
    w = Windows(size, overlap, shift=shift)
    for step in range(12):
        starts = np.asarray(w.starts(frames, step))
        covered = np.zeros(frames, int)
        for s in starts:
            assert 0 <= s <= frames - size
            covered[s:s + size] += 1
        assert covered.min() >= 1, (step, starts)
        if not shift:
            assert starts[0] == 0 and starts[-1] == frames - size
            assert np.all(np.diff(starts) <= w.stride)


def test_shift_moves_the_windows_and_fusion_weights():
    w = Windows(8, 2, shift=3)
    assert not np.array_equal(np.asarray(w.starts(40, 0)), np.asarray(w.starts(40, 1)))
    assert Windows(8, 2, "flat").weights().tolist() == [1.0] * 8
    assert Windows(8, 2, "pyramid").weights().tolist() == [1, 2, 3, 4, 4, 3, 2, 1]
    assert Windows(8, 0).joins(24) == [8, 16]
    with pytest.raises(ConfigError, match="overlap"):
        SamplingOptions(window=8, overlap=8).check()
    with pytest.raises(ConfigError, match="fusion"):
        SamplingOptions(fusion="gaussian").check()


def _one_shot_like(x, feats):
    """A stand-in UNet with FollowYourPose's sparse-causal dependency: frame i's output depends
    on its local frame 0, its local frame i-1 and its own frame (and pose)."""
    prev = jnp.concatenate([x[:, :1], x[:, :-1]], axis=1)
    return jnp.sin(x[:, :1] + 2.0 * prev + 3.0 * x) + feats[0]


@pytest.mark.parametrize("shift", [0, 2])
def test_anchored_windows_reproduce_the_one_shot_dependency_exactly(shift):
    key = jax.random.key(0)
    x = jax.random.normal(key, (2, 30, 3, 3, 4))
    feats = [jax.random.normal(jax.random.key(1), (2, 30, 3, 3, 4))]
    one_shot = _one_shot_like(x, feats)
    for step in range(3):
        fused = fused_prediction(_one_shot_like, x, feats, jnp.int32(step),
                                 Windows(8, 2, "pyramid", shift=shift, anchor=True))
        np.testing.assert_allclose(fused, one_shot, rtol=1e-5, atol=1e-5)
    # Without the anchor each window takes its own first frame as frame 0 and restarts frame i-1.
    free = fused_prediction(_one_shot_like, x, feats, jnp.int32(0), Windows(8, 2, anchor=False))
    assert np.abs(np.asarray(free - one_shot))[:, 8:].max() > 0.1


def test_anchored_window_gives_sparse_causal_attention_its_one_shot_keys():
    """The real attn1 kernel: a window run on [frame 0, frame s-1, frames s..] gives frames s..
    exactly the outputs they have in the whole video."""
    frames, size = 20, 6
    q, k, v = (jax.random.normal(jax.random.key(i), (1, frames, 16, 2, 8)) for i in range(3))
    whole = sparse_causal_attention(q, k, v, impl="xla")
    w = Windows(size, 2)
    for s in np.asarray(w.starts(frames, 0)):
        idx = w.context(jnp.int32(s))
        part = sparse_causal_attention(q[:, idx], k[:, idx], v[:, idx], impl="xla")
        np.testing.assert_allclose(part[:, ANCHOR_FRAMES:], whole[:, s:s + size], atol=1e-6)
        if s:
            plain = sparse_causal_attention(q[:, s:s + size], k[:, s:s + size],
                                            v[:, s:s + size], impl="xla")
            assert np.abs(np.asarray(plain - whole[:, s:s + size])).max() > 1e-2


@pytest.fixture(scope="module")
def tiny_unet():
    from configs.models.tiny import bundle_configs
    from fyp_jax.pipeline.random_bundle import random_bundle

    bundle = random_bundle(*bundle_configs())
    return bundle, bundle.modules["unet"], bundle.params["unet"]


def _loop(tiny_unet, frames, windows, num_steps=2):
    bundle, unet, params = tiny_unet
    scheduler = DDIMScheduler.from_config(bundle.scheduler_config)
    x = jax.random.normal(jax.random.key(0), (1, frames, 8, 8, unet.in_channels))
    text = jax.random.normal(jax.random.key(1), (1, 77, unet.cross_attention_dim))
    args = (unet, params, (x, scheduler.init_carry(x)), text, text, None, jnp.int32(0),
            jnp.int32(num_steps), jnp.float32(7.5), jnp.float32(0.0), jnp.int32(0))
    static = dict(scheduler=scheduler, num_steps=num_steps, cfg=True, windows=windows)
    loop = jax.jit(run_steps, static_argnums=0,
                   static_argnames=("scheduler", "num_steps", "cfg", "windows"))
    return loop, args, static


def test_short_video_is_bit_identical_to_one_shot(tiny_unet):
    """A video of at most W frames lowers to the very program of one-shot sampling (the same
    HLO, so the same bits); a longer one to another."""
    loop, args, static = _loop(tiny_unet, 4, None)
    one_shot = loop.lower(*args, **static).as_text()
    assert loop.lower(*args, **(static | dict(windows=Windows(4, 1)))).as_text() == one_shot
    assert loop.lower(*args, **(static | dict(windows=Windows(3, 1)))).as_text() != one_shot


@pytest.mark.slow
def test_step_program_memory_follows_the_window_not_the_video(tiny_unet):
    def temp_bytes(frames, windows):
        loop, args, static = _loop(tiny_unet, frames, windows, num_steps=1)
        return loop.lower(*args, **static).compile().memory_analysis().temp_size_in_bytes

    w = Windows(4, 1)
    short, long_ = temp_bytes(4, None), temp_bytes(32, w)
    assert long_ < 2 * short, (short, long_)  # one-shot of 32 frames would need about 8x


def test_seam_ratio_and_worst_jump_see_a_seam():
    from fyp_jax.eval.long_video import seam_ratio, worst_jump

    ramp = np.linspace(0, 200, 24)[:, None, None, None] * np.ones((24, 4, 4, 3))
    smooth = ramp.astype(np.uint8)
    assert abs(seam_ratio(smooth, [8, 16]) - 1.0) < 0.2 and worst_jump(smooth) < 1.3
    seamed = ramp.copy()
    seamed[8:] += 40  # a jump between frames 7 and 8
    seamed = np.clip(seamed, 0, 255).astype(np.uint8)
    assert seam_ratio(seamed, [8, 16]) > 2 and worst_jump(seamed) > 3


def test_long_clip_repeats_the_motion_and_settings_name_their_windows():
    from fyp_jax.eval.long_video import long_clip, setting_options

    clip = long_clip(0, 32, 32, clip_frames=8)
    assert clip["frames"].shape == (32, 32, 32, 3) and clip["keypoints"].shape == (32, 17, 3)
    schedule = Windows(8, 2)
    base = SamplingOptions(num_steps=2)
    assert setting_options("one_shot", base, 32, schedule).windows(8).size == 32
    independent = setting_options("independent", base, 32, schedule).windows(8)
    assert (independent.overlap, independent.anchor) == (0, False)
    assert setting_options("fused", base, 32, schedule).windows(8) == Windows(8, 2, anchor=False)
    assert setting_options("ours", base, 32, schedule).windows(8) == schedule


def test_frames_zero_takes_every_pose_frame():
    from pathlib import Path

    from fyp_jax.pose import load_pose_frames

    gif = Path(__file__).resolve().parents[1] / "assets" / "poseworld_pose.gif"
    assert len(load_pose_frames(gif, 0, stride=1, size=(64, 64))) == 16
    assert len(load_pose_frames(gif, 0, stride=3, size=(64, 64))) == 6


@pytest.mark.slow  # long videos through the Pipeline: ~25 s
def test_pipeline_samples_a_long_video_in_one_program_per_shape(tiny_unet):
    from test_pipeline import CompileCounter

    from fyp_jax.pipeline import Pipeline

    pipe = Pipeline(tiny_unet[0])
    skeleton = np.random.default_rng(0).random((7, 64, 64, 3)).astype(np.float32)
    kw = dict(frames=7, height=64, width=64)
    options = SamplingOptions(num_steps=2, guidance_scale=7.5, window=4, overlap=1)
    first = pipe(["a figure"], skeleton, options=options, **kw)
    assert first.shape == (1, 7, 64, 64, 3)
    counter = CompileCounter()
    seen = []
    with counter:
        again = pipe(["a figure"], skeleton, options=SamplingOptions(
            num_steps=2, guidance_scale=7.5, window=4, overlap=1, seed=3), progress=seen.append,
            **kw)
    assert counter.count == 0 and seen == [0, 1]
    assert not np.array_equal(first, again)
