"""Real-skeleton text alignment: the frame checks see the caption's background and colour on a
rendering that has them, and not otherwise; the caption set covers every colour."""

import numpy as np

from fyp_jax.data.poseworld import BACKGROUNDS, COLORS, render_scene, sample_scene
from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.data.poseworld.vocabulary import visible
from fyp_jax.eval.real_skeletons import caption_pairs, frame_checks
from fyp_jax.pose import render_pose


def test_frame_checks_on_a_rendering():
    scene = sample_scene(0, "eval", 3)
    frames, keypoints = render_scene(scene, 64, 4)
    skeleton = np.stack([render_pose(k, 64, 64) for k in keypoints]).astype(np.float32) / 255
    backgrounds = {n: draw_background(b, 64, 64) for n, b in BACKGROUNDS.items()}
    color = scene.colors[0]
    bg_ok, color_ok = frame_checks(frames, skeleton, color, scene.background, backgrounds)
    assert bg_ok.all() and color_ok.all()
    other_bg = next(b for b in BACKGROUNDS if b != scene.background)
    other_color = next(c for c in COLORS if c != color)
    assert not frame_checks(frames, skeleton, color, other_bg, backgrounds)[0].any()
    assert not frame_checks(frames, skeleton, other_color, scene.background, backgrounds)[1].any()


def test_caption_pairs_cover_every_colour_visibly():
    pairs = caption_pairs()
    assert [c for c, _ in pairs] == list(COLORS)
    assert all(visible(c, b) for c, b in pairs)
