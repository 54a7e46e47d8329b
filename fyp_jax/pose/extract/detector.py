"""What a pose detector backend is: something that turns video frames into COCO-17 keypoints."""

from collections.abc import Iterable, Iterator
from typing import Protocol

import numpy as np

from fyp_jax.errors import PoseInputError


class DetectorUnavailableError(PoseInputError):
    """A detector cannot run here (its environment cannot be installed or does not start)."""


class PoseDetector(Protocol):
    """A pose detector. Implementations may keep state across the frames of one call (tracking),
    so frames must come in video order."""

    def detect(self, frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """uint8 RGB frames [H, W, 3] -> for each, float32 [people, 17, 3] (x, y, confidence in
        pixels of that frame; people may be 0)."""
        ...
