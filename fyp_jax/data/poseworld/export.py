"""A PoseWorld clip as a video file that ``infer.py --source_video`` edits with its true skeleton.

The clip's keypoints are written where the pose toolkit caches what it extracts from a video of
a person (:mod:`fyp_jax.pose.raw_video`: ``<stem>.pose-<hash>.npz``, keyed by the video's bytes),
so ``load_pose_frames(video)`` finds the exact skeleton instead of running a detector on the
figure; an edited or re-encoded copy of the video has another hash and is extracted as usual.
"""

from __future__ import annotations

from pathlib import Path

from fyp_jax.data.poseworld.scene import render_scene, sample_scene
from fyp_jax.pose.keypoints import PoseSequence, save_keypoints
from fyp_jax.pose.raw_video import cache_path, content_hash
from fyp_jax.pose.video_writer import write_video


def write_clip(out: str | Path, *, split: str = "eval", index: int = 0, size: int = 64,
               frames: int = 8, seed: int = 0, fps: float = 8.0) -> tuple[Path, Path, str]:
    """Render example ``index`` of ``split`` (world ``seed``) as ``frames`` frames of
    ``size x size`` into the video ``out`` (.mp4 / .gif / ...); returns (video, keypoint file,
    caption)."""
    scene = sample_scene(seed, split, index)
    pixels, keypoints = render_scene(scene, size, frames)
    video = write_video(out, pixels, fps)
    people = keypoints if keypoints.ndim == 4 else keypoints[:, None]
    cached = cache_path(video, content_hash(video))
    save_keypoints(PoseSequence(people, size, size, fps), cached)
    return video, cached, scene.caption
