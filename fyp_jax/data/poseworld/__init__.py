"""PoseWorld: a deterministic procedural world of humanoid figures with COCO-17 skeletons,
animated by motion primitives, in a named color on a named background, captioned from a closed
vocabulary; with an evaluation split of held-out (color, background, motion) triples."""

from fyp_jax.data.poseworld.scene import Scene, render_scene, sample_scene
from fyp_jax.data.poseworld.source import PoseWorldSource
from fyp_jax.data.poseworld.vocabulary import (
    ALL_TRIPLES,
    BACKGROUNDS,
    CAPTION_TEMPLATE,
    COLORS,
    HELD_OUT_TRIPLES,
    MOTIONS,
    POSEWORLD_WORDS,
    TRAIN_TRIPLES,
    caption,
)

__all__ = [
    "ALL_TRIPLES",
    "BACKGROUNDS",
    "CAPTION_TEMPLATE",
    "COLORS",
    "HELD_OUT_TRIPLES",
    "MOTIONS",
    "POSEWORLD_WORDS",
    "PoseWorldSource",
    "Scene",
    "TRAIN_TRIPLES",
    "caption",
    "render_scene",
    "sample_scene",
]
