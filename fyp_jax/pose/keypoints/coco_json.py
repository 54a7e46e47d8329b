"""COCO keypoint JSON: the results format (a list of detections with `image_id`) and the
annotation format (`images` + `annotations`, visibility flags 0/1/2 read as confidence 0/1/1).

Frames are the image ids in increasing order.
"""

import numpy as np

from fyp_jax.pose.keypoints.instance import person_keypoints


def looks_like_coco_results(data: object) -> bool:
    return (
        isinstance(data, list)
        and bool(data)
        and all(isinstance(d, dict) and "image_id" in d and "keypoints" in d for d in data)
    )


def looks_like_coco_annotations(data: object) -> bool:
    return isinstance(data, dict) and "annotations" in data and "images" in data


def parse_coco_results(data: list[dict]) -> list[list[np.ndarray]]:
    return _group_by_image(data, sorted({d["image_id"] for d in data}), visibility_flags=False)


def parse_coco_annotations(data: dict) -> tuple[list[list[np.ndarray]], tuple[int, int] | None]:
    """People per image and the largest (height, width) of the images, when they carry one."""
    images = sorted(data["images"], key=lambda image: image["id"])
    sizes = [
        (image["height"], image["width"])
        for image in images
        if "width" in image and "height" in image
    ]
    size = (max(h for h, _ in sizes), max(w for _, w in sizes)) if sizes else None
    frames = _group_by_image(
        data["annotations"], [image["id"] for image in images], visibility_flags=True
    )
    return frames, size


def _group_by_image(
    detections: list[dict], image_ids: list, visibility_flags: bool
) -> list[list[np.ndarray]]:
    frames: dict = {image_id: [] for image_id in image_ids}
    for detection in detections:
        person = person_keypoints(detection["keypoints"])
        if visibility_flags:
            person[:, 2] = (person[:, 2] > 0).astype(np.float32)
        frames[detection["image_id"]].append(person)
    return list(frames.values())
