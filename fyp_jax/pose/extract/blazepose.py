"""MediaPipe Pose (BlazePose) landmarks -> COCO-17 keypoints.

BlazePose has 33 landmarks; the 17 COCO joints are among them with the same meaning (its hips sit
a little higher than COCO's). Coordinates come normalised to [0, 1] by the image size; the
confidence is the landmark's visibility.
"""

import numpy as np

NUM_LANDMARKS = 33
# For each COCO-17 keypoint, the BlazePose landmark index.
COCO17_FROM_BLAZEPOSE = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)


def blazepose_to_coco17(landmarks: np.ndarray, height: int, width: int) -> np.ndarray:
    """[33, 4] (x, y, z, visibility), x and y normalised -> float32 [17, 3] pixels + visibility."""
    chosen = np.asarray(landmarks, np.float32)[list(COCO17_FROM_BLAZEPOSE)]
    return np.stack([chosen[:, 0] * width, chosen[:, 1] * height, chosen[:, 3]], axis=1)
