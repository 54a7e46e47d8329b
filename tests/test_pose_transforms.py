"""Keypoint edits: trim, mirror, fit into the frame, resize like the video, One-Euro smoothing."""

import numpy as np
import pytest

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.keypoints import PoseSequence
from fyp_jax.pose.render import render_pose
from fyp_jax.pose.resize import resize_center_crop
from fyp_jax.pose.smoothing import one_euro, smooth_keypoints
from fyp_jax.pose.transforms import fit_to_frame, mirror, resize_canvas, trim

RNG = np.random.default_rng(1)


def random_sequence(
    frames: int = 6, width: int = 200, height: int = 100, fps: float = 30
) -> PoseSequence:
    keypoints = np.concatenate(
        [
            RNG.uniform(20, 80, (frames, 1, 17, 1)) * width / 100,
            RNG.uniform(20, 80, (frames, 1, 17, 1)) * height / 100,
            np.ones((frames, 1, 17, 1)),
        ],
        axis=-1,
    )
    return PoseSequence(keypoints, width=width, height=height, fps=fps)


def test_trim():
    seq = random_sequence(6)
    np.testing.assert_array_equal(trim(seq, 2, 4).keypoints, seq.keypoints[2:4])
    assert trim(seq, 3).num_frames == 3
    with pytest.raises(PoseInputError, match="start"):
        trim(seq, 6)


def test_mirror_flips_x_and_swaps_sides():
    seq = random_sequence(1)
    flipped = mirror(seq)
    # The left wrist (9) of the mirrored pose is where the right wrist (10) was, flipped.
    assert flipped.keypoints[0, 0, 9, 0] == pytest.approx(
        seq.width - 1 - seq.keypoints[0, 0, 10, 0]
    )
    assert flipped.keypoints[0, 0, 9, 1] == seq.keypoints[0, 0, 10, 1]
    np.testing.assert_allclose(mirror(flipped).keypoints, seq.keypoints, atol=1e-4)
    # Drawn, it covers the mirror image of the original drawing (in swapped colours).
    lit = render_pose(seq.keypoints[0], seq.height, seq.width).max(axis=-1) > 0
    lit_flipped = render_pose(flipped.keypoints[0], seq.height, seq.width).max(axis=-1) > 0
    np.testing.assert_array_equal(lit_flipped, lit[:, ::-1])


def test_fit_to_frame_centres_and_fills_the_frame_over_the_whole_sequence():
    seq = random_sequence(5)
    seq.keypoints[:, :, 0, 2] = 0.0  # unconfident nose, ignored by the fit
    fitted = fit_to_frame(seq, size=(512, 256), margin=0.1)
    assert (fitted.height, fitted.width) == (512, 256)
    xy = fitted.keypoints[..., 1:, :2].reshape(-1, 2)
    low, high = xy.min(axis=0), xy.max(axis=0)
    np.testing.assert_allclose((low + high) / 2, [127.5, 255.5], atol=1e-3)
    extent = high - low
    assert max(extent[0] / 256, extent[1] / 512) == pytest.approx(0.8, abs=1e-4)
    # Uniform scale: ratios of distances are kept.
    before = np.linalg.norm(seq.keypoints[0, 0, 5, :2] - seq.keypoints[0, 0, 6, :2])
    after = np.linalg.norm(fitted.keypoints[0, 0, 5, :2] - fitted.keypoints[0, 0, 6, :2])
    scale = after / before
    before_2 = np.linalg.norm(seq.keypoints[3, 0, 11, :2] - seq.keypoints[3, 0, 16, :2])
    after_2 = np.linalg.norm(fitted.keypoints[3, 0, 11, :2] - fitted.keypoints[3, 0, 16, :2])
    assert after_2 / before_2 == pytest.approx(scale, rel=1e-4)
    with pytest.raises(PoseInputError, match="no joint"):
        fit_to_frame(seq.replace(keypoints=seq.keypoints * [1, 1, 0]))


def test_resize_canvas_matches_resizing_the_rendered_video():
    seq = random_sequence(1, width=300, height=150)
    big = render_pose(seq.keypoints[0], 150, 300, thickness=6)
    resized_image = resize_center_crop(big, (64, 64)).astype(np.float32)
    moved = resize_canvas(seq, (64, 64))
    drawn = render_pose(moved.keypoints[0], 64, 64, thickness=6 * 64 / 150).astype(np.float32)
    # Same skeleton in the same place: the images correlate strongly.
    assert np.corrcoef(resized_image.ravel(), drawn.ravel())[0, 1] > 0.85


def test_one_euro_removes_jitter_at_rest():
    truth = np.full((300, 1), 40.0)
    noisy = truth + np.random.default_rng(0).normal(0, 3, truth.shape)
    smoothed = one_euro(noisy, np.ones_like(noisy, bool), fps=30, min_cutoff=1.0, beta=0.05)
    assert np.abs(smoothed - truth)[30:].mean() < 0.6 * np.abs(noisy - truth)[30:].mean()


def test_one_euro_follows_fast_motion_with_little_lag():
    ramp = (300.0 * np.arange(90) / 30.0)[:, None]  # 300 units per second
    valid = np.ones_like(ramp, bool)
    lag_adaptive = np.abs(one_euro(ramp, valid, fps=30, beta=0.05) - ramp)[-1, 0]
    lag_fixed = np.abs(one_euro(ramp, valid, fps=30, beta=0.0) - ramp)[-1, 0]
    assert lag_adaptive < 0.1 * lag_fixed


def test_one_euro_restarts_after_a_gap():
    values = np.array([[0.0], [0.0], [50.0], [100.0], [100.0]])
    valid = np.array([[True], [True], [False], [True], [True]])
    out = one_euro(values, valid, fps=30)
    assert out[2, 0] == 50.0  # not filtered
    assert out[3, 0] == 100.0  # restarted at the new value, no pull towards the old one


def test_smooth_keypoints_keeps_confidences_and_shapes():
    seq = random_sequence(8)
    smoothed = smooth_keypoints(seq)
    np.testing.assert_array_equal(smoothed.keypoints[..., 2], seq.keypoints[..., 2])
    np.testing.assert_array_equal(smoothed.keypoints[0], seq.keypoints[0])
    assert not np.allclose(smoothed.keypoints[1:], seq.keypoints[1:])
