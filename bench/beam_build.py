"""`laion_pose` built in one process against the same build on Apache Beam, on one folder.

Writes `--images` PoseWorld images of `--size` pixels (caption .txt beside each, keypoints in a
JSON file) and builds them with `--max-size` (so each image is decoded, resized and re-encoded
as JPEG, the per-image work of a real LAION-Pose build minus the detector), first in this
process, then with `--beam-options` (default: 2 DirectRunner worker processes). Both include
TFDS's writing; the Beam time includes starting its workers. Checks that both builds hold the
same records, and prints

  ``RESULT beam_build images=<n> one_process_images_per_s=<x> beam_images_per_s=<y> speedup=<y/x>``

    pip install -e '.[beam]' && python bench/beam_build.py --images 200
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import imageio.v3 as iio

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TWO_PROCESSES = "--direct_num_workers=2 --direct_running_mode=multi_processing"


def write_folder(root: Path, count: int, size: int) -> tuple[Path, Path]:
    from fyp_jax.data import PoseWorldSource

    world = PoseWorldSource("image", "train", size=size, length=count, seed=0)
    images, people = root / "images", {}
    images.mkdir()
    for k in range(count):
        example = world[k]
        iio.imwrite(images / f"img_{k:04d}.jpg", example["image"], quality=95)
        (images / f"img_{k:04d}.txt").write_text(example["caption"])
        people[f"img_{k:04d}.jpg"] = example["keypoints"].tolist()
    keypoints = root / "keypoints.json"
    keypoints.write_text(json.dumps(people))
    return images, keypoints


def records(folder: Path) -> list[tuple]:
    from fyp_jax.data import open_split

    return sorted((r["path"], r["image"], r["keypoints"].tobytes()) for r in open_split(folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--size", type=int, default=768)
    parser.add_argument("--max-size", type=int, default=512)
    parser.add_argument("--beam-options", default=TWO_PROCESSES)
    args = parser.parse_args()

    from fyp_jax.data.builders import build_laion_pose

    with tempfile.TemporaryDirectory(prefix="beam_bench_") as tmp:
        root = Path(tmp)
        images, keypoints = write_folder(root, args.images, args.size)
        seconds = {}
        for name, options in (("one_process", None), ("beam", args.beam_options)):
            start = time.perf_counter()
            build_laion_pose(root / name, images, keypoints=keypoints, max_size=args.max_size,
                             beam_options=options)
            seconds[name] = time.perf_counter() - start
        same = records(root / "one_process") == records(root / "beam")
    rate = {name: args.images / s for name, s in seconds.items()}
    print(f"RESULT beam_build images={args.images} size={args.size} max_size={args.max_size}"
          f" one_process_images_per_s={rate['one_process']:.1f} beam_images_per_s="
          f"{rate['beam']:.1f} speedup={rate['beam'] / rate['one_process']:.2f}"
          f" same_records={same} beam_options={args.beam_options!r}")


if __name__ == "__main__":
    main()
