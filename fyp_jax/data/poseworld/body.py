"""PoseWorld's humanoid: joint angles -> 3-D points of the COCO-17 joints plus head and neck.

Units are body heights; X points to the person's left (the image's right when they face the
camera), Y up, Z toward the camera. A limb segment's direction comes from two angles: abduction
`a` in the frontal plane (0 hangs down, pi/2 points sideways out, pi points up) and flexion `f`
toward the front (pi/2 points forward): d = (side * sin a * cos f, -cos a * cos f, sin f), a
unit vector for every (a, f). The upper body leans forward by `lean` about the hips, the whole
body turns by `yaw` about the vertical axis (yaw pi/2 faces the image's right), then it is
lifted so that the lower ankle rests on the ground, plus `lift` (a jump).
"""

import dataclasses

import numpy as np

LEFT, RIGHT = 1.0, -1.0

HIP_HEIGHT, HIP_HALF_WIDTH = 0.52, 0.085
SHOULDER_HEIGHT, SHOULDER_HALF_WIDTH = 0.81, 0.17
UPPER_ARM, FOREARM, THIGH, SHIN = 0.16, 0.15, 0.24, 0.24
NECK_HEIGHT, HEAD_HEIGHT, HEAD_RADIUS = 0.85, 0.925, 0.065
ANKLE_HEIGHT = 0.04

# Head points relative to the head centre, before any rotation (COCO order 0..4).
_FACE = np.array(
    [
        (0.0, -0.01, 0.065),  # nose
        (0.028, 0.015, 0.055),  # left eye
        (-0.028, 0.015, 0.055),  # right eye
        (0.065, 0.0, 0.0),  # left ear
        (-0.065, 0.0, 0.0),  # right ear
    ],
    np.float32,
)

Angles = tuple[float, float]  # (abduction, flexion)


@dataclasses.dataclass(frozen=True)
class BodyPose:
    """Joint angles of one frame. Limb angles are (abduction, flexion) of each segment, absolute
    in the torso's frame; `*_l` is the person's left."""

    upper_arm_l: Angles = (0.1, 0.0)
    upper_arm_r: Angles = (0.1, 0.0)
    forearm_l: Angles = (0.1, 0.1)
    forearm_r: Angles = (0.1, 0.1)
    thigh_l: Angles = (0.04, 0.0)
    thigh_r: Angles = (0.04, 0.0)
    shin_l: Angles = (0.04, 0.0)
    shin_r: Angles = (0.04, 0.0)
    lean: float = 0.0
    yaw: float = 0.0
    lift: float = 0.0


@dataclasses.dataclass(frozen=True)
class Body:
    """3-D points of one frame: `joints` [17, 3] in COCO-17 order, `head` and `neck` [3]."""

    joints: np.ndarray
    head: np.ndarray
    neck: np.ndarray


def direction(angles: Angles, side: float) -> np.ndarray:
    a, f = angles
    return np.array([side * np.sin(a) * np.cos(f), -np.cos(a) * np.cos(f), np.sin(f)], np.float32)


def _rotate_x(points: np.ndarray, angle: float, pivot: np.ndarray) -> np.ndarray:
    """Rotate about the X axis through `pivot`; positive angles move +Y toward +Z."""
    c, s = np.cos(angle), np.sin(angle)
    rel = points - pivot
    y = rel[..., 1] * c - rel[..., 2] * s
    z = rel[..., 1] * s + rel[..., 2] * c
    return np.stack([rel[..., 0], y, z], axis=-1) + pivot


def _rotate_y(points: np.ndarray, angle: float) -> np.ndarray:
    """Rotate about the vertical axis; positive angles turn the +Z front toward +X."""
    c, s = np.cos(angle), np.sin(angle)
    x = points[..., 0] * c + points[..., 2] * s
    z = -points[..., 0] * s + points[..., 2] * c
    return np.stack([x, points[..., 1], z], axis=-1)


def pose_body(pose: BodyPose) -> Body:
    """The 3-D points of `pose`, standing on the ground plane Y = 0."""
    p = np.zeros((19, 3), np.float32)  # 17 COCO joints, then head centre (17) and neck (18)
    p[17] = (0.0, HEAD_HEIGHT, 0.0)
    p[18] = (0.0, NECK_HEIGHT, 0.0)
    p[0:5] = p[17] + _FACE
    for shoulder, elbow, wrist, side, upper, fore in (
        (5, 7, 9, LEFT, pose.upper_arm_l, pose.forearm_l),
        (6, 8, 10, RIGHT, pose.upper_arm_r, pose.forearm_r),
    ):
        p[shoulder] = (side * SHOULDER_HALF_WIDTH, SHOULDER_HEIGHT, 0.0)
        p[elbow] = p[shoulder] + UPPER_ARM * direction(upper, side)
        p[wrist] = p[elbow] + FOREARM * direction(fore, side)
    pelvis = np.array([0.0, HIP_HEIGHT, 0.0], np.float32)
    upper_body = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 18]
    p[upper_body] = _rotate_x(p[upper_body], pose.lean, pelvis)
    for hip, knee, ankle, side, thigh, shin in (
        (11, 13, 15, LEFT, pose.thigh_l, pose.shin_l),
        (12, 14, 16, RIGHT, pose.thigh_r, pose.shin_r),
    ):
        p[hip] = (side * HIP_HALF_WIDTH, HIP_HEIGHT, 0.0)
        p[knee] = p[hip] + THIGH * direction(thigh, side)
        p[ankle] = p[knee] + SHIN * direction(shin, side)
    p = _rotate_y(p, pose.yaw)
    p[:, 1] += ANKLE_HEIGHT - min(p[15, 1], p[16, 1]) + pose.lift
    return Body(joints=p[:17], head=p[17], neck=p[18])


def face_visibility(body: Body) -> np.ndarray:
    """[5] 1.0 for each face point (nose, eyes, ears) on the camera's side of the head, else 0."""
    return (body.joints[:5, 2] >= body.head[2] - 0.01).astype(np.float32)
