"""The PoseWorld evaluation runs all three variants end to end (random-weight tiny model)."""

from __future__ import annotations

import numpy as np
import pytest

from fyp_jax.eval.poseworld import METRICS, VARIANTS, evaluate_poseworld
from fyp_jax.pipeline import SamplingOptions


@pytest.fixture(scope="module")
def tiny():
    from configs.models.tiny import bundle_configs
    from fyp_jax.pipeline.random_bundle import random_bundle

    return random_bundle(*bundle_configs())


# The other two variants only switch the pose input or the temporal layers off: ~50 s together.
@pytest.mark.parametrize("variant", [v if v == "full" else pytest.param(v, marks=pytest.mark.slow)
                                     for v in VARIANTS])
def test_variants_run_and_score_in_range(tiny, variant):
    seen = []
    report = evaluate_poseworld(tiny, variant=variant, num_examples=2, frames=2, size=64, batch=2,
                                options=SamplingOptions(num_steps=2),
                                on_videos=lambda r, v: seen.append(v.shape))
    assert seen == [(2, 2, 64, 64, 3)]
    assert len(report["per_clip"]) == 2
    for m in METRICS:
        assert 0.0 <= report[m] <= 1.0 and np.isfinite(report[m])


def test_paired_differences_see_what_separate_intervals_cannot():
    """Clips differ in difficulty far more than two methods differ: the separate intervals
    overlap, the paired interval of the differences excludes 0 and holds the true +0.02."""
    from fyp_jax.eval.intervals import bootstrap_mean
    from fyp_jax.eval.poseworld import differences_from

    rng = np.random.default_rng(0)
    hard = rng.uniform(0.2, 0.9, 56)
    scores = {"full": hard + 0.02 + rng.normal(0, 0.005, 56), "no_pose": hard}
    _, low_full, _ = bootstrap_mean(scores["full"])
    _, _, high_plain = bootstrap_mean(scores["no_pose"])
    assert low_full < high_plain
    reports = [dict(variant=v, per_clip=[dict(caption=f"clip {i}", **{m: float(x) for m in METRICS})
                                         for i, x in enumerate(s)]) for v, s in scores.items()]
    (d,) = differences_from(reports)
    assert (d["variant"], d["minus"]) == ("full", "no_pose")
    mean, low, high = d["pose_iou"]
    assert 0 < low < 0.02 < high and abs(mean - 0.02) < 0.003
    reports[1]["per_clip"][0]["caption"] = "another clip"
    with pytest.raises(ValueError, match="same clips"):
        differences_from(reports)
    assert differences_from(reports[1:]) == []
