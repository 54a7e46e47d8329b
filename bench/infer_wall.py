"""Wall time of the README's main job, ``python infer.py`` (default model, pose and prompt), in
fresh processes with a warm compilation cache, for this checkout and another (``--baseline``),
runs interleaved so both see the same machine load. ``--variant NAME="ARGS"`` (repeatable) adds
runs of this checkout with extra infer.py arguments (leading ``VAR=value`` words are environment
variables), e.g. DeepCache intervals or one CPU device.

Each tree gets its own cache folder, warmed by one untimed run; then ``--repeats`` rounds of one
run per tree. Prints ``RESULT infer_wall[_baseline] median_s= runs=[...]`` and the ratio
baseline / ours. A failed run exits non-zero.

    git worktree add /tmp/before <commit> && python bench/infer_wall.py --baseline /tmp/before
    python bench/infer_wall.py --variant cache2="--config.cache_interval=2" \
        --variant one_device="JAX_NUM_CPU_DEVICES=1"
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_infer(tree: Path, extra: list[str], cache: str, out: str) -> float:
    env = dict(os.environ, FYP_JAX_CACHE=cache, PYTHONPATH=str(tree))
    while extra and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", extra[0]):
        name, _, value = extra[0].partition("=")
        env[name], extra = value, extra[1:]
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "infer.py", "--out", out, *extra], cwd=tree, env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode:
        sys.exit(f"infer.py in {tree} failed with exit code {r.returncode}:\n{r.stderr[-3000:]}")
    return wall


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--baseline", type=Path, default=None, help="another checkout to compare")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--variant", action="append", default=[], metavar='NAME="ARGS"',
                   help="also time this checkout with these infer.py arguments")
    args = p.parse_args()
    trees = {"infer_wall": (REPO, [])}
    if args.baseline is not None:
        if not (args.baseline / "infer.py").is_file():
            sys.exit(f"--baseline {args.baseline}: not a checkout of this repository")
        trees["infer_wall_baseline"] = (args.baseline.resolve(), [])
    for variant in args.variant:
        name, sep, extra = variant.partition("=")
        if not sep or not name:
            sys.exit(f'--variant {variant!r}: expected NAME="ARGS"')
        trees[f"infer_wall_{name}"] = (REPO, shlex.split(extra))
    with tempfile.TemporaryDirectory() as tmp:
        caches = {name: str(Path(tmp) / name / "cache") for name in trees}
        runs: dict[str, list[float]] = {name: [] for name in trees}
        for name, (tree, extra) in trees.items():
            run_infer(tree, extra, caches[name], str(Path(tmp) / name / "warm"))
        for i in range(args.repeats):
            for name, (tree, extra) in trees.items():
                runs[name].append(run_infer(tree, extra, caches[name],
                                            str(Path(tmp) / name / str(i))))
    for name, times in runs.items():
        print(f"RESULT {name} median_s={statistics.median(times):.2f} "
              f"runs={[round(t, 2) for t in times]}", flush=True)
    if args.baseline is not None:
        ratio = statistics.median(runs["infer_wall_baseline"]) / statistics.median(
            runs["infer_wall"])
        print(f"RESULT infer_wall_baseline_over_ours ratio={ratio:.3f}")
    for name in trees:
        if name not in ("infer_wall", "infer_wall_baseline"):
            ratio = statistics.median(runs["infer_wall"]) / statistics.median(runs[name])
            print(f"RESULT infer_wall_over_{name.removeprefix('infer_wall_')} ratio={ratio:.3f}")


if __name__ == "__main__":
    main()
