"""``python infer.py --frames 96`` against one-shot sampling of the same 96 frames (``--window
96``): the worst jump (max / median consecutive-frame difference) of each, their ratio, and the
share of frames in which the caption's figure colour is present (PoseWorld colours).

    python bench/long_infer.py --pose /work/shared/pose_examples/dancing_example_1.mp4 --stride 2

Extra arguments after ``--`` go to both infer.py runs. Prints ``RESULT long_infer
worst_jump_windows= worst_jump_one_shot= jump_ratio= colour_share_windows= colour_share_one_shot=
seconds_windows= seconds_one_shot=``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PROMPT = "a red figure waving on a beach background"


def colour_share(video: np.ndarray, colour: str) -> float:
    """Share of frames where at least MIN_FIGURE_SHARE of the pixels are the colour."""
    from fyp_jax.data.poseworld.vocabulary import COLORS
    from fyp_jax.eval.metrics import MIN_FIGURE_SHARE, color_mask

    return float(np.mean(color_mask(video, COLORS[colour]).mean(axis=(1, 2)) >= MIN_FIGURE_SHARE))


def run_infer(out: Path, args: list[str]) -> tuple[np.ndarray, float]:
    from fyp_jax.pose import read_video

    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(REPO / "infer.py"), "--prompt", PROMPT, "--out",
                    str(out), *args], check=True)
    seconds = time.perf_counter() - t0
    return read_video(next(out.glob("00_*.mp4"))), seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pose", required=True)
    p.add_argument("--stride", default="2")
    p.add_argument("--frames", default="96")
    p.add_argument("--out", type=Path, default=REPO / "out" / "long_infer")
    p.add_argument("extra", nargs="*")
    args = p.parse_args()
    from fyp_jax.eval.long_video import worst_jump

    common = ["--pose", args.pose, "--stride", args.stride, "--frames", args.frames, *args.extra]
    windows, t_windows = run_infer(args.out / "windows", common)
    one_shot, t_one = run_infer(args.out / "one_shot", [*common, "--window", args.frames])
    jumps = worst_jump(windows), worst_jump(one_shot)
    print(f"RESULT long_infer frames={len(windows)} worst_jump_windows={jumps[0]:.3f} "
          f"worst_jump_one_shot={jumps[1]:.3f} jump_ratio={jumps[0] / jumps[1]:.3f} "
          f"colour_share_windows={colour_share(windows, 'red'):.3f} "
          f"colour_share_one_shot={colour_share(one_shot, 'red'):.3f} "
          f"seconds_windows={t_windows:.0f} seconds_one_shot={t_one:.0f}")


if __name__ == "__main__":
    main()
