"""`PoseSequence`: COCO-17 keypoints of every person in every frame of a video."""

from __future__ import annotations

import dataclasses

import numpy as np

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.coco import NUM_KEYPOINTS
from fyp_jax.pose.keypoints.people import left_to_right, link_people


@dataclasses.dataclass(frozen=True)
class PoseSequence:
    """Keypoints `[frames, people, 17, 3]` float32: (x, y, confidence) in pixels of a
    `width` x `height` image (x to the right, y down, integer coordinates at pixel centres).

    A person slot that is empty in a frame has confidence 0 everywhere; slot p is assumed to be
    the same person in every frame (temporal smoothing relies on it); the loaders and extraction
    give slots so, ordered left to right by mean hip x (`fyp_jax.pose.keypoints.people`). `fps`
    is the frame rate of the source when it is known.
    """

    keypoints: np.ndarray
    width: int
    height: int
    fps: float | None = None

    def __post_init__(self) -> None:
        keypoints = np.asarray(self.keypoints, dtype=np.float32)
        if keypoints.ndim != 4 or keypoints.shape[2:] != (NUM_KEYPOINTS, 3):
            raise PoseInputError(
                f"keypoints must have shape [frames, people, {NUM_KEYPOINTS}, 3] (x, y, confidence),"
                f" got {list(keypoints.shape)}; reshape them or load them with load_keypoints()"
            )
        if keypoints.shape[0] == 0:
            raise PoseInputError(
                "the pose sequence has no frame; give at least one frame of keypoints"
            )
        if not np.isfinite(keypoints).all():
            raise PoseInputError(
                "keypoints contain NaN or infinity; set missing joints to confidence 0"
            )
        if self.width < 1 or self.height < 1:
            raise PoseInputError(
                f"image size must be positive, got width {self.width}, height {self.height}"
            )
        object.__setattr__(self, "keypoints", keypoints)
        object.__setattr__(self, "width", int(self.width))
        object.__setattr__(self, "height", int(self.height))

    @property
    def num_frames(self) -> int:
        return self.keypoints.shape[0]

    @property
    def num_people(self) -> int:
        return self.keypoints.shape[1]

    def replace(self, **changes) -> PoseSequence:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def stack_people(frames: list[list[np.ndarray]]) -> np.ndarray:
    """Per-frame lists of `[17, 3]` people -> `[frames, max people, 17, 3]`: each slot one person
    across frames, slots left to right (`people`), empty slots at confidence 0. A video where
    nobody is ever seen gets one empty slot per frame."""
    return left_to_right(link_people(frames))
