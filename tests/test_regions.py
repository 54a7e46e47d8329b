"""One prompt per person (README, "Multiple characters"): the regions partition the latent
frame between the base row and each person's figure, and the step loop composes the rows'
predictions exactly as the regions say."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fyp_jax.errors import ConfigError
from fyp_jax.pipeline import Pipeline, SamplingOptions
from fyp_jax.pipeline.regions import person_regions, person_skeletons

KEYPOINT_NAMES = 17


def standing(x: float, frames: int = 2) -> np.ndarray:
    """``[frames, 17, 3]``: every keypoint on a vertical line at ``x`` (pixels of 64x64),
    from y 18 to 44, fully confident."""
    people = np.zeros((frames, KEYPOINT_NAMES, 3), np.float32)
    people[..., 0] = x
    people[..., 1] = np.linspace(18, 44, KEYPOINT_NAMES)
    people[..., 2] = 1.0
    return people


def two_people() -> np.ndarray:
    return np.stack([standing(14.0), standing(50.0)], axis=1)  # [2, 2, 17, 3]


@pytest.fixture(scope="module")
def tiny_pipe():
    from configs.models.tiny import bundle_configs
    from fyp_jax.pipeline.random_bundle import random_bundle

    return Pipeline(random_bundle(*bundle_configs()))


def test_regions_partition_the_frame_between_the_base_and_each_figure():
    skeletons = person_skeletons(two_people(), 64, 64)
    assert skeletons.shape == (2, 2, 64, 64, 3)
    assert skeletons[0, :, :, 40:].max() == 0 and skeletons[1, :, :, :24].max() == 0
    regions = person_regions(skeletons, factor=8)
    assert regions.shape == (3, 2, 8, 8, 1)
    np.testing.assert_array_equal(regions.sum(axis=0), 1.0)  # one row per cell
    left, right, base = regions[1, 0, ..., 0], regions[2, 0, ..., 0], regions[0, 0, ..., 0]
    assert left[2:6, 1].all() and right[2:6, 6].all()  # the cells the lines cross ...
    assert not left[:, 4:].any() and not right[:, :4].any()  # ... and none of the other side
    assert base[0].all() and base[7].all() and base[:, 3:5].all()  # above, below, between


def test_the_loop_composes_every_rows_prediction_where_its_region_says(tiny_pipe):
    """One step from a shared start: the result is, cell by cell, the one-step result of the
    row the region names, and every row holds it."""
    from fyp_jax.pipeline.sampling_loop import run_steps_jit

    bundle, params = tiny_pipe.bundle, tiny_pipe.params
    unet, text_encoder = bundle.modules["unet"], bundle.modules["text_encoder"]
    scheduler = SamplingOptions().make_scheduler(bundle.scheduler_config)
    rows = 3
    x = jnp.broadcast_to(jax.random.normal(jax.random.key(0), (1, 2, 8, 8, unet.in_channels)),
                         (rows, 2, 8, 8, unet.in_channels))
    ids = jax.random.randint(jax.random.key(1), (rows, text_encoder.max_position_embeddings), 0,
                             text_encoder.vocab_size)
    text = text_encoder.apply({"params": params["text_encoder"]}, ids)
    uncond = jnp.zeros_like(text)
    labels = np.random.default_rng(0).integers(0, rows, (2, 8, 8))
    regions = (labels[None] == np.arange(rows)[:, None, None, None])[..., None]

    def one_step(regions):
        return np.asarray(run_steps_jit(
            unet, params["unet"], (x, scheduler.init_carry(x)), uncond, text, None, jnp.int32(0),
            jnp.int32(1), jnp.float32(7.5), jnp.float32(0.0), jnp.int32(0), None, regions,
            scheduler=scheduler, num_steps=4, cfg=True)[0])

    def whole_frame_to(row):  # regions that give every cell to one row: its own step
        return np.broadcast_to(np.arange(rows)[:, None, None, None, None] == row, regions.shape)

    free = np.stack([one_step(jnp.asarray(whole_frame_to(r), jnp.float32))[0]
                     for r in range(rows)])  # the same program as the composed step
    composed = one_step(jnp.asarray(regions, jnp.float32))
    want = (free * regions).sum(axis=0)
    for row in composed:
        np.testing.assert_allclose(row, want, atol=1e-5)
    assert np.abs(free[0] - free[1]).max() > 1e-3  # the rows' prompts did differ


@pytest.mark.parametrize("prompts, keypoints, message", [
    (["a red figure"], two_people(), "1 person prompts for 2 people"),
    (["a", "b"], two_people()[:1], "keypoints of shape"),
    (["a", "b"], two_people()[..., :2], "keypoints of shape"),
])
def test_bad_people_calls_are_config_errors(tiny_pipe, prompts, keypoints, message):
    with pytest.raises(ConfigError, match=message):
        tiny_pipe.people("two figures", prompts, keypoints, frames=2, height=64, width=64)
