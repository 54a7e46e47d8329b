"""Record -> training example: decoding, resizing, skeleton rendering.

Each transform takes a record of a built dataset (images as encoded bytes, text as bytes) or of
an in-memory source (arrays, str) and returns the example dict the trainer consumes. Any
exception it raises marks the record as bad: the loader skips and counts it.

  ImageTransform  stage 1   {"image": uint8 [H, W, 3], "skeleton": uint8 [H, W, 3], "caption": str}
  ClipTransform   stage 2   {"video": uint8 [F, H, W, 3], "caption": str} (+ "skeleton": uint8
                            [F, H, W, 3] when asked, for stage2.pose_fraction > 0)
  EvalTransform   PoseWorld evaluation: {"skeleton": uint8 [F, H, W, 3], "keypoints": float32
                  [F, P, 17, 3], "caption", "frames": uint8 [F, H, W, 3], "color", "style",
                  "background", "motion"} (strings str)
"""

import dataclasses

import numpy as np

from fyp_jax.data.codec import as_text, decode_image
from fyp_jax.errors import DataError
from fyp_jax.pose import render_pose
from fyp_jax.pose.render import DEFAULT_MIN_CONFIDENCE
from fyp_jax.pose.resize import cover_crop, resize_center_crop

Size = int | tuple[int, int]


def _hw(size: Size) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


@dataclasses.dataclass(frozen=True)
class ImageTransform:
    """Stage 1: the image resized to cover `size` and centre-cropped, its people's skeletons
    drawn at that size from the record's keypoints [P, 17, 3] (pixels of the stored image).
    Lines are `thickness` pixels wide; None: the record's "line_width" (a fraction of the
    shorter side, PoseWorld's) when it has one, else the pose toolkit's default."""

    size: Size
    thickness: float | None = None
    min_confidence: float = DEFAULT_MIN_CONFIDENCE

    def __call__(self, record: dict) -> dict:
        image = decode_image(record["image"])
        target = _hw(self.size)
        return {
            "image": resize_center_crop(image, target),
            "skeleton": record_skeleton(record, record["keypoints"], image.shape[:2], target,
                                        self.thickness, self.min_confidence),
            "caption": as_text(record["caption"]),
        }


def record_skeleton(record: dict, keypoints, stored: tuple[int, int], target: tuple[int, int],
                    thickness: float | None, min_confidence: float) -> np.ndarray:
    """uint8 [H, W, 3]: one frame's people, keypoints [P, 17, 3] in pixels of the stored
    ``stored`` (h, w) image, drawn at ``target`` after the same cover-crop as the image. Line
    width: ``thickness`` pixels; None: the record's "line_width" (a fraction of the shorter side)
    when it has one, else the pose toolkit's default."""
    people = np.asarray(keypoints, np.float32).reshape(-1, 17, 3)
    people = np.concatenate(
        [cover_crop(stored, target).map_points(people[..., :2]), people[..., 2:]], axis=-1)
    if thickness is None and "line_width" in record:
        thickness = float(record["line_width"]) * min(target)
    return render_pose(people, *target, thickness=thickness, min_confidence=min_confidence)


def decode_frames(frames, num_frames: int | None) -> np.ndarray:
    """The first `num_frames` (None: all) of a record's frames (encoded bytes each, or uint8
    [F, H, W, 3]) as uint8 [n, H, W, 3]. DataError when the record has fewer frames."""
    available = len(frames)
    count = available if num_frames is None else num_frames
    if available < count:
        raise DataError(f"the clip has {available} frames, {count} wanted")
    return np.stack([decode_image(frame) for frame in frames[:count]])


@dataclasses.dataclass(frozen=True)
class ClipTransform:
    """Stage 2: the first `num_frames` frames of a clip (None: all), optionally resized to cover
    `size` and centre-cropped, and its caption; with `skeleton`, also its people's skeletons
    uint8 [F, H, W, 3], drawn from the record's keypoints [F, P, 17, 3] as `ImageTransform`
    draws them."""

    num_frames: int | None = None
    size: Size | None = None
    skeleton: bool = False
    thickness: float | None = None
    min_confidence: float = DEFAULT_MIN_CONFIDENCE

    def __call__(self, record: dict) -> dict:
        stored = decode_frames(record["frames"], self.num_frames)
        target = stored.shape[1:3] if self.size is None else _hw(self.size)
        video = stored if self.size is None else np.stack(
            [resize_center_crop(frame, target) for frame in stored])
        example = {"video": video, "caption": as_text(record["caption"])}
        if self.skeleton:
            keypoints = np.asarray(record["keypoints"], np.float32)
            keypoints = keypoints.reshape(len(record["frames"]), -1, 17, 3)[: len(stored)]
            example["skeleton"] = np.stack([
                record_skeleton(record, people, stored.shape[1:3], target, self.thickness,
                                self.min_confidence) for people in keypoints])
        return example


@dataclasses.dataclass(frozen=True)
class EvalTransform:
    """PoseWorld evaluation: ground-truth frames, their keypoints [F, 17, 3], the skeleton video
    drawn from them, the caption and its three parts."""

    num_frames: int | None = None
    thickness: float | None = None

    def __call__(self, record: dict) -> dict:
        frames = decode_frames(record["frames"], self.num_frames)
        keypoints = np.asarray(record["keypoints"], np.float32)[: len(frames)]
        keypoints = keypoints.reshape(len(frames), -1, 17, 3)
        height, width = frames.shape[1:3]
        skeleton = np.stack(
            [render_pose(k, height, width, thickness=self.thickness) for k in keypoints]
        )
        return {
            "skeleton": skeleton,
            "keypoints": keypoints,
            "caption": as_text(record["caption"]),
            "frames": frames,
            **{key: as_text(record[key]) for key in ("color", "style", "background", "motion")},
        }
