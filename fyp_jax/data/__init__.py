"""Datasets and the input pipeline.

Sources (random-access sequences of records):
- `open_split(folder, split)`: a dataset built with `python -m fyp_jax.data build ...`
  (`laion_pose`, `video_text`, `pose_world`, `video_latents`), read without TensorFlow.
- `PoseWorldSource(...)`: the procedural PoseWorld, rendered on request, nothing to build.

Transforms (record -> example): `ImageTransform` (stage 1), `ClipTransform` (stage 2),
`EvalTransform` (PoseWorld evaluation). `make_loader` batches them per process, with a
checkpointable position and bad records skipped and counted.

The builders (`build_laion_pose`, `build_video_text`, `build_pose_world`,
`build_latent_cache`) live in `fyp_jax.data.builders`; importing this package imports neither
them nor TFDS.
"""

from fyp_jax.data.batching import stack_examples
from fyp_jax.data.built import find_dataset, open_split
from fyp_jax.data.loader import Loader, make_loader
from fyp_jax.data.poseworld import (
    ALL_TRIPLES,
    BACKGROUNDS,
    COLORS,
    HELD_OUT_TRIPLES,
    MOTIONS,
    POSEWORLD_WORDS,
    TRAIN_TRIPLES,
    PoseWorldSource,
)
from fyp_jax.data.transforms import ClipTransform, EvalTransform, ImageTransform

__all__ = [
    "ALL_TRIPLES",
    "BACKGROUNDS",
    "COLORS",
    "ClipTransform",
    "EvalTransform",
    "HELD_OUT_TRIPLES",
    "ImageTransform",
    "Loader",
    "MOTIONS",
    "POSEWORLD_WORDS",
    "PoseWorldSource",
    "TRAIN_TRIPLES",
    "find_dataset",
    "make_loader",
    "open_split",
    "stack_examples",
]
