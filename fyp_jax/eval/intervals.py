"""Means with 95 % bootstrap intervals, so that differences of a few clips are not read as results;
paired differences for two methods scored on the same clips and seeds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def bootstrap_mean(values: Sequence[float], *, level: float = 0.95, resamples: int = 2000,
                   seed: int = 0) -> tuple[float, float, float]:
    """``(mean, low, high)``: the percentile bootstrap interval of the mean of ``values``
    (resampled with replacement ``resamples`` times; a fixed ``seed``, so reports are stable)."""
    x = np.asarray(values, np.float64)
    if x.size == 0:
        raise ValueError("no values to average")
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, (resamples, x.size))].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(x.mean()), float(low), float(high)


def paired_difference(first: Sequence[float], second: Sequence[float], **bootstrap
                      ) -> tuple[float, float, float]:
    """``(mean, low, high)`` of ``first[i] - second[i]``: two methods scored on the same clips
    (same truth, same seeds), so what makes a clip hard cancels and the interval is usually much
    narrower than the two methods' own intervals. Resampling keeps the pairs together."""
    a, b = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired scores need equal lengths, got {a.size} and {b.size}")
    return bootstrap_mean(a - b, **bootstrap)
