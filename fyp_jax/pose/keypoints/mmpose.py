"""MMPose prediction JSON.

Accepted layouts: the top-down demo's `{"meta_info": ..., "instance_info": [{"frame_id", "instances"}]}`,
a bare list of such frame dicts, the inferencer's list of frames each a list of instances, or a
single frame as a list of instances. An instance has `keypoints` (`[[x, y], ...]` with
`keypoint_scores`, or `[[x, y, score], ...]`, as mmpose 0.x wrote them).
"""

import numpy as np

from fyp_jax.pose.keypoints.instance import person_keypoints


def looks_like_mmpose(data: object) -> bool:
    if isinstance(data, dict):
        return "instance_info" in data
    return (
        isinstance(data, list) and bool(data) and all(_is_frame(f) or _is_instance(f) for f in data)
    )


def parse_mmpose(data: dict | list) -> list[list[np.ndarray]]:
    frames = data["instance_info"] if isinstance(data, dict) else data
    if all(_is_instance(f) for f in frames):
        frames = [frames]
    if all(isinstance(f, dict) for f in frames):
        frames = [f["instances"] for f in sorted(frames, key=lambda f: f.get("frame_id", 0))]
    return [
        [person_keypoints(inst["keypoints"], inst.get("keypoint_scores")) for inst in instances]
        for instances in frames
    ]


def _is_instance(item: object) -> bool:
    return isinstance(item, dict) and "keypoints" in item and "image_id" not in item


def _is_frame(item: object) -> bool:
    if isinstance(item, dict):
        return "instances" in item
    return isinstance(item, list) and all(_is_instance(i) for i in item)
