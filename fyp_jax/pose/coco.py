"""The COCO-17 body model: keypoint order, the 19 skeleton links and their colours.

The link list and its order are the mmpose COCO skeleton; drawing in this order reproduces the
overlaps of the FollowYourPose skeleton videos (a limb drawn after the torso covers it at the
shoulder). Colours are RGB as they appear in the decoded example videos.
"""

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
NUM_KEYPOINTS = len(KEYPOINT_NAMES)

# Sides are the person's own: "left_*" is the person's left, on the image's right when they face
# the camera.
TORSO_AND_HEAD = "torso_and_head"
RIGHT_LIMBS = "right_limbs"
LEFT_LIMBS = "left_limbs"

CLASS_COLOURS: dict[str, tuple[int, int, int]] = {
    TORSO_AND_HEAD: (255, 153, 51),
    RIGHT_LIMBS: (0, 128, 255),
    LEFT_LIMBS: (0, 255, 0),
}

# (keypoint a, keypoint b, colour class), in drawing order.
LINKS: tuple[tuple[int, int, str], ...] = (
    (15, 13, LEFT_LIMBS),
    (13, 11, LEFT_LIMBS),
    (16, 14, RIGHT_LIMBS),
    (14, 12, RIGHT_LIMBS),
    (11, 12, TORSO_AND_HEAD),
    (5, 11, TORSO_AND_HEAD),
    (6, 12, TORSO_AND_HEAD),
    (5, 6, TORSO_AND_HEAD),
    (5, 7, LEFT_LIMBS),
    (6, 8, RIGHT_LIMBS),
    (7, 9, LEFT_LIMBS),
    (8, 10, RIGHT_LIMBS),
    (1, 2, TORSO_AND_HEAD),
    (0, 1, TORSO_AND_HEAD),
    (0, 2, TORSO_AND_HEAD),
    (1, 3, TORSO_AND_HEAD),
    (2, 4, TORSO_AND_HEAD),
    (3, 5, TORSO_AND_HEAD),
    (4, 6, TORSO_AND_HEAD),
)

# COCO-17 index of the same body part on the other side (nose maps to itself); used to mirror.
MIRROR_INDEX: tuple[int, ...] = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)
