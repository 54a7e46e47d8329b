"""Training throughput (optimizer steps/s) of a config, optionally alternated with another
checkout of the code in the same run.

    python bench/train_steps.py --config configs/train_stage2_tiny.py --steps 60 --rounds 2 \
        --baseline /tmp/old   # e.g. git archive <commit> | tar -x -C /tmp/old
    python bench/train_steps.py --devices 1,cores   # one CPU device against one per core

Each round trains ``--steps`` steps from scratch in a fresh worker process per code tree
(``--baseline`` first, then this checkout), with the config's own logging and checkpoint
cadence, sharing one compilation cache. steps/s counts from the first logged step to the last (so compilation is left out),
read from the trainer's own throughput figures; CPU cores = the worker's CPU time / wall time
over the same steps.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker(root: str, config: str, steps: int) -> None:
    sys.path.insert(0, root)
    import importlib.util

    from fyp_jax.train import reporting
    from fyp_jax.train.loop import train
    from fyp_jax.train.run import build_task, data_source

    spec = importlib.util.spec_from_file_location("bench_config", os.path.join(root, config))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cfg = module.get_config()
    cfg.num_steps = steps
    cfg.log.progress = False
    marks = []  # (step, wall, cpu) at every logged step
    throughput = reporting.Reporter.throughput

    def timed(self, step):
        marks.append((step, time.perf_counter(), time.process_time()))
        return throughput(self, step)

    reporting.Reporter.throughput = timed
    with tempfile.TemporaryDirectory() as workdir:
        cfg.workdir = workdir
        task = build_task(cfg)
        train(cfg, task, data_source(cfg, task), workdir)
    (s0, w0, c0), (s1, w1, c1) = marks[0], marks[-1]
    print("@bench " + json.dumps(dict(steps_per_s=(s1 - s0) / (w1 - w0), cores=(c1 - c0) / (w1 - w0),
                                      steps=s1 - s0)), flush=True)


def run_worker(root: str, config: str, steps: int, cache: str, devices: str) -> dict:
    count = str(len(os.sched_getaffinity(0))) if devices == "cores" else devices
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", root,
                          "--config", config, "--steps", str(steps)],
                         capture_output=True, text=True, check=False,
                         env={**os.environ, "JAX_COMPILATION_CACHE_DIR": cache,
                              "JAX_NUM_CPU_DEVICES": count})
    lines = [x for x in out.stdout.splitlines() if x.startswith("@bench ")]
    if out.returncode or not lines:
        raise RuntimeError(f"worker for {root} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(lines[-1][len("@bench "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="configs/train_stage2_tiny.py",
                        help="path relative to each code tree")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", help="another code tree to alternate with")
    parser.add_argument("--devices", default="1", help="comma-separated CPU device counts per "
                        "tree, each its own worker (cores: one per core; the mesh splits the "
                        "batch over them)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.config, args.steps)
        return
    trees = ({"baseline": args.baseline} if args.baseline else {}) | {"this": HERE}
    runs = {(name, d): root for name, root in trees.items() for d in args.devices.split(",")}
    results = {run: [] for run in runs}
    cache = tempfile.mkdtemp(prefix="train_steps_cache_")  # the same step compiles once
    for r in range(args.rounds):
        for (name, devices), root in runs.items():
            res = run_worker(root, args.config, args.steps, cache, devices)
            results[name, devices].append(res)
            print(f"round {r + 1} {name:8s} devices={devices} {res['steps_per_s']:.3f} steps/s, "
                  f"{res['cores']:.2f} cores over {res['steps']} steps", flush=True)
    for (name, devices), rs in results.items():
        med = statistics.median(r["steps_per_s"] for r in rs)
        cores = statistics.median(r["cores"] for r in rs)
        print(f"RESULT {name} devices={devices} steps_per_s={med:.3f} cores={cores:.2f} "
              f"({trees[name]})")


if __name__ == "__main__":
    main()
