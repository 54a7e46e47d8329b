"""One PoseWorld example: a scene drawn from a random generator, rendered as frames + keypoints.

Everything about an example follows from `np.random.default_rng` seeded with (seed, split,
index), so example k is the same wherever and whenever it is made. A training example draws its
(color, background, motion) from `TRAIN_TRIPLES`; an evaluation example takes
`HELD_OUT_TRIPLES[index % len(HELD_OUT_TRIPLES)]`, so every held-out triple appears equally
often.
"""

import dataclasses
import functools

import numpy as np

from fyp_jax.data.poseworld.body import face_visibility, pose_body
from fyp_jax.data.poseworld.draw import draw_background, draw_body
from fyp_jax.data.poseworld.motions import CYCLES, PRIMITIVES
from fyp_jax.data.poseworld.vocabulary import (
    BACKGROUNDS,
    COLORS,
    HELD_OUT_TRIPLES,
    TRAIN_TRIPLES,
    caption,
)

SPLITS = ("train", "eval")
GROUND = 0.9  # the feet's height in the image, fraction of the image height


@dataclasses.dataclass(frozen=True)
class Scene:
    """What an example shows: the figure's look and motion, where it stands, how it moves."""

    color: str
    background: str
    motion: str
    body_height: float  # fraction of the image height
    x_start: float  # the figure's centre at the first frame, fraction of the image width
    x_end: float  # ... at the last frame (walking figures move toward where they face)
    yaw: float
    side: float
    amplitude: float
    phase: float  # phase of the motion at the first frame, in cycles
    cycles: float  # cycles over the whole clip

    @property
    def caption(self) -> str:
        return caption(self.color, self.background, self.motion)


def sample_scene(seed: int, split: str, index: int) -> Scene:
    """The scene of example `index` of `split` ("train" or "eval") of the world `seed`."""
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    if split == "train":
        color, background, motion = TRAIN_TRIPLES[rng.integers(len(TRAIN_TRIPLES))]
    else:
        color, background, motion = HELD_OUT_TRIPLES[index % len(HELD_OUT_TRIPLES)]
    side = float(rng.choice([-1.0, 1.0]))
    x_start = rng.uniform(0.38, 0.62)
    yaw = rng.uniform(-0.35, 0.35)
    if motion == "walk":
        yaw = side * rng.uniform(0.9, 1.4)
        x_start = rng.uniform(0.3, 0.45) if side > 0 else rng.uniform(0.55, 0.7)
    x_end = x_start + (side * rng.uniform(0.1, 0.25) if motion == "walk" else 0.0)
    return Scene(
        color=color,
        background=background,
        motion=motion,
        body_height=rng.uniform(0.55, 0.68),  # <= 0.68: a jumping head stays in the frame
        x_start=float(x_start),
        x_end=float(x_end),
        yaw=float(yaw),
        side=side,
        amplitude=rng.uniform(0.8, 1.1),
        phase=0.0 if motion == "turn" else rng.uniform(0.0, 1.0),
        cycles=rng.uniform(*CYCLES[motion]),
    )


def render_scene(scene: Scene, size: int, num_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Frames uint8 [F, size, size, 3] and keypoints float32 [F, 17, 3] (x, y, confidence in
    pixels). One frame (`num_frames` 1) shows the motion at the scene's starting phase."""
    background = draw_background(BACKGROUNDS[scene.background], size, size)
    scale = scene.body_height * size
    ground = GROUND * size
    frames = np.empty((num_frames, size, size, 3), np.uint8)
    keypoints = np.empty((num_frames, 17, 3), np.float32)
    for f in range(num_frames):
        t = f / num_frames
        pose = PRIMITIVES[scene.motion](scene.phase + scene.cycles * t, scene.side, scene.amplitude)
        body = pose_body(dataclasses.replace(pose, yaw=pose.yaw + scene.yaw))
        centre = (scene.x_start + (scene.x_end - scene.x_start) * t) * size
        to_pixels = functools.partial(_project, centre=centre, ground=ground, scale=scale)
        canvas = background.copy()
        draw_body(canvas, body, to_pixels, scale, COLORS[scene.color])
        frames[f] = np.rint(canvas).astype(np.uint8)
        keypoints[f, :, :2] = to_pixels(body.joints)
        keypoints[f, :, 2] = 1.0
        keypoints[f, :5, 2] = face_visibility(body)
    return frames, keypoints


def _project(points: np.ndarray, centre: float, ground: float, scale: float) -> np.ndarray:
    """Orthographic view: 3-D body points [..., 3] -> image (x, y) [..., 2]."""
    return np.stack([centre + scale * points[..., 0], ground - scale * points[..., 1]], axis=-1)
