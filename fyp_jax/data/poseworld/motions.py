"""Motion primitives: for each PoseWorld motion, the body pose at a phase of its cycle.

A primitive is `pose(phase, side, amplitude)`: `phase` in cycles (the pose repeats every 1.0),
`side` +1 or -1 picks the arm that waves or the leg that kicks (+1 the person's left),
`amplitude` scales the movement (about 1). `CYCLES` gives how many cycles a clip shows, as a
(low, high) range to draw from; a turn is one full turn whatever its length.
"""

from collections.abc import Callable

import numpy as np

from fyp_jax.data.poseworld.body import BodyPose

TAU = 2.0 * np.pi
Primitive = Callable[[float, float, float], BodyPose]


def _by_side(side: float, chosen, other) -> tuple:
    """(left value, right value) with `chosen` on `side` (+1 left, -1 right)."""
    return (chosen, other) if side > 0 else (other, chosen)


def walk(phase: float, side: float, amplitude: float) -> BodyPose:
    s = np.sin(TAU * phase)
    c = np.cos(TAU * phase)
    swing = 0.45 * amplitude * s
    bend_l, bend_r = 0.7 * max(0.0, c), 0.7 * max(0.0, -c)
    return BodyPose(
        upper_arm_l=(0.12, -0.8 * swing),
        upper_arm_r=(0.12, 0.8 * swing),
        forearm_l=(0.12, -0.8 * swing + 0.35),
        forearm_r=(0.12, 0.8 * swing + 0.35),
        thigh_l=(0.03, swing),
        thigh_r=(0.03, -swing),
        shin_l=(0.03, swing - bend_l),
        shin_r=(0.03, -swing - bend_r),
        lean=0.05,
    )


def wave(phase: float, side: float, amplitude: float) -> BodyPose:
    hand = 2.65 + 0.45 * amplitude * np.sin(TAU * phase)
    raised, hanging = ((2.2, 0.1), (hand, 0.1)), ((0.15, 0.05), (0.15, 0.15))
    (upper_l, fore_l), (upper_r, fore_r) = _by_side(side, raised, hanging)
    return BodyPose(
        upper_arm_l=upper_l,
        upper_arm_r=upper_r,
        forearm_l=fore_l,
        forearm_r=fore_r,
        thigh_l=(0.06, 0.0),
        thigh_r=(0.06, 0.0),
        shin_l=(0.06, 0.0),
        shin_r=(0.06, 0.0),
    )


def jump(phase: float, side: float, amplitude: float) -> BodyPose:
    u = np.sin(TAU * phase)
    air, crouch = max(0.0, u), max(0.0, -u)
    thigh = 0.9 * crouch + 0.25 * air
    shin = thigh - (1.6 * crouch + 0.35 * air)
    arm = -0.6 * crouch + 2.6 * air
    return BodyPose(
        upper_arm_l=(0.15, arm),
        upper_arm_r=(0.15, arm),
        forearm_l=(0.15, arm + 0.2),
        forearm_r=(0.15, arm + 0.2),
        thigh_l=(0.05, thigh),
        thigh_r=(0.05, thigh),
        shin_l=(0.05, shin),
        shin_r=(0.05, shin),
        lean=0.35 * crouch,
        lift=0.22 * amplitude * air,
    )


def squat(phase: float, side: float, amplitude: float) -> BodyPose:
    depth = 0.5 * (1.0 - np.cos(TAU * phase)) * amplitude
    thigh = (0.1 + 0.35 * depth, 1.3 * depth)  # knees go forward and apart, seen from the front
    shin = (0.1 + 0.2 * depth, -0.9 * depth)
    arm = 1.4 * depth
    return BodyPose(
        upper_arm_l=(0.1, arm),
        upper_arm_r=(0.1, arm),
        forearm_l=(0.1, arm + 0.1),
        forearm_r=(0.1, arm + 0.1),
        thigh_l=thigh,
        thigh_r=thigh,
        shin_l=shin,
        shin_r=shin,
        lean=0.45 * depth,
    )


def arms_up(phase: float, side: float, amplitude: float) -> BodyPose:
    rise = 0.5 * (1.0 - np.cos(TAU * phase))
    upper = 0.15 + 2.75 * rise * min(amplitude, 1.05)
    fore = 0.15 + 2.85 * rise * min(amplitude, 1.05)
    legs = 0.05 + 0.08 * rise
    return BodyPose(
        upper_arm_l=(upper, 0.05),
        upper_arm_r=(upper, 0.05),
        forearm_l=(fore, 0.05),
        forearm_r=(fore, 0.05),
        thigh_l=(legs, 0.0),
        thigh_r=(legs, 0.0),
        shin_l=(legs, 0.0),
        shin_r=(legs, 0.0),
    )


def turn(phase: float, side: float, amplitude: float) -> BodyPose:
    return BodyPose(
        upper_arm_l=(0.35 * amplitude, 0.1),
        upper_arm_r=(0.35 * amplitude, 0.1),
        forearm_l=(0.5, 0.7),
        forearm_r=(0.5, 0.7),
        thigh_l=(0.06, 0.0),
        thigh_r=(0.06, 0.0),
        shin_l=(0.06, 0.0),
        shin_r=(0.06, 0.0),
        yaw=side * TAU * phase,
    )


def kick(phase: float, side: float, amplitude: float) -> BodyPose:
    k = max(0.0, np.sin(TAU * phase)) * amplitude
    raised = 0.05 + 1.2 * k  # a side kick: the leg rises sideways, the knee bent on the way
    kicking = ((raised, 0.3 * k), (raised - 2.0 * k * max(0.0, 1.0 - k), 0.3 * k))
    standing = ((0.05, 0.0), (0.05, 0.0))
    (thigh_l, shin_l), (thigh_r, shin_r) = _by_side(side, kicking, standing)
    return BodyPose(
        upper_arm_l=(0.6, 0.1),
        upper_arm_r=(0.6, 0.1),
        forearm_l=(0.7, 0.3),
        forearm_r=(0.7, 0.3),
        thigh_l=thigh_l,
        thigh_r=thigh_r,
        shin_l=shin_l,
        shin_r=shin_r,
    )


PRIMITIVES: dict[str, Primitive] = {
    "walk": walk,
    "wave": wave,
    "jump": jump,
    "squat": squat,
    "arms_up": arms_up,
    "turn": turn,
    "kick": kick,
}

CYCLES: dict[str, tuple[float, float]] = {
    "walk": (1.0, 2.0),
    "wave": (1.5, 3.0),
    "jump": (1.0, 1.0),
    "squat": (1.0, 1.0),
    "arms_up": (1.0, 1.0),
    "turn": (1.0, 1.0),
    "kick": (1.0, 1.0),
}
