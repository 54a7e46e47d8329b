"""PyTorch checkpoints (SD diffusers folders, FollowYourPose checkpoints) -> Flax params."""

from fyp_jax.convert.state_dict_io import load_state_dict
from fyp_jax.convert.unet import fyp_unet_from_torch, pose_encoder_from_torch, unet_from_torch

__all__ = ["fyp_unet_from_torch", "load_state_dict", "pose_encoder_from_torch", "unet_from_torch"]
