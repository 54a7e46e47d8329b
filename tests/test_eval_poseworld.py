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
