"""The multi-figure scorer on PoseWorld's own renderings: perfect on the truth, and it notices a
swapped colour order, a missing figure and an extra one. No model."""

import dataclasses

import pytest

from fyp_jax.data.poseworld import (
    BACKGROUNDS,
    COLORS,
    HELD_OUT_GROUPS,
    HELD_OUT_TRIPLES,
    figure_masks,
    render_scene,
    sample_scene,
)
from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.eval.multi import multi_clips, summarize, table
from fyp_jax.eval.multi_metrics import score_scene

SIZE, FRAMES = 64, 4


def scored(scene, video_scene):
    """Scores of `video_scene`'s rendering as the generated video of `scene`."""
    truth, _ = render_scene(scene, SIZE, FRAMES)
    video, _ = render_scene(video_scene, SIZE, FRAMES)
    background = draw_background(BACKGROUNDS[scene.background], SIZE, SIZE)
    return score_scene(video, truth, figure_masks(scene, SIZE, FRAMES), scene.colors, COLORS,
                       background)


def recoloured(scene, colors):
    figures = tuple(dataclasses.replace(f, color=c) for f, c in zip(scene.figures, colors, strict=True))
    return dataclasses.replace(scene, figures=figures)


# eval_multi scenes 0 (red, blue), 6 (red, green, blue), 9 (purple, red, yellow); eval scene 0.
SCENES = [("eval_multi", 0), ("eval_multi", 6), ("eval_multi", 9), ("eval", 0)]


@pytest.mark.parametrize("split, index", SCENES)
def test_the_truth_scores_perfectly(split, index):
    scene = sample_scene(0, split, index)
    scores = scored(scene, scene)
    assert scores["figure_iou"] >= 0.97  # a few antialiased rim pixels
    assert scores["placement"] == 1.0 and scores["count_accuracy"] == 1.0
    assert scores["placed"] == [1.0] * len(scene.figures)


@pytest.mark.parametrize("split, index", SCENES[:3])
def test_a_swapped_colour_order_is_misplaced_not_misshapen(split, index):
    scene = sample_scene(0, split, index)
    shifted = scene.colors[1:] + scene.colors[:1]  # every figure in another's colour
    scores = scored(scene, recoloured(scene, shifted))
    assert scores["placement"] == 0.0
    assert scores["figure_iou"] >= 0.8 and scores["count_accuracy"] == 1.0


def test_a_missing_figure_and_an_extra_one_are_miscounted():
    scene = sample_scene(0, "eval_multi", 0)  # red, blue
    alone = dataclasses.replace(scene, figures=scene.figures[:1])
    missing = scored(scene, alone)
    assert missing["count_accuracy"] == 0.0 and missing["placed"][1] == 0.0
    assert missing["figure_iou"] <= 0.55
    # The blue figure drawn green: red is there, blue is not, a green figure is one too many
    # of another colour: still two figures, blue misplaced.
    green = scored(scene, recoloured(scene, ("red", "green")))
    assert green["count_accuracy"] == 1.0 and green["placed"] == [1.0, 0.0]
    small = dataclasses.replace(scene.figures[0], color="green", x_start=0.5, x_end=0.5,
                                ground=0.35, body_height=0.3)  # between the two, above them
    extra = dataclasses.replace(scene, figures=(*scene.figures, small))
    assert scored(scene, extra)["count_accuracy"] == 0.0


def test_clips_cover_every_held_out_combination_once_per_draw():
    clips = multi_clips(draws=2)
    assert len(clips) == 2 * (len(HELD_OUT_TRIPLES) + len(HELD_OUT_GROUPS))
    groups = [c.scene.colors for c in clips if c.split == "eval_multi"]
    assert sorted(groups) == sorted(list(HELD_OUT_GROUPS) * 2)
    indices = [(c.split, c.index) for c in clips]
    assert len(set(indices)) == len(indices)  # each draw another scene


def test_summary_by_figure_count_with_the_red_blue_row():
    rows = [dict(figures=n, colors=list(colors), figure_iou=iou, placement=p,
                 count_accuracy=1.0, placed=[p] * n)
            for n, colors, iou, p in [(1, ["red"], 0.5, float("nan")), (1, ["blue"], 0.7, 1.0),
                                      (2, ["red", "blue"], 0.4, 0.5),
                                      (2, ["red", "blue"], 0.2, 1.0)]]
    summary = summarize(rows)
    assert summary["1"]["clips"] == 2 and summary["1"]["figure_iou"][0] == pytest.approx(0.6)
    assert summary["1"]["placement"] == [1.0, 1.0, 1.0]  # the undefined one left out
    assert summary["red_blue"]["red_left"][0] == pytest.approx(0.75)
    assert summary["2"]["figure_iou"][1] <= 0.3 <= summary["2"]["figure_iou"][2]
    text = table(summary)
    assert "| 2: red, blue only | 2 |" in text and "red on the left skeleton: 0.750" in text


@pytest.mark.slow  # the whole multi evaluation on a tiny model: ~25 s
def test_the_evaluation_runs_end_to_end_on_a_tiny_model():
    from configs.models.tiny import bundle_configs
    from fyp_jax.eval.multi import MultiClip, evaluate_multi
    from fyp_jax.pipeline import SamplingOptions
    from fyp_jax.pipeline.random_bundle import random_bundle

    # batch, frames, size and steps as tests/test_eval_poseworld.py: the same compiled programs
    clips = [MultiClip("eval_multi", index, 0, sample_scene(0, "eval_multi", index))
             for index in (0, 6)]
    seen = []
    report = evaluate_multi(random_bundle(*bundle_configs()), clips=clips, frames=2, size=64,
                            batch=2, options=SamplingOptions(num_steps=2),
                            on_videos=lambda c, s, v: seen.append((len(c), s.shape, v.shape)),
                            log=lambda line: None)
    assert seen == [(2, (2, 2, 64, 64, 3), (2, 2, 64, 64, 3))]
    assert [r["figures"] for r in report["per_clip"]] == [2, 3]
    assert set(report["summary"]) == {"2", "3", "red_blue"}
    for row in report["per_clip"]:
        assert 0.0 <= row["figure_iou"] <= 1.0 and 0.0 <= row["count_accuracy"] <= 1.0
