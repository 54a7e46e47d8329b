"""Write fyp_jax/data/poseworld/real_motions.npz: the COCO-17 keypoints of the raw dance videos
(videos of a filmed person) among the given files, extracted with the pose toolkit (MediaPipe,
One-Euro smoothed, cached beside the video), one array [T, 17, 3] in pixels per video.

    python scripts/extract_real_motions.py ../shared/pose_examples/dancing_example_{4,5}.mp4
"""

import argparse
from pathlib import Path

import numpy as np

from fyp_jax.data.poseworld.real_motion import MOTIONS_FILE
from fyp_jax.pose.raw_video import extracted_keypoints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="+", type=Path)
    args = parser.parse_args()
    arrays = {}
    for video in args.videos:
        seq = extracted_keypoints(video)
        people = seq.keypoints[:, 0]  # slot 0: the leftmost (here the only) dancer
        keep = people[:, 5:17, 2].min(axis=1) > 0  # frames with the whole body found
        arrays[video.stem] = people[keep].astype(np.float32)
        print(f"{video.name}: {int(keep.sum())} of {len(people)} frames")
    np.savez_compressed(MOTIONS_FILE, **arrays)
    print(f"wrote {MOTIONS_FILE}")


if __name__ == "__main__":
    main()
