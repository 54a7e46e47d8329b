"""The edit scorer (fyp_jax.eval.edit) reads every attribute right on PoseWorld's own renderings:
the target's rendering shows the change, the unedited source does not."""

from __future__ import annotations

import numpy as np
import pytest

from fyp_jax.data.poseworld.scene import render_scene, sample_scene
from fyp_jax.errors import ConfigError
from fyp_jax.eval.edit import (
    ATTRIBUTES, Truth, check_attributes, classify, edit_target, score_edit, value_of, with_value,
    with_stripe_phase,
)


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_scorer_reads_the_attribute_of_ground_truth_renderings(attribute):
    source = sample_scene(0, "eval_style", 1)  # a figure of a held-out (colour, style)
    target = edit_target(source, attribute, np.random.default_rng(0))
    assert value_of(target, attribute) != value_of(source, attribute)
    source_frames = render_scene(source, 64, 2)[0]
    edited = score_edit(render_scene(target, 64, 2)[0], source, target, attribute, source_frames)
    assert edited["changed"] == 1.0 and edited["preserved"] == 1.0
    assert edited["pose_iou"] == 1.0
    unedited = score_edit(source_frames, source, target, attribute, source_frames)
    assert unedited["changed"] == 0.0 and unedited["preserved"] == 1.0
    assert unedited["kept_error"] == 0.0


@pytest.mark.parametrize("phase", [0.0, 0.3, 0.5, 0.8])
def test_stripes_read_as_striped_wherever_the_bands_fall(phase):
    striped = with_value(sample_scene(0, "eval", 0), "style", "striped")
    frames = render_scene(with_stripe_phase(striped, phase), 64, 4)[0]
    assert classify(frames, striped, "style", Truth.of(striped, 64, 4)) == ["striped"] * 4


def test_unknown_attribute_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown attributes"):
        check_attributes(["colour"])
