"""Pose toolkit: COCO-17 keypoint files, FollowYourPose-style skeleton rendering, pose video
input/output and sampling, and keypoint extraction from raw videos.

The sampling pipeline's entry point is `load_pose_frames`; the command line is
`python -m fyp_jax.pose {extract,render,show}`.
"""

from fyp_jax.pose.contact_sheet import contact_sheet
from fyp_jax.pose.extract import (
    DetectorUnavailableError,
    PoseDetector,
    create_detector,
    extract_keypoints,
    register_detector,
)
from fyp_jax.pose.frame_plan import FramePlan, plan_frames
from fyp_jax.pose.keypoints import PoseSequence, load_keypoints, save_keypoints
from fyp_jax.pose.render import default_thickness, render_frames, render_pose, render_sequence
from fyp_jax.pose.smoothing import smooth_keypoints
from fyp_jax.pose.transforms import fit_to_frame, mirror, resize_canvas, trim
from fyp_jax.pose.video import (
    load_pose_frames,
    load_pose_keypoints,
    load_video_frames,
    read_video,
    write_video,
)

__all__ = [
    "DetectorUnavailableError",
    "FramePlan",
    "PoseDetector",
    "PoseSequence",
    "contact_sheet",
    "create_detector",
    "default_thickness",
    "extract_keypoints",
    "fit_to_frame",
    "load_keypoints",
    "load_pose_frames",
    "load_pose_keypoints",
    "load_video_frames",
    "mirror",
    "plan_frames",
    "read_video",
    "register_detector",
    "render_frames",
    "render_pose",
    "render_sequence",
    "resize_canvas",
    "save_keypoints",
    "smooth_keypoints",
    "trim",
    "write_video",
]
