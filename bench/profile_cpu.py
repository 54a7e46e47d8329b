"""Where the UNet3D forward spends its time on the CPU, and on how many threads: one call of a
``bench/unet.py`` case under ``jax.profiler``, summarised per XLA operation kind.

    XLA_FLAGS=--xla_cpu_enable_xprof_traceme=true python bench/profile_cpu.py --case small_fwd

Prints wall and CPU time of an untraced call, then per kind (fusion numbers stripped): total
traced time, instances, and the share of that time during which a same-kind instance ran on
another thread (1.0: the kind is split over threads; 0.0: one thread at a time).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import glob
import gzip
import json
import re
import tempfile
import time

import jax
from unet import CASES, setup_ours

WRAPPERS = ("ThunkExecutor", "$", "Threadpool", "end:", "SlinkyThreadPool", "while")


def summarise(trace_dir: str, top: int) -> None:
    path = glob.glob(f"{trace_dir}/**/*.trace.json.gz", recursive=True)[0]
    events = [e for e in json.load(gzip.open(path))["traceEvents"]
              if e.get("ph") == "X" and not e["name"].startswith(WRAPPERS)]
    by_name = collections.defaultdict(list)
    for e in events:
        by_name[e["name"]].append(e)
    total, count, split = collections.Counter(), collections.Counter(), collections.Counter()
    for name, es in by_name.items():
        es.sort(key=lambda e: e["ts"])
        starts = [e["ts"] for e in es]
        kind = re.sub(r"\.\d+$", "", name)
        for e in es:
            end = e["ts"] + e["dur"]
            near = es[bisect.bisect_left(starts, e["ts"] - 1e6):bisect.bisect_right(starts, end)]
            parallel = any(o["tid"] != e["tid"] and o["ts"] < end and o["ts"] + o["dur"] > e["ts"]
                           for o in near)
            total[kind] += e["dur"]
            count[kind] += 1
            split[kind] += e["dur"] * parallel
    grand = sum(total.values())
    for kind, us in total.most_common(top):
        print(f"  {kind:42s} {us / 1e3:9.1f} ms {100 * us / grand:5.1f} %  n={count[kind]:7d}  "
              f"on several threads {split[kind] / us:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", default="small_fwd", choices=sorted(CASES))
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    call, _ = setup_ours(CASES[args.case], "float32", "none", "tuned", "one")
    call()
    t0, c0 = time.perf_counter(), time.process_time()
    call()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{args.case}: {wall:.3f} s wall, {cpu:.3f} s CPU, {cpu / wall:.2f} cores")
    with tempfile.TemporaryDirectory() as trace_dir:
        with jax.profiler.trace(trace_dir, create_perfetto_trace=True):
            call()
        summarise(trace_dir, args.top)


if __name__ == "__main__":
    main()
