"""One PoseWorld example: a scene drawn from a random generator, rendered as frames + keypoints.

Everything about an example follows from `np.random.default_rng` seeded with (seed, split,
index), so example k is the same wherever and whenever it is made.

- "train": 1-3 figures (half the scenes one), each with its own colour, style and motion
  (a synthetic primitive, or a real dancer's keypoints), scale and place; never a held-out
  combination of vocabulary.py.
- "eval": v1's split, unchanged: one filled figure, `HELD_OUT_TRIPLES[index % 14]`.
- "eval_style": one figure of a held-out (colour, style) pair, `HELD_OUT_STYLES[index % 8]`.
- "eval_multi": 2-3 filled figures in a held-out left-to-right colour group,
  `HELD_OUT_GROUPS[index % 10]`.
"""

import dataclasses
import functools

import numpy as np

from fyp_jax.data.poseworld.body import face_visibility, pose_body
from fyp_jax.data.poseworld.draw import composite, draw_background, draw_figure
from fyp_jax.data.poseworld.motions import CYCLES, PRIMITIVES
from fyp_jax.data.poseworld.real_motion import real_body, real_sequences
from fyp_jax.data.poseworld.vocabulary import (
    BACKGROUNDS,
    COLORS,
    HELD_OUT_GROUPS,
    HELD_OUT_STYLES,
    HELD_OUT_TRIPLES,
    MOTIONS,
    REAL_MOTION,
    STYLES,
    motion_phrase,
    scene_caption,
    visible,
)
from fyp_jax.pose.render import THICKNESS_AT_512

SPLITS = ("train", "eval", "eval_style", "eval_multi")
GROUND = 0.9  # v1's feet height in the image, fraction of the image height
DEFAULT_LINE_WIDTH = THICKNESS_AT_512 / 512  # the pose toolkit's skeleton line width
# Skeleton line widths seen in training, fraction of the shorter image side: from the real
# skeleton videos' (6 px at 1080) to the toolkit's (6 px at 512).
LINE_WIDTHS = (0.0045, 0.0125)
FIGURE_COUNTS, FIGURE_COUNT_SHARES = (1, 2, 3), (0.5, 0.3, 0.2)
STYLE_SHARES = (0.5, 0.25, 0.25)
REAL_SHARE = 0.25  # of training figures follow a real dancer
REAL_SPEEDS = (2.0, 5.0)  # source frames per clip frame (30 fps sources, 6-15 fps clips)
# Per figure count: (body height range, centre of each slot left to right, slot jitter).
LAYOUTS = {
    1: ((0.5, 0.8), (0.5,), 0.15),
    2: ((0.4, 0.65), (0.3, 0.7), 0.08),
    3: ((0.32, 0.5), (0.2, 0.5, 0.8), 0.05),
}


@dataclasses.dataclass(frozen=True)
class Figure:
    """One figure: its look, where it stands, how it moves. `motion` is a key of MOTIONS, or
    REAL_MOTION (then `real_sequence` picks the dancer, `real_start` and `real_speed` the
    source frames, `side` < 0 mirrors it)."""

    color: str
    style: str
    motion: str
    body_height: float  # fraction of the image height
    x_start: float  # the figure's centre at the first frame, fraction of the image width
    x_end: float  # ... at the last frame (walking figures move toward where they face)
    ground: float  # the feet's height, fraction of the image height
    yaw: float
    side: float
    amplitude: float
    phase: float  # phase of the motion at the first frame, in cycles
    cycles: float  # cycles over the whole clip
    real_sequence: int = 0
    real_start: float = 0.0
    real_speed: float = 0.0
    stripe_phase: float = 0.0  # striped: the bands shifted down by this share of a period


@dataclasses.dataclass(frozen=True)
class Scene:
    """What an example shows: `figures` left to right on `background`; its skeletons are
    drawn `line_width` (fraction of the shorter image side) wide."""

    figures: tuple[Figure, ...]
    background: str
    line_width: float = DEFAULT_LINE_WIDTH

    @property
    def colors(self) -> tuple[str, ...]:
        return tuple(f.color for f in self.figures)

    @property
    def styles(self) -> tuple[str, ...]:
        return tuple(f.style for f in self.figures)

    @property
    def motions(self) -> tuple[str, ...]:
        return tuple(f.motion for f in self.figures)

    @property
    def caption(self) -> str:
        return scene_caption(
            tuple(zip(self.colors, self.styles, strict=True)),
            motion_phrase(self.motions),
            self.background,
        )


def _v1_figure(rng: np.random.Generator, color: str, motion: str) -> Figure:
    """v1's single figure, drawing from `rng` exactly as v1 did (the eval split is v1's)."""
    side = float(rng.choice([-1.0, 1.0]))
    x_start = rng.uniform(0.38, 0.62)
    yaw = rng.uniform(-0.35, 0.35)
    if motion == "walk":
        yaw = side * rng.uniform(0.9, 1.4)
        x_start = rng.uniform(0.3, 0.45) if side > 0 else rng.uniform(0.55, 0.7)
    x_end = x_start + (side * rng.uniform(0.1, 0.25) if motion == "walk" else 0.0)
    body_height = rng.uniform(0.55, 0.68)  # <= 0.68: a jumping head stays in the frame
    amplitude = rng.uniform(0.8, 1.1)
    phase = 0.0 if motion == "turn" else rng.uniform(0.0, 1.0)
    return Figure(
        color=color, style=STYLES[0], motion=motion, body_height=float(body_height),
        x_start=float(x_start), x_end=float(x_end), ground=GROUND, yaw=float(yaw), side=side,
        amplitude=float(amplitude), phase=float(phase), cycles=float(rng.uniform(*CYCLES[motion])),
    )


def _figure(rng: np.random.Generator, color: str, style: str, motion: str, count: int,
            slot: int) -> Figure:
    """A figure of a `count`-figure scene standing in `slot` (0 leftmost)."""
    heights, centres, jitter = LAYOUTS[count]
    side = float(rng.choice([-1.0, 1.0]))
    x_start = centres[slot] + rng.uniform(-jitter, jitter)
    yaw = rng.uniform(-0.35, 0.35)
    x_end = x_start
    if motion == "walk":
        yaw = side * rng.uniform(0.9, 1.4)
        reach = (0.1, 0.25) if count == 1 else (0.03, 0.08)  # walkers keep their order
        x_start -= side * reach[0]
        x_end = x_start + side * rng.uniform(*reach)
    real = dict(real_sequence=0, real_start=0.0, real_speed=0.0)
    if motion == REAL_MOTION:
        sequence = int(rng.integers(len(real_sequences())))
        real = dict(real_sequence=sequence,
                    real_start=float(rng.uniform(0, len(real_sequences()[sequence]))),
                    real_speed=float(rng.uniform(*REAL_SPEEDS)))
    cycles = CYCLES.get(motion, (1.0, 1.0))
    return Figure(
        color=color, style=style, motion=motion, body_height=float(rng.uniform(*heights)),
        x_start=float(x_start), x_end=float(x_end), ground=float(rng.uniform(0.86, 0.96)),
        yaw=float(yaw), side=side, amplitude=float(rng.uniform(0.8, 1.1)),
        phase=0.0 if motion == "turn" else float(rng.uniform(0.0, 1.0)),
        cycles=float(rng.uniform(*cycles)), **real,
    )


def _allowed_in_training(colors, styles, motions, background) -> bool:
    return (
        len(set(colors)) == len(colors)
        and all(visible(c, background) for c in colors)
        and not any((c, background, m) in HELD_OUT_TRIPLES for c, m in zip(colors, motions, strict=True))
        and not any(pair in HELD_OUT_STYLES for pair in zip(colors, styles, strict=True))
        and tuple(colors) not in HELD_OUT_GROUPS
    )


def _train_scene(rng: np.random.Generator) -> Scene:
    count = int(rng.choice(FIGURE_COUNTS, p=FIGURE_COUNT_SHARES))
    motion_names = (*MOTIONS, REAL_MOTION)
    motion_p = [(1 - REAL_SHARE) / len(MOTIONS)] * len(MOTIONS) + [REAL_SHARE]
    while True:
        background = str(rng.choice(list(BACKGROUNDS)))
        colors = tuple(str(c) for c in rng.choice(list(COLORS), size=count, replace=False))
        styles = tuple(str(s) for s in rng.choice(STYLES, size=count, p=STYLE_SHARES))
        if rng.uniform() < 0.5:  # all doing the same motion, so the caption names it
            motions = (str(rng.choice(motion_names, p=motion_p)),) * count
        else:
            motions = tuple(str(m) for m in rng.choice(motion_names, size=count, p=motion_p))
        if _allowed_in_training(colors, styles, motions, background):
            break
    figures = tuple(_figure(rng, c, s, m, count, k)
                    for k, (c, s, m) in enumerate(zip(colors, styles, motions, strict=True)))
    return Scene(figures, background, float(rng.uniform(*LINE_WIDTHS)))


def _eval_scene(rng: np.random.Generator, colors: tuple[str, ...],
                styles: tuple[str, ...]) -> Scene:
    """A scene of held-out `colors`/`styles` on a background they all show on, synthetic
    motions."""
    backgrounds = [b for b in BACKGROUNDS if all(visible(c, b) for c in colors)]
    background = str(rng.choice(backgrounds))
    motions = tuple(str(m) for m in rng.choice(list(MOTIONS), size=len(colors)))
    figures = tuple(_figure(rng, c, s, m, len(colors), k)
                    for k, (c, s, m) in enumerate(zip(colors, styles, motions, strict=True)))
    return Scene(figures, background)


def sample_scene(seed: int, split: str, index: int) -> Scene:
    """The scene of example `index` of `split` (one of SPLITS) of the world `seed`."""
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    if split == "train":
        return _train_scene(rng)
    if split == "eval":
        color, background, motion = HELD_OUT_TRIPLES[index % len(HELD_OUT_TRIPLES)]
        return Scene((_v1_figure(rng, color, motion),), background)
    if split == "eval_style":
        color, style = HELD_OUT_STYLES[index % len(HELD_OUT_STYLES)]
        return _eval_scene(rng, (color,), (style,))
    group = HELD_OUT_GROUPS[index % len(HELD_OUT_GROUPS)]
    return _eval_scene(rng, group, (STYLES[0],) * len(group))


def _figure_frame(figure: Figure, t: float, frame: int, size: int):
    """(Body, face visibility [5], projection) of `figure` at clip time `t` in [0, 1)."""
    scale = figure.body_height * size
    centre = (figure.x_start + (figure.x_end - figure.x_start) * t) * size
    to_pixels = functools.partial(_project, centre=centre, ground=figure.ground * size,
                                  scale=scale)
    if figure.motion == REAL_MOTION:
        body, face = real_body(figure.real_sequence,
                               figure.real_start + figure.real_speed * frame, figure.side < 0)
        return body, face, to_pixels
    pose = PRIMITIVES[figure.motion](figure.phase + figure.cycles * t, figure.side,
                                     figure.amplitude)
    body = pose_body(dataclasses.replace(pose, yaw=pose.yaw + figure.yaw))
    return body, face_visibility(body), to_pixels


def _render(scene: Scene, size: int, num_frames: int):
    background = draw_background(BACKGROUNDS[scene.background], size, size)
    count = len(scene.figures)
    frames = np.empty((num_frames, size, size, 3), np.uint8)
    keypoints = np.empty((num_frames, count, 17, 3), np.float32)
    masks = np.empty((num_frames, count, size, size), bool)
    back_to_front = sorted(range(count), key=lambda p: scene.figures[p].ground)
    for f in range(num_frames):
        canvas = background.copy()
        shown = np.zeros((count, size, size), np.float32)
        for p in back_to_front:
            figure = scene.figures[p]
            body, face, to_pixels = _figure_frame(figure, f / num_frames, f, size)
            layer, alpha = draw_figure(body, to_pixels, figure.body_height * size,
                                       COLORS[figure.color], figure.style, size, size,
                                       figure.stripe_phase)
            composite(canvas, layer, alpha)
            shown *= 1.0 - alpha
            shown[p] = alpha
            keypoints[f, p, :, :2] = to_pixels(body.joints)
            keypoints[f, p, :, 2] = 1.0
            keypoints[f, p, :5, 2] = face
        frames[f] = np.rint(canvas).astype(np.uint8)
        masks[f] = shown > 0.5
    return frames, keypoints, masks


def render_scene(scene: Scene, size: int, num_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Frames uint8 [F, size, size, 3] and keypoints float32 [F, P, 17, 3] (x, y, confidence in
    pixels; P figures left to right). One frame (`num_frames` 1) shows the scene's start."""
    frames, keypoints, _ = _render(scene, size, num_frames)
    return frames, keypoints


def figure_masks(scene: Scene, size: int, num_frames: int) -> np.ndarray:
    """bool [F, P, size, size]: where figure p is visible (at least half covering the pixel,
    after the figures in front of it)."""
    return _render(scene, size, num_frames)[2]


def _project(points: np.ndarray, centre: float, ground: float, scale: float) -> np.ndarray:
    """Orthographic view: 3-D body points [..., 3] -> image (x, y) [..., 2]."""
    return np.stack([centre + scale * points[..., 0], ground - scale * points[..., 1]], axis=-1)
