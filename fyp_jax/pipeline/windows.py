"""Long videos as overlapping windows, fused per step inside the compiled step loop.

A video of N frames longer than the window W is denoised, at every step, as windows of W frames
that start every ``W - overlap`` frames (the last one ends at frame N - 1). The UNet predicts
each window; the predictions of a frame covered by several windows are averaged with per-window
weights (``flat``: equal; ``pyramid``: 1, 2, ... rising to the window's middle and falling again,
so a window's edge frames count least); the sampler then takes one step on all N frames. With
``shift`` the windows move ``shift`` frames later at every step (modulo the stride), so the
joins fall somewhere else at every step. Only one window's activations exist at a time: peak
memory is set by W, not N.

Anchoring (``anchor=True``). FollowYourPose's sparse-causal attention gives frame i the keys and
values of frame 0 and of frame i-1 (frame 0 uses itself twice). A window that simply started at
frame s would take frame s as its "frame 0" and see no frame before s: every window would draw its
own character and background, and each window's first frame would restart the motion. So every
window is run on ``[frame 0, frame s-1, frames s .. s+W-1]``: the GLOBAL first frame (its latent
at this step) and the frame before the window, as two extra frames in front, whose predictions
are dropped. Then, inside the model, frame s (local index 2) attends to the global frame 0 and to
frame s-1, exactly as in one-shot sampling, and the extra frame 0 attends to itself, as frame 0
always does. (The first window, s = 0, repeats frame 0 there.) This is done at the pipeline level,
not by passing frame-0 keys into the attention layers, because those keys are computed layer by
layer from frame 0's own activations: the model must run frame 0 anyway, and this way the model
code stays untouched. The cost is W + 2 frames per window. The temporal layers (attention over
frames, the temporal convolution) also see the two extra frames, as context; that context is what
the global anchor is meant to share.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from fyp_jax.errors import ConfigError

FUSIONS = ("flat", "pyramid")
ANCHOR_FRAMES = 2  # global frame 0 and the frame before the window


@dataclasses.dataclass(frozen=True)
class Windows:
    """Static description of the window schedule (hashable: a jit static argument)."""

    size: int
    overlap: int
    fusion: str = "pyramid"
    shift: int = 0
    anchor: bool = True

    def check(self) -> None:
        """ConfigError for a schedule that cannot cover a video."""
        if self.size < 1:
            raise ConfigError(f"window must be at least 1 frame, got {self.size}")
        if not 0 <= self.overlap < self.size:
            raise ConfigError(f"overlap must be in [0, window) = [0, {self.size}), got "
                              f"{self.overlap}")
        if self.fusion not in FUSIONS:
            raise ConfigError(f"unknown fusion {self.fusion!r}; known: {', '.join(FUSIONS)}")
        if self.shift < 0:
            raise ConfigError(f"shift must be >= 0 frames per step, got {self.shift}")

    @property
    def stride(self) -> int:
        return self.size - self.overlap

    def count(self, frames: int) -> int:
        """Windows per step for a video of ``frames`` (> size) frames."""
        return -(-(frames - self.size) // self.stride) + 1 + (1 if self.shift else 0)

    def starts(self, frames: int, step: jax.Array | int) -> jax.Array:
        """int32 ``[count]``: first frame of every window at sampler step ``step``."""
        offset = (step * self.shift) % self.stride if self.shift else 0
        base = jnp.arange(self.count(frames), dtype=jnp.int32) * self.stride
        return jnp.clip(base - offset, 0, frames - self.size)

    def weights(self) -> np.ndarray:
        """float32 ``[size]``: the fusion weight of each frame of a window."""
        if self.fusion == "flat":
            return np.ones(self.size, np.float32)
        j = np.arange(self.size)
        return np.minimum(j + 1, self.size - j).astype(np.float32)

    def context(self, start: jax.Array) -> jax.Array:
        """int32 frame indices a window starting at ``start`` runs on (anchors first)."""
        frames = start + jnp.arange(self.size, dtype=jnp.int32)
        if not self.anchor:
            return frames
        return jnp.concatenate([jnp.zeros(1, jnp.int32), jnp.maximum(start - 1, 0)[None], frames])

    def joins(self, frames: int) -> list[int]:
        """Frames j where a window of step 0 starts or ends (the pair (j-1, j) crosses a join)."""
        starts = [int(s) for s in np.asarray(self.starts(frames, 0))]
        ends = [s + self.size for s in starts if s + self.size < frames]
        return sorted({s for s in starts if s > 0} | set(ends))


def fused_prediction(predict: Callable[[jax.Array, Sequence[jax.Array] | None], jax.Array],
                     latents: jax.Array, pose_features: Sequence[jax.Array] | None,
                     step: jax.Array, windows: Windows) -> jax.Array:
    """The fused prediction ``[b, N, h, w, c]`` for ``latents [b, N, h, w, c]``.

    ``predict(window_latents, window_pose_features)`` is the (guided) UNet on one window's
    frames; ``pose_features``: the 4 maps ``[b, N, ...]`` (or None), gathered per window alike.
    """
    frames = latents.shape[1]
    weights = jnp.asarray(windows.weights())
    extra = ANCHOR_FRAMES if windows.anchor else 0
    starts = windows.starts(frames, step)

    def one(k, carry):
        total, norm = carry
        start = starts[k]
        idx = windows.context(start)
        feats = None if pose_features is None else [jnp.take(f, idx, axis=1)
                                                    for f in pose_features]
        eps = predict(jnp.take(latents, idx, axis=1), feats)[:, extra:]
        shape = (1, windows.size) + (1,) * (eps.ndim - 2)
        old = jax.lax.dynamic_slice_in_dim(total, start, windows.size, axis=1)
        total = jax.lax.dynamic_update_slice_in_dim(
            total, old + eps.astype(total.dtype) * weights.reshape(shape), start, axis=1)
        old_norm = jax.lax.dynamic_slice_in_dim(norm, start, windows.size)
        norm = jax.lax.dynamic_update_slice_in_dim(norm, old_norm + weights, start, axis=0)
        return total, norm

    init = (jnp.zeros(latents.shape, jnp.float32), jnp.zeros(frames, jnp.float32))
    total, norm = jax.lax.fori_loop(0, starts.shape[0], one, init)
    return (total / norm.reshape((1, frames) + (1,) * (latents.ndim - 2))).astype(latents.dtype)
