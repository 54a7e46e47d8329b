"""TFDS builders writing array_record datasets; building needs tensorflow-datasets, never
TensorFlow. Each `build_*` returns the dataset folder that `fyp_jax.data.open_split` reads."""

from fyp_jax.data.builders.laion_pose import build_laion_pose
from fyp_jax.data.builders.pose_world import build_pose_world
from fyp_jax.data.builders.video_text import build_video_text

__all__ = ["build_laion_pose", "build_latent_cache", "build_pose_world", "build_video_text"]


def __getattr__(name: str):
    """`build_latent_cache` imports JAX and the models, so only when asked for."""
    if name == "build_latent_cache":
        from fyp_jax.data.builders.latents import build_latent_cache

        return build_latent_cache
    raise AttributeError(name)
