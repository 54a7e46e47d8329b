"""PoseWorld: a deterministic procedural world of humanoid figures with COCO-17 skeletons,
one to three per scene, animated by motion primitives or real dancers' keypoints, each in a
named colour and style, on a named background, captioned from a closed vocabulary; with
evaluation splits of held-out combinations."""

from fyp_jax.data.poseworld.scene import (
    SPLITS,
    Figure,
    Scene,
    figure_masks,
    render_scene,
    sample_scene,
)
from fyp_jax.data.poseworld.source import PoseWorldSource
from fyp_jax.data.poseworld.vocabulary import (
    ALL_TRIPLES,
    BACKGROUNDS,
    CAPTION_TEMPLATE,
    COLORS,
    HELD_OUT_GROUPS,
    HELD_OUT_STYLES,
    HELD_OUT_TRIPLES,
    MOTIONS,
    POSEWORLD_WORDS,
    STYLES,
    TRAIN_TRIPLES,
    CaptionParts,
    caption,
    figure_captions,
    parse_caption,
    scene_caption,
)

__all__ = [
    "ALL_TRIPLES",
    "BACKGROUNDS",
    "CAPTION_TEMPLATE",
    "COLORS",
    "HELD_OUT_GROUPS",
    "HELD_OUT_STYLES",
    "HELD_OUT_TRIPLES",
    "MOTIONS",
    "POSEWORLD_WORDS",
    "PoseWorldSource",
    "SPLITS",
    "STYLES",
    "CaptionParts",
    "Figure",
    "Scene",
    "TRAIN_TRIPLES",
    "caption",
    "figure_masks",
    "figure_captions",
    "parse_caption",
    "render_scene",
    "sample_scene",
    "scene_caption",
]
