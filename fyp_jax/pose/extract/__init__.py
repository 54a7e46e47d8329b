"""Pose extraction from raw videos, with pluggable detector backends."""

from fyp_jax.pose.extract.detector import DetectorUnavailableError, PoseDetector
from fyp_jax.pose.extract.extract import extract_keypoints
from fyp_jax.pose.extract.registry import create_detector, detector_names, register_detector

__all__ = [
    "DetectorUnavailableError",
    "PoseDetector",
    "create_detector",
    "detector_names",
    "extract_keypoints",
    "register_detector",
]
