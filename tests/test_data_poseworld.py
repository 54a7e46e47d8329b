"""PoseWorld: deterministic examples, held-out triples, captions from the public vocabulary,
keypoints that sit on the drawn figure."""

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
from fyp_jax.data.poseworld import caption
from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.data.poseworld.vocabulary import visible
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
    assert image["keypoints"].shape == (1, 17, 3)
    assert clip["frames"].shape == (6, size, size, 3)
    assert clip["keypoints"].shape == (6, 17, 3) and clip["keypoints"].dtype == np.float32
    assert clip["caption"] == caption(clip["color"], clip["background"], clip["motion"])


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


def test_keypoints_lie_on_the_figure_and_move():
    record = PoseWorldSource("clip", "train", size=128, num_frames=8, seed=1)[0]
    frames, keypoints = record["frames"], record["keypoints"]
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
