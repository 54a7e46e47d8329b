"""Generate from a multi-person keypoint file and a caption naming the figures left to right,
and measure where each colour lands: the share of frames in which the i-th colour of the caption
covers more of the i-th skeleton (people left to right, as the loaders order them) than of any
other (`fyp_jax.eval.multi_metrics.placement` on regions around each skeleton's lines).
Writes a GIF and a PNG (every other frame, 3x enlarged: skeleton | one video per seed) for the
README. docs/two_dancers.json: dancing_example_4 and _5 side by side, extracted with
`python -m fyp_jax.pose extract two.mp4 --keypoints docs/two_dancers.json --fit --size 512x512`.

    python scripts/multi_person_demo.py --pose docs/two_dancers.json \\
        --prompt "a red figure and a blue figure dancing on a grass background" \\
        --seeds 0,1,2,3 --out docs/multi_two_dancers [--per_person]

--per_person: each person its own figure's caption, composed by region (Pipeline.people).
"""

import argparse
import dataclasses
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from fyp_jax.bundle import load_bundle
from fyp_jax.data.poseworld import BACKGROUNDS, COLORS, figure_captions, parse_caption
from fyp_jax.data.poseworld.draw import draw_background
from fyp_jax.eval.intervals import bootstrap_mean
from fyp_jax.eval.multi_metrics import colour_figures, placement, skeleton_regions
from fyp_jax.pipeline import Pipeline, SamplingOptions
from fyp_jax.pipeline.outputs import side_by_side
from fyp_jax.pose import load_keypoints, render_pose, resize_canvas, write_video


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pose", type=Path, required=True, help="multi-person keypoint file")
    parser.add_argument("--prompt", required=True, help="a PoseWorld caption")
    parser.add_argument("--model", default="assets/poseworld")
    parser.add_argument("--seeds", default="0,1,2,3")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--stride", type=int, default=2)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True, help="path stem of the GIF and PNG")
    parser.add_argument("--per_person", action="store_true",
                        help="one caption per person, composed by region (Pipeline.people)")
    args = parser.parse_args()
    parts = parse_caption(args.prompt)
    seq = resize_canvas(load_keypoints(args.pose), (args.size, args.size))
    keypoints = seq.keypoints[: args.frames * args.stride : args.stride]
    if keypoints.shape[1] != len(parts.figures) or len(keypoints) < args.frames:
        raise SystemExit(f"error: {args.pose} has {keypoints.shape[1]} people and "
                         f"{len(keypoints)} frames at stride {args.stride}; the caption names "
                         f"{len(parts.figures)} figures, {args.frames} frames are asked for")
    skeleton = np.stack([render_pose(k, args.size, args.size) for k in keypoints])
    seeds = [int(s) for s in args.seeds.split(",")]
    pipe = Pipeline(load_bundle(args.model))
    options = SamplingOptions(num_steps=args.steps)
    shape = dict(frames=args.frames, height=args.size, width=args.size)
    if args.per_person:
        videos = np.stack([pipe.people(args.prompt, figure_captions(args.prompt), keypoints,
                                       options=dataclasses.replace(options, seed=seed), **shape)
                           for seed in seeds])
    else:
        videos = pipe([args.prompt] * len(seeds), skeleton.astype(np.float32) / 255,
                      options=options, seeds=seeds, **shape)
    colors = [c for c, _ in parts.figures]
    background = draw_background(BACKGROUNDS[parts.background], args.size, args.size)
    regions = skeleton_regions(keypoints, args.size)
    placed = np.stack([placement(colour_figures(v, colors, COLORS, background), regions)
                       for v in videos])  # [seeds, P, F]
    for p, color in enumerate(colors):
        mean, low, high = bootstrap_mean(placed[:, p].mean(axis=1))
        print(f"{color} on skeleton {p} (left to right): {mean:.3f} [{low:.3f}, {high:.3f}] of "
              f"frames over {len(seeds)} seeds")
    print(f"per seed, both placed: {placed.all(axis=1).mean(axis=1).round(3).tolist()}")
    panels = side_by_side(skeleton, videos)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_video(args.out.with_suffix(".gif"), panels, fps=8)
    strip = np.concatenate(list(panels[:: max(1, args.frames // 4)]), axis=0)
    iio.imwrite(args.out.with_suffix(".png"), strip.repeat(3, axis=0).repeat(3, axis=1))
    print(f"wrote {args.out.with_suffix('.gif')} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
