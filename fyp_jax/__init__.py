"""fyp_jax: FollowYourPose (pose-guided text-to-video on Stable Diffusion 1.x) in JAX/Flax."""

__version__ = "0.1.0"
