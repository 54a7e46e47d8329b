"""Scores of an edited PoseWorld video: which value of each attribute it shows, frame by frame.

An attribute (the figure's colour or style, the background) is read by nearest prototype: the
scene is rendered once with every candidate value of the attribute, all else as asked, and each
generated frame takes the value whose rendering is closest (mean absolute difference) over the
attribute's region: the figure (the ground truth's figure mask) for colour and style, the
background (everything at least ``BACKGROUND_MARGIN`` of the frame away from the figure) for
the background. The prototypes share everything but the attribute, so a misplaced limb or a
blurred edge costs every candidate alike. A striped figure's bands may fall anywhere: its
prototype is the nearest of several band phases (``STRIPE_PHASES``).

An edit changes one attribute of a source scene (``target`` = the source with it replaced):
``changed`` is the share of frames showing the new value, ``preserved`` the share showing the
source's value, over the other attributes; ``pose_iou`` compares the figure with the target's
(:func:`fyp_jax.eval.metrics.pose_iou`), ``kept_error`` is the mean absolute difference to the
source (0-1) over the part the edit should leave alone (the background for a figure edit, the
figure for a background edit).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from fyp_jax.data.poseworld.scene import Scene, figure_masks, render_scene
from fyp_jax.data.poseworld.vocabulary import BACKGROUNDS, COLORS, STYLES, visible
from fyp_jax.errors import ConfigError
from fyp_jax.eval.metrics import pose_iou
from fyp_jax.pipeline.editing import dilate

ATTRIBUTES = ("color", "style", "background")
FIGURE_ATTRIBUTES = ("color", "style")  # of the first (leftmost) figure
BACKGROUND_MARGIN = 0.05  # of the frame's side: pixels this near a figure are not background
SCORES = ("changed", "preserved", "pose_iou", "kept_error")
STRIPE_PHASES = (0.0, 0.25, 0.5, 0.75)  # of a band period: where a striped prototype's bands fall


def check_attributes(names: list[str]) -> None:
    unknown = [n for n in names if n not in ATTRIBUTES]
    if unknown or not names:
        raise ConfigError(f"unknown attributes {unknown or names}; known: {', '.join(ATTRIBUTES)}")


def candidates(attribute: str) -> tuple[str, ...]:
    """Every value ``attribute`` can take."""
    return {"color": tuple(COLORS), "style": STYLES, "background": tuple(BACKGROUNDS)}[attribute]


def value_of(scene: Scene, attribute: str) -> str:
    if attribute == "background":
        return scene.background
    return getattr(scene.figures[0], attribute)


def with_value(scene: Scene, attribute: str, value: str) -> Scene:
    """``scene`` with ``attribute`` set to ``value`` (colour and style: of the first figure)."""
    if attribute == "background":
        return dataclasses.replace(scene, background=value)
    return with_first_figure(scene, **{attribute: value})


def edit_target(scene: Scene, attribute: str, rng: np.random.Generator) -> Scene:
    """``scene`` with ``attribute`` changed to another value drawn from ``rng``, one that keeps
    every figure colour visible on the background."""
    options = [v for v in candidates(attribute) if v != value_of(scene, attribute)
               and all(visible(c, with_value(scene, attribute, v).background)
                       for c in with_value(scene, attribute, v).colors)]
    return with_value(scene, attribute, str(rng.choice(options)))


@dataclasses.dataclass(frozen=True)
class Truth:
    """What a scene looks like at ``size`` over ``frames`` frames: its frames and regions."""

    frames: np.ndarray  # uint8 [F, S, S, 3]
    figure: np.ndarray  # bool [F, S, S]: the first figure
    background: np.ndarray  # bool [F, S, S]: away from every figure

    @classmethod
    def of(cls, scene: Scene, size: int, frames: int) -> Truth:
        masks = figure_masks(scene, size, frames)
        margin = max(1, round(BACKGROUND_MARGIN * size))
        return cls(render_scene(scene, size, frames)[0], masks[:, 0],
                   ~dilate(masks.any(axis=1), margin))


def classify(video: np.ndarray, scene: Scene, attribute: str, truth: Truth) -> list[str]:
    """Per frame of ``video`` (uint8 ``[F, S, S, 3]``), the value of ``attribute`` whose
    rendering of ``scene`` (the nearest of its :func:`prototypes`) is nearest over the
    attribute's region of ``truth``."""
    size, frames = video.shape[1], video.shape[0]
    region = truth.background if attribute == "background" else truth.figure
    keep = region[..., None]
    x = video.astype(np.float32)
    area = np.maximum(keep.sum(axis=(1, 2, 3)) * 3, 1)
    names = candidates(attribute)
    errors = []
    for value in names:
        distances = [(np.abs(x - prototype.astype(np.float32)) * keep).sum(axis=(1, 2, 3)) / area
                     for prototype in prototypes(scene, attribute, value, size, frames)]
        errors.append(np.min(distances, axis=0))
    return [names[k] for k in np.argmin(np.stack(errors), axis=0)]


def prototypes(scene: Scene, attribute: str, value: str, size: int, frames: int) -> list[np.ndarray]:
    """Renderings (uint8 ``[F, S, S, 3]``) of ``scene`` with ``attribute`` set to ``value``: one,
    or for a striped first figure one per band phase of :data:`STRIPE_PHASES`, since a caption
    says "striped" but not where the bands fall."""
    target = with_value(scene, attribute, value)
    phases = STRIPE_PHASES if target.figures[0].style == "striped" else (0.0,)
    return [render_scene(with_first_figure(target, stripe_phase=phase), size, frames)[0]
            for phase in phases]


def with_first_figure(scene: Scene, **changes) -> Scene:
    """``scene`` with ``changes`` (:class:`Figure` fields) made to its first figure."""
    first = dataclasses.replace(scene.figures[0], **changes)
    return dataclasses.replace(scene, figures=(first, *scene.figures[1:]))


def score_edit(video: np.ndarray, source: Scene, target: Scene, attribute: str,
               source_frames: np.ndarray) -> dict[str, float]:
    """:data:`SCORES` of ``video``, meant as ``source`` (rendered as ``source_frames``) with
    ``attribute`` changed, i.e. showing ``target``."""
    size, frames = video.shape[1], video.shape[0]
    truth = Truth.of(target, size, frames)
    changed = np.mean([v == value_of(target, attribute)
                       for v in classify(video, target, attribute, truth)])
    preserved = [np.mean([v == value_of(source, other)
                          for v in classify(video, target, other, truth)])
                 for other in ATTRIBUTES if other != attribute]
    untouched = truth.figure if attribute == "background" else truth.background
    diff = np.abs(video.astype(np.float32) - source_frames.astype(np.float32)).mean(axis=-1)
    return dict(changed=float(changed), preserved=float(np.mean(preserved)),
                pose_iou=pose_iou(video, truth.frames, COLORS[target.figures[0].color]),
                kept_error=float(diff[untouched].mean() / 255.0))
