"""Editing a source video (README, "Editing"): its options are traced (changing them compiles
nothing), blending keeps exactly what the mask keeps, bad inputs are one-line ConfigErrors."""

from __future__ import annotations

import numpy as np
import pytest
from test_pipeline import CompileCounter

from fyp_jax.errors import ConfigError
from fyp_jax.pipeline import Pipeline, SamplingOptions
from fyp_jax.pipeline.editing import figure_cells, keep_mask

KW = dict(frames=2, height=64, width=64)
BASE = SamplingOptions(num_steps=2, guidance_scale=7.5)


@pytest.fixture(scope="module")
def tiny_pipe():
    from configs.models.tiny import bundle_configs
    from fyp_jax.pipeline.random_bundle import random_bundle

    return Pipeline(random_bundle(*bundle_configs()))


@pytest.fixture(scope="module")
def source():
    return np.random.default_rng(0).integers(0, 255, (2, 64, 64, 3), dtype=np.uint8)


def stick_figure() -> np.ndarray:
    """A skeleton of one vertical line in the middle of the frame."""
    skeleton = np.zeros((2, 64, 64, 3), np.float32)
    skeleton[:, 16:48, 31:33] = (0.0, 0.5, 1.0)
    return skeleton


def test_figure_cells_are_the_dilated_skeleton():
    cells = figure_cells(stick_figure(), factor=8, dilation=0.1)  # 1 cell of dilation
    assert cells.shape == (2, 8, 8)
    expected = np.zeros((8, 8), bool)
    expected[1:7, 2:6] = True  # rows 2..5 and columns 3..4 hold the line, one cell around
    assert np.array_equal(cells[0], expected)
    kept = keep_mask(stick_figure(), "background", 2, (8, 8), 8)
    assert kept.shape == (1, 2, 8, 8, 1) and np.array_equal(kept[0, 0, ..., 0], ~cells[0])
    assert not keep_mask(None, "none", 2, (8, 8), 8).any()


@pytest.mark.slow  # compiles the tiny edit programs: ~35 s
def test_edit_options_compile_nothing(tiny_pipe, source):
    skeleton = stick_figure()
    first = tiny_pipe(["a figure"], skeleton, options=BASE, source_video=source, **KW)
    assert first.shape == (1, 2, 64, 64, 3) and first.dtype == np.uint8
    variants = [dict(source_prompt="a red figure"), dict(inversion_steps=1), dict(keep="figure"),
                dict(edit_start="noise"), dict(keep="figure", keep_until=0.5)]
    counter = CompileCounter()
    for change in variants:
        options = SamplingOptions(**{**BASE.__dict__, **change})
        with counter:
            out = tiny_pipe(["a figure"], skeleton, options=options, source_video=source, **KW)
        assert counter.count == 0, f"{change} compiled {counter.count} program(s)"
        assert not np.array_equal(out, first), change  # the change reached the program


def test_keeping_everything_returns_the_source(tiny_pipe, source):
    """A skeleton lit everywhere is a figure over the whole frame: keep="figure" blends back
    every cell, so the result is the source's own VAE reconstruction whatever the prompt."""
    import jax
    import jax.numpy as jnp

    from fyp_jax.models.vae import encode_video
    from fyp_jax.pipeline import programs

    vae, params = tiny_pipe.bundle.modules["vae"], tiny_pipe.params["vae"]
    encode = jax.jit(lambda p, x: encode_video(vae, p, x / 127.5 - 1.0)[0] * vae.scaling_factor)
    latents = encode(params, jnp.asarray(source[None], jnp.float32))
    reconstruction = np.asarray(programs.decode(params, latents, vae=vae, chunk=8, batch=None))[0]
    reconstruction = reconstruction.astype(int)
    everywhere = np.ones((2, 64, 64, 3), np.float32)
    kept = tiny_pipe(["a red figure dancing"], everywhere, source_video=source, **KW,
                     options=SamplingOptions(num_steps=2, guidance_scale=7.5, keep="figure"))[0]
    free = tiny_pipe(["a red figure dancing"], everywhere, source_video=source, **KW,
                     options=BASE)[0]
    diff = lambda a: np.abs(a.astype(int) - reconstruction).max()  # noqa: E731
    assert diff(kept) <= 1  # float rounding inside other fusions
    assert diff(free) > 20
    # keep_until: blending for none of the steps is no blending; for the first of two, the
    # last step runs free from the source's first level
    def until(share: float) -> np.ndarray:
        options = SamplingOptions(num_steps=2, guidance_scale=7.5, keep="figure",
                                  keep_until=share)
        return tiny_pipe(["a red figure dancing"], everywhere, source_video=source, **KW,
                         options=options)[0]

    np.testing.assert_array_equal(until(0.0), free)
    half = until(0.5)
    assert diff(half) > 2 and np.abs(half.astype(int) - free).max() > 2


def test_noise_start_is_sdedit_outside_the_kept_cells(tiny_pipe, source):
    """edit_start="noise": the cells the mask does not keep start from the source's latents
    noised to the first step's level, x = sqrt(abar) x0 + sqrt(1 - abar) eps (computed here in
    numpy from the noise table); the kept cells start from the inversion."""
    import jax
    import jax.numpy as jnp

    from fyp_jax.models.vae import encode_video
    from fyp_jax.pipeline import programs

    bundle, params = tiny_pipe.bundle, tiny_pipe.params
    vae, text_encoder = bundle.modules["vae"], bundle.modules["text_encoder"]
    options = SamplingOptions(num_steps=4, guidance_scale=7.5)
    scheduler = options.make_scheduler(bundle.scheduler_config)
    x0 = np.asarray(jax.jit(lambda p, x: encode_video(vae, p, x / 127.5 - 1.0)[0])(
        params["vae"], jnp.asarray(source[None], jnp.float32))) * vae.scaling_factor
    eps = np.random.default_rng(1).standard_normal(x0.shape).astype(np.float32)
    mask = np.zeros((*x0.shape[:-1], 1), np.float32)
    mask[:, :, :4] = 1.0  # the top half kept
    ids = jnp.zeros((1, text_encoder.max_position_embeddings), jnp.int32)

    def start(from_noise: float, count: int) -> np.ndarray:
        (latents, _), _ = programs.invert(
            params, jnp.asarray(source[None]), ids, None, jnp.int32(count), jnp.asarray(eps),
            jnp.asarray(mask), jnp.float32(from_noise), vae=vae, text_encoder=text_encoder,
            unet=bundle.modules["unet"], scheduler=scheduler, num_steps=4, chunk=8, rows=1,
            batch=None)
        return np.asarray(latents)

    for count in (1, 3):
        inverted, noised = start(0.0, count), start(1.0, count)
        abar = float(scheduler.alphas_cumprod[scheduler.timesteps(4)[4 - count]])
        sdedit = np.sqrt(abar) * x0 + np.sqrt(1 - abar) * eps
        np.testing.assert_allclose(noised[:, :, 4:], sdedit[:, :, 4:], atol=1e-5)
        np.testing.assert_array_equal(noised[:, :, :4], inverted[:, :, :4])
    # 3 of 4 steps up the schedule, the two starts differ (1 step up, both are nearly x0)
    assert np.abs(inverted - sdedit)[:, :, 4:].mean() > 0.1


@pytest.mark.parametrize("options, call, message", [
    (dict(edit_start="fresh"), {}, "unknown edit_start"),
    (dict(edit_start="noise"), dict(source_video=None), "apply to an edit"),
    (dict(keep="all"), {}, "unknown keep"),
    (dict(keep_until=1.5), {}, "keep_until is a share of the sampling steps"),
    (dict(keep_until=0.5), dict(source_video=None), "apply to an edit"),
    (dict(inversion_steps=3), {}, "inversion_steps must be between 1 and num_steps"),
    (dict(keep="background"), dict(skeleton=None), "takes the figure from the skeleton"),
    (dict(keep="background"), dict(source_video=None), "apply to an edit"),
    (dict(source_prompt="a figure"), dict(source_video=None), "apply to an edit"),
    ({}, dict(source_prompts=["a figure"]), "one source video per prompt"),
    ({}, dict(source_video=np.zeros((3, 64, 64, 3), np.uint8)), "source video of shape"),
])
def test_bad_edits_are_config_errors(tiny_pipe, source, options, call, message):
    args = dict(skeleton=stick_figure(), source_video=source) | call
    with pytest.raises(ConfigError, match=message):
        tiny_pipe(["a figure"], args.pop("skeleton"), **KW, **args,
                  options=SamplingOptions(**{**BASE.__dict__, **options}))
