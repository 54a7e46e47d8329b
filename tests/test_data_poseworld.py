"""PoseWorld: deterministic examples, held-out combinations, captions from the public vocabulary
that parse back to their scenes, keypoints that sit on the drawn figures, figure masks."""

import dataclasses

import numpy as np
import pytest

from fyp_jax.data import (
    ALL_TRIPLES,
    BACKGROUNDS,
    COLORS,
    HELD_OUT_TRIPLES,
    MOTIONS,
    POSEWORLD_WORDS,
    TRAIN_TRIPLES,
    PoseWorldSource,
)
from fyp_jax.data.poseworld import (
    HELD_OUT_GROUPS,
    HELD_OUT_STYLES,
    STYLES,
    caption,
    figure_captions,
    figure_masks,
    parse_caption,
    render_scene,
    sample_scene,
)
from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.data.poseworld.vocabulary import REAL_MOTION, motion_phrase, visible
from fyp_jax.errors import DataError


def test_same_seed_same_example_and_other_seed_differs():
    a = PoseWorldSource("clip", "train", size=64, num_frames=4, length=5, seed=3)
    b = PoseWorldSource("clip", "train", size=64, num_frames=4, length=5, seed=3)
    c = PoseWorldSource("clip", "train", size=64, num_frames=4, length=5, seed=4)
    for k in (0, 4):
        np.testing.assert_array_equal(a[k]["frames"], b[k]["frames"])
        np.testing.assert_array_equal(a[k]["keypoints"], b[k]["keypoints"])
        assert a[k]["caption"] == b[k]["caption"]
    assert any(not np.array_equal(a[k]["frames"], c[k]["frames"]) for k in range(5))


@pytest.mark.parametrize("size", [64, 128])
def test_record_shapes(size):
    image = PoseWorldSource("image", "train", size=size)[7]
    clip = PoseWorldSource("clip", "eval", size=size, num_frames=6)[2]
    assert image["image"].shape == (size, size, 3) and image["image"].dtype == np.uint8
    people = len(image["color"].split())
    assert image["keypoints"].shape == (people, 17, 3)
    assert clip["frames"].shape == (6, size, size, 3)
    assert clip["keypoints"].shape == (6, 1, 17, 3) and clip["keypoints"].dtype == np.float32
    assert clip["caption"] == caption(clip["color"], clip["background"], clip["motion"])
    assert clip["style"] == "filled"


def test_eval_uses_only_held_out_triples_and_train_never_does():
    held_out = set(HELD_OUT_TRIPLES)
    evaluation = PoseWorldSource("image", "eval", length=len(held_out))
    assert {(r["color"], r["background"], r["motion"]) for r in evaluation} == held_out
    train = PoseWorldSource("image", "train", size=32, length=400)
    seen = {(r["color"], r["background"], r["motion"]) for r in train}
    assert not seen & held_out
    assert set(TRAIN_TRIPLES) | held_out == set(ALL_TRIPLES)


def test_held_out_triples_are_compositions_of_trained_parts():
    for color, background, motion in HELD_OUT_TRIPLES:
        assert visible(color, background)
        assert any(t[0] == color and t[1] == background for t in TRAIN_TRIPLES)
        assert any(t[0] == color and t[2] == motion for t in TRAIN_TRIPLES)
        assert any(t[1] == background and t[2] == motion for t in TRAIN_TRIPLES)
    for i, names in enumerate((COLORS, BACKGROUNDS, MOTIONS)):
        assert {t[i] for t in HELD_OUT_TRIPLES} == set(names)


def test_every_caption_word_is_one_token():
    from fyp_jax.tokenizer import build_clip_tokenizer

    tokenizer = build_clip_tokenizer(POSEWORLD_WORDS)
    text = caption("orange", "night", "arms_up")
    assert set(text.split()) <= set(POSEWORLD_WORDS)
    ids = tokenizer(text)["input_ids"]
    assert len(ids) == len(text.split()) + 2  # start and end of text


@pytest.mark.parametrize("seed", [1, 2])
def test_keypoints_lie_on_the_figure_and_move(seed):
    record = PoseWorldSource("clip", "train", size=128, num_frames=8, seed=seed)[0]
    frames, keypoints = record["frames"], record["keypoints"][:, 0]
    background = draw_background(BACKGROUNDS[record["background"]], 128, 128)
    for frame, points in zip(frames, keypoints, strict=True):
        body = points[5:]  # shoulders to ankles: always confident, always drawn
        assert (body[:, 2] == 1).all()
        assert ((body[:, :2] >= 0) & (body[:, :2] <= 127)).all()
        x, y = np.rint(body[:, :2]).astype(int).T
        changed = np.abs(frame[y, x].astype(np.float32) - background[y, x]).max(axis=-1)
        assert (changed > 20).mean() >= 0.9
    assert np.abs(np.diff(keypoints[:, :, :2], axis=0)).max() > 1.0


def test_bad_parameters_are_data_errors():
    with pytest.raises(DataError, match="kinds"):
        PoseWorldSource("video")
    with pytest.raises(DataError, match="size"):
        PoseWorldSource(size=8)
    with pytest.raises(IndexError):
        PoseWorldSource(length=3)[3]


def test_captions_parse_back_to_their_scenes():
    splits = {"train": 300, "eval": 14, "eval_style": 8, "eval_multi": 10}
    counts, motions, styles = set(), set(), set()
    for split, n in splits.items():
        for k in range(n):
            scene = sample_scene(0, split, k)
            parts = parse_caption(scene.caption)
            assert parts.figures == tuple(zip(scene.colors, scene.styles, strict=True))
            assert parts.background == scene.background
            assert parts.motion == motion_phrase(scene.motions)
            assert set(scene.caption.split()) <= set(POSEWORLD_WORDS)
            xs = [f.x_start for f in scene.figures]
            assert xs == sorted(xs)  # named left to right
            counts.add(len(scene.figures))
            motions |= set(scene.motions)
            styles |= set(scene.styles)
    assert counts == {1, 2, 3} and REAL_MOTION in motions and styles == set(STYLES)
    assert parse_caption("a red figure waving on a sunset background").figures == (("red", "filled"),)
    assert figure_captions("a red figure and a blue striped figure moving on a grass background") == [
        "a red figure moving on a grass background",
        "a blue striped figure moving on a grass background"]
    for bad in ("a red figure", "a teal figure waving on a sky background",
                "a red figure and a blue figure and a red figure and a red figure moving on a sky"
                " background", "a red shiny figure waving on a sky background"):
        with pytest.raises(ValueError):
            parse_caption(bad)


def test_training_never_shows_held_out_styles_or_groups():
    train = [sample_scene(0, "train", k) for k in range(1500)]
    assert not {p for s in train for p in zip(s.colors, s.styles, strict=True)} & set(HELD_OUT_STYLES)
    assert not {s.colors for s in train} & set(HELD_OUT_GROUPS)
    assert {sample_scene(0, "eval_style", k).figures[0].color for k in range(8)} == set(COLORS)
    assert {sample_scene(0, "eval_multi", k).colors for k in range(10)} == set(HELD_OUT_GROUPS)
    for scene in train[:200]:
        assert all(visible(c, scene.background) for c in scene.colors)


def test_figure_masks_cover_each_figure_and_styles_differ():
    scene = next(s for s in (sample_scene(0, "eval_multi", k) for k in range(10))
                 if len(s.figures) == 3)
    frames, keypoints = render_scene(scene, 96, 3)
    masks = figure_masks(scene, 96, 3)
    assert masks.shape == (3, 3, 96, 96) and not (masks.sum(axis=1) > 1).any()
    for p, color in enumerate(scene.colors):
        shown = frames[masks[:, p]].astype(np.float32)
        assert len(shown) > 30
        assert np.median(np.linalg.norm(shown - np.asarray(COLORS[color]), axis=-1)) < 60
        hips = keypoints[:, p, 11:13, 0].mean()
        assert abs(np.nonzero(masks[0, p])[1].mean() - hips) < 10  # the mask is figure p's
    looks = []
    for style in STYLES:
        figure = dataclasses.replace(scene.figures[0], style=style)
        styled = dataclasses.replace(scene, figures=(figure,))
        looks.append(render_scene(styled, 96, 1)[0][0].astype(np.float32))
    for a in range(3):
        for b in range(a + 1, 3):
            assert np.abs(looks[a] - looks[b]).max() > 100
