"""`pose_world`: PoseWorld written to disk, for runs that want files rather than rendering on
the fly. Its records are those of `PoseWorldSource` with images encoded as PNG (lossless; flat
colors compress well): example k of a split here is example k of the in-memory source made
with the same kind, size, number of frames and seed.

Configs are "{kind}_{size}" (kind "image" or "clip"); each has the splits of `scene.SPLITS`.

Records: image {"image": bytes, "keypoints": float32 [P, 17, 3], "caption", "color", "style",
"background", "motion": str, "line_width": float32}; clip {"frames": bytes [F], "keypoints":
float32 [F, P, 17, 3], the same strings and line width}.
"""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from fyp_jax.data.builders.common import (
    FypBuilder,
    encoded_frames,
    encoded_image,
    float_tensor,
    prepare,
)
from fyp_jax.data.codec import encode_image
from fyp_jax.data.poseworld.scene import SPLITS
from fyp_jax.data.poseworld.source import PoseWorldSource

_TEXT_FIELDS = ("caption", "color", "style", "background", "motion")


class PoseWorldConfig(tfds.core.BuilderConfig):
    """What to render: `kind`, `size`, `num_frames` (clips), examples per split, world seed."""

    def __init__(
        self, kind: str, size: int, num_frames: int, num_train: int, num_eval: int, seed: int
    ):
        super().__init__(name=f"{kind}_{size}")
        self.kind, self.size, self.num_frames = kind, size, num_frames
        self.num_train, self.num_eval, self.seed = num_train, num_eval, seed

    def source(self, split: str) -> PoseWorldSource:
        return PoseWorldSource(
            kind=self.kind,
            split=split,
            size=self.size,
            num_frames=self.num_frames,
            length=self.num_train if split == "train" else self.num_eval,
            seed=self.seed,
        )


class PoseWorld(FypBuilder, skip_registration=True):
    """PoseWorld: procedural humanoid figures with COCO-17 skeletons, color, background, motion."""

    name = "pose_world"
    SPLITS = SPLITS

    def __init__(self, *, data_dir: str | Path, config: PoseWorldConfig):
        super().__init__(data_dir=data_dir, config=config)

    def _features(self) -> tfds.features.FeaturesDict:
        pixels = "image" if self.builder_config.kind == "image" else "frames"
        features = {
            pixels: encoded_image() if pixels == "image" else encoded_frames(),
            "keypoints": float_tensor(None, 17, 3) if pixels == "image"
            else float_tensor(None, None, 17, 3),
            "line_width": tfds.features.Scalar(np.float32),
        }
        return tfds.features.FeaturesDict(
            features | {name: tfds.features.Text() for name in _TEXT_FIELDS}
        )

    def _build_parameters(self) -> dict:
        config = self.builder_config
        return {
            "kind": config.kind,
            "size": config.size,
            "num_frames": config.num_frames,
            "num_train": config.num_train,
            "num_eval": config.num_eval,
            "seed": config.seed,
        }

    def _generate_examples(self, split: str) -> Iterator[tuple[str, dict]]:
        source = self.builder_config.source(split)
        for index in range(len(source)):
            record = source[index]
            if "image" in record:
                record["image"] = encode_image(record["image"], "PNG")
            else:
                record["frames"] = [encode_image(f, "PNG") for f in record["frames"]]
            yield str(index), record


def build_pose_world(
    data_dir: str | Path,
    *,
    kind: str = "image",
    size: int = 64,
    num_frames: int = 16,
    num_train: int = 10_000,
    num_eval: int = 280,
    seed: int = 0,
    overwrite: bool = False,
) -> Path:
    """Render PoseWorld `kind` ("image" / "clip") at `size` into `data_dir`; returns the dataset
    folder for `open_split(folder, "train" | "eval")`."""
    config = PoseWorldConfig(kind, size, num_frames, num_train, num_eval, seed)
    config.source("train")  # validates the parameters before anything is written
    return prepare(PoseWorld(data_dir=data_dir, config=config), overwrite)
