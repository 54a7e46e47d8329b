"""The machine's matmul ceiling: one large square matmul in float32 and bfloat16, XLA (one JAX
CPU device, its own threads) against torch at ``--threads`` threads, each side in its own worker
process, runs interleaved (``harness.measure``).

A UNet forward is mostly matmuls and convolutions, so no forward's GFLOP/s can beat what the same
library reaches on one large matmul of its dtype; ``bench/unet.py``'s work-ratio targets are read
against these figures (README, "CPU threads"). The bfloat16 rows tell whether a library reaches
the CPU's matrix units (AMX on a Sapphire Rapids Xeon).

    python bench/matmul_peak.py --size 3072 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from harness import measure, serve

DTYPES = ("float32", "bfloat16")


def setup_jax(dtype: str, n: int):
    import jax
    import jax.numpy as jnp

    from fyp_jax.compile_options import cpu_compiler_options

    a, b = (jax.random.normal(jax.random.key(i), (n, n), getattr(jnp, dtype)) for i in range(2))
    fn = jax.jit(jnp.matmul, compiler_options=cpu_compiler_options())
    return (lambda: jax.block_until_ready(fn(a, b))), {}


def setup_torch(dtype: str, n: int, threads: int):
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as bench/unet.py's reference
    import torch

    torch.set_num_threads(threads)
    a, b = (torch.randn(n, n).to(getattr(torch, dtype)) for _ in range(2))

    def call():
        with torch.inference_mode():
            torch.matmul(a, b)
    return call, {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=3072, help="n of the n x n matmul")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        side, dtype = args.worker
        serve(lambda: setup_jax(dtype, args.size) if side == "jax" else
              setup_torch(dtype, args.size, args.threads))
        return
    me = [sys.executable, os.path.abspath(__file__), "--size", str(args.size), "--threads",
          str(args.threads), "--worker"]
    argvs = {f"{side}_{dtype}": me + [side, dtype] for dtype in DTYPES for side in ("jax", "torch")}
    sides = measure(argvs, args.repeats)
    gflop = 2 * args.size**3 / 1e9
    for name, side in sides.items():
        best = min(side.times)
        print(f"RESULT matmul_{name} n={args.size} median_gflops="
              f"{gflop / statistics.median(side.times):.1f} best_gflops={gflop / best:.1f} "
              f"cores={side.cores():.2f}")


if __name__ == "__main__":
    main()
