"""PoseWorld as an in-memory random-access data source: example k is rendered on request from
(seed, split, k), so nothing needs building and any process can make any example."""

import dataclasses

from fyp_jax.data.poseworld.scene import SPLITS, render_scene, sample_scene
from fyp_jax.errors import DataError

KINDS = ("image", "clip")


@dataclasses.dataclass(frozen=True)
class PoseWorldSource:
    """`length` PoseWorld records of `kind` ("image" or "clip") from `split` (one of
    scene.SPLITS) at `size` x `size` pixels; a grain `RandomAccessDataSource`.

    Records (the same keys as the built `pose_world` dataset, decoded):
      image: {"image": uint8 [S, S, 3], "keypoints": float32 [P, 17, 3], "caption": str,
              "color": str, "style": str, "background": str, "motion": str,
              "line_width": float}
      clip:  {"frames": uint8 [F, S, S, 3], "keypoints": float32 [F, P, 17, 3], the rest alike}
    Keypoints are (x, y, confidence) in pixels of the P figures, left to right. "color",
    "style" and "motion" are the figures' values joined by spaces, left to right ("red blue");
    "line_width" is the width to draw the skeleton at, as a fraction of the image side. Clips
    show `num_frames` frames.
    """

    kind: str = "image"
    split: str = "train"
    size: int = 64
    num_frames: int = 16
    length: int = 10_000
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.split not in SPLITS:
            raise DataError(
                f"PoseWorld has kinds {KINDS} and splits {SPLITS}; got kind {self.kind!r},"
                f" split {self.split!r}"
            )
        if self.size < 16 or self.num_frames < 1 or self.length < 1:
            raise DataError(
                f"PoseWorld needs size >= 16, num_frames >= 1 and length >= 1; got size"
                f" {self.size}, num_frames {self.num_frames}, length {self.length}"
            )

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict:
        index = int(index)
        if not 0 <= index < self.length:
            raise IndexError(f"PoseWorld index {index} out of range [0, {self.length})")
        scene = sample_scene(self.seed, self.split, index)
        frames, keypoints = render_scene(
            scene, self.size, 1 if self.kind == "image" else self.num_frames
        )
        record = {
            "caption": scene.caption,
            "color": " ".join(scene.colors),
            "style": " ".join(scene.styles),
            "background": scene.background,
            "motion": " ".join(scene.motions),
            "line_width": scene.line_width,
        }
        if self.kind == "image":
            return record | {"image": frames[0], "keypoints": keypoints[0]}
        return record | {"frames": frames, "keypoints": keypoints}

    def __repr__(self) -> str:
        return (
            f"PoseWorldSource({self.kind} {self.split}, {self.size}px, {self.length} examples,"
            f" seed {self.seed})"
        )
