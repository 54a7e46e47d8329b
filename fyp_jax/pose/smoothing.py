"""Temporal smoothing of keypoints with the One-Euro filter (Casiez, Roussel & Vogel, CHI 2012).

Each coordinate is low-pass filtered with a cutoff that rises with its speed: slow joints are
smoothed hard (no jitter), fast ones little (no lag). A joint below `min_confidence` is not
filtered and restarts its filter when it is seen again.
"""

import numpy as np

from fyp_jax.pose.keypoints import PoseSequence


def _smoothing_factor(cutoff: np.ndarray | float, dt: float) -> np.ndarray:
    tau = 1.0 / (2.0 * np.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


def one_euro(
    values: np.ndarray,
    valid: np.ndarray,
    fps: float,
    min_cutoff: float = 1.0,
    beta: float = 0.05,
    d_cutoff: float = 1.0,
) -> np.ndarray:
    """One-Euro filter along axis 0 of `values` [T, ...] sampled at `fps`; `valid` [T, ...] marks
    the samples to filter (others pass through and reset the filter). Cutoffs are in Hz; `beta`
    is per unit of speed (value units per second)."""
    dt = 1.0 / fps
    out = values.astype(np.float32).copy()
    state = values[0].astype(np.float32).copy()
    speed = np.zeros_like(state)
    alive = valid[0].copy()
    for t in range(1, len(values)):
        x = values[t]
        raw_speed = (x - state) / dt
        speed = np.where(alive, speed + _smoothing_factor(d_cutoff, dt) * (raw_speed - speed), 0.0)
        a = _smoothing_factor(min_cutoff + beta * np.abs(speed), dt)
        filtered = np.where(alive, state + a * (x - state), x)
        out[t] = np.where(valid[t], filtered, x)
        state = np.where(valid[t], out[t], state)
        alive = valid[t]
    return out


def smooth_keypoints(
    seq: PoseSequence,
    min_cutoff: float = 1.0,
    beta: float = 0.05,
    min_confidence: float = 0.3,
    fps: float | None = None,
) -> PoseSequence:
    """One-Euro smoothing of every joint's (x, y) over frames; `fps` defaults to the sequence's
    (30 when unknown). `beta` is per pixel/second scaled to the image's shorter side at 512."""
    fps = fps or seq.fps or 30.0
    pixels_per_unit = min(seq.width, seq.height) / 512.0
    valid = np.repeat((seq.keypoints[..., 2] >= min_confidence)[..., None], 2, axis=-1)
    xy = one_euro(seq.keypoints[..., :2], valid, fps, min_cutoff, beta / pixels_per_unit)
    keypoints = seq.keypoints.copy()
    keypoints[..., :2] = xy
    return seq.replace(keypoints=keypoints)
