"""COCO-17 pose sequences and the keypoint file formats they are read from and written to."""

from fyp_jax.pose.keypoints.load import load_keypoints, save_keypoints
from fyp_jax.pose.keypoints.sequence import PoseSequence

__all__ = ["PoseSequence", "load_keypoints", "save_keypoints"]
