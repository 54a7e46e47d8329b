"""Stage 2 with pose features (``stage2.pose_fraction``): PoseWorld clips carry skeletons drawn
as stage 1 draws them, the loss sees them, the pose encoder stays frozen, and a latent cache is
refused."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from train_micro import micro_config, start_bundle

from fyp_jax.data import ClipTransform, ImageTransform
from fyp_jax.data.poseworld.source import PoseWorldSource
from fyp_jax.errors import ConfigError
from fyp_jax.train.run import build_task


@pytest.fixture(scope="module")
def start_dir(tmp_path_factory):
    return start_bundle(tmp_path_factory.getbasetemp() / "micro_start_pose")


def test_clip_skeletons_are_stage_ones_skeletons():
    record = PoseWorldSource(kind="clip", size=32, num_frames=3, length=4)[1]
    example = ClipTransform(skeleton=True)(record)
    assert example["skeleton"].shape == example["video"].shape == (3, 32, 32, 3)
    for i in range(3):
        image_record = record | {"image": record["frames"][i], "keypoints": record["keypoints"][i]}
        expected = ImageTransform(32)(image_record)["skeleton"]
        np.testing.assert_array_equal(example["skeleton"][i], expected)
    assert example["skeleton"][0].any() and not np.array_equal(example["skeleton"][0],
                                                               example["skeleton"][2])
    assert "skeleton" not in ClipTransform()(record)


def stage2_task(start_dir, tmp_path, fraction, **overrides):
    cfg = micro_config(2, str(tmp_path))
    cfg.init.model = start_dir
    cfg.stage2.pose_fraction = fraction
    cfg.update_from_flattened_dict(overrides)
    return build_task(cfg)


def test_the_loss_sees_the_skeleton_and_the_pose_encoder_is_frozen(start_dir, tmp_path):
    task = stage2_task(start_dir, tmp_path, 1.0)
    assert "skeleton" in task.batch_keys and "pose_encoder" in task.params
    assert "pose_encoder" not in task.patterns
    rng = np.random.default_rng(0)
    skeleton = np.zeros((2, 2, 16, 16, 3), np.uint8)
    skeleton[:, :, 4:12, 7:9] = 255
    batch = task.prepare({"video": rng.integers(0, 256, (2, 2, 16, 16, 3), np.uint8),
                          "caption": ["a figure dancing", "a figure waving"],
                          "skeleton": skeleton})
    key = jax.random.key(3)
    loss = jax.jit(task.loss_fn)
    with_pose, _ = loss(task.params, batch, key)
    blank, _ = loss(task.params, batch | {"skeleton": np.zeros_like(skeleton)}, key)
    assert abs(float(with_pose) - float(blank)) > 1e-6
    # pose_fraction 0 (the original): no skeleton read, the loss equals that of a blank one's
    plain = stage2_task(start_dir, tmp_path, 0.0)
    assert "skeleton" not in plain.batch_keys and "pose_encoder" not in plain.params
    pose_free, _ = jax.jit(plain.loss_fn)(plain.params, {k: batch[k] for k in plain.batch_keys},
                                          key)
    assert abs(float(pose_free) - float(with_pose)) > 1e-6


def test_a_latent_cache_has_no_skeletons(start_dir, tmp_path):
    with pytest.raises(ConfigError, match="latent cache"):
        stage2_task(start_dir, tmp_path, 0.5, **{"data.cached": True})
