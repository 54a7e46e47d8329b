"""PoseWorld metrics on ground-truth clips (must score perfectly) and on corrupted ones."""

from __future__ import annotations

import numpy as np
import pytest

from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.data.poseworld.source import PoseWorldSource
from fyp_jax.data.poseworld.vocabulary import BACKGROUNDS, COLORS
from fyp_jax.eval.metrics import color_mask, frame_consistency, pose_iou, text_alignment

SIZE = 64


@pytest.fixture(scope="module")
def backgrounds():
    return {n: draw_background(b, SIZE, SIZE) for n, b in BACKGROUNDS.items()}


@pytest.fixture(scope="module", params=range(14))
def clip(request):
    return PoseWorldSource(kind="clip", split="eval", size=SIZE, num_frames=4, length=14)[request.param]


def test_ground_truth_scores_perfectly(clip, backgrounds):
    frames, color, bg = clip["frames"], clip["color"], clip["background"]
    truth_figure = color_mask(frames, COLORS[color])
    assert truth_figure.mean() > 0.01
    assert pose_iou(frames, frames, COLORS[color]) == 1.0
    assert text_alignment(frames, color, bg, COLORS, backgrounds, truth_figure) == 1.0
    assert frame_consistency(frames) > 0.8


def test_wrong_colour_background_and_pose_are_caught(clip, backgrounds):
    frames, color, bg = clip["frames"], clip["color"], clip["background"]
    truth_figure = color_mask(frames, COLORS[color])
    empty = np.repeat(backgrounds[bg][None].astype(np.uint8), len(frames), axis=0)
    assert pose_iou(empty, frames, COLORS[color]) == 0.0
    assert text_alignment(empty, color, bg, COLORS, backgrounds, truth_figure) == 0.0
    other_bg = next(b for b in BACKGROUNDS if b != bg)
    moved = np.roll(frames, SIZE // 3, axis=2)
    assert pose_iou(moved, frames, COLORS[color]) < 0.5
    assert text_alignment(frames, color, other_bg, COLORS, backgrounds, truth_figure) == 0.0
    assert frame_consistency(np.random.default_rng(0).integers(0, 255, frames.shape, np.uint8)) < 0.7
