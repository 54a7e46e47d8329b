"""Loaders named by a training config: the `config.data.source = "package.module:function"`
hook of `fyp_jax.train.data`, each called as `function(config, process_index=, process_count=)`.

  fyp_jax.data.factories:poseworld_images   stage 1 on PoseWorld, rendered on the fly
  fyp_jax.data.factories:poseworld_clips    stage 2 on PoseWorld clips, rendered on the fly
  fyp_jax.data.factories:built_images       stage 1 on a built laion_pose / pose_world image set
  fyp_jax.data.factories:built_clips        stage 2 on a built video_text / pose_world clip set
  fyp_jax.data.factories:built_latents      stage 2 on a built video_latents cache

Config fields read: `batch_size`, `seed`, `data.shuffle`, `data.height`, `data.width`,
`data.frames`, `stage2.pose_fraction` (> 0: clips come with skeletons; default 0); PoseWorld:
`data.num_examples` (examples per epoch), `data.world_seed` (default 0); built datasets:
`data.path` (the folder a build printed), `data.split` (default "train").
"""

from typing import Any

from fyp_jax.data.built import open_split
from fyp_jax.data.loader import Loader, make_loader
from fyp_jax.data.poseworld.source import PoseWorldSource
from fyp_jax.data.transforms import ClipTransform, ImageTransform


def _loader(config: Any, source, transform, process_index: int, process_count: int) -> Loader:
    return make_loader(
        source,
        global_batch_size=config.batch_size,
        seed=config.seed,
        shuffle=config.data.shuffle,
        process_index=process_index,
        process_count=process_count,
        transform=transform,
    )


def _size(config: Any) -> tuple[int, int]:
    return (config.data.height, config.data.width)


def _world(config: Any, kind: str) -> PoseWorldSource:
    return PoseWorldSource(
        kind=kind,
        size=config.data.height,
        num_frames=config.data.frames,
        length=config.data.num_examples,
        seed=config.data.get("world_seed", 0),
    )


def poseworld_images(config: Any, *, process_index: int = 0, process_count: int = 1) -> Loader:
    source = _world(config, "image")
    return _loader(config, source, ImageTransform(_size(config)), process_index, process_count)


def _with_skeletons(config: Any) -> bool:
    """Stage 2 with pose features (``stage2.pose_fraction > 0``) needs the clips' skeletons."""
    return config.get("stage2", {}).get("pose_fraction", 0.0) > 0


def poseworld_clips(config: Any, *, process_index: int = 0, process_count: int = 1) -> Loader:
    source = _world(config, "clip")
    transform = ClipTransform(skeleton=_with_skeletons(config))
    return _loader(config, source, transform, process_index, process_count)


def _built(config: Any):
    return open_split(config.data.path, config.data.get("split", "train"))


def built_images(config: Any, *, process_index: int = 0, process_count: int = 1) -> Loader:
    transform = ImageTransform(_size(config))
    return _loader(config, _built(config), transform, process_index, process_count)


def built_clips(config: Any, *, process_index: int = 0, process_count: int = 1) -> Loader:
    transform = ClipTransform(config.data.frames, _size(config), skeleton=_with_skeletons(config))
    return _loader(config, _built(config), transform, process_index, process_count)


def built_latents(config: Any, *, process_index: int = 0, process_count: int = 1) -> Loader:
    return _loader(config, _built(config), None, process_index, process_count)
