"""One sparse-causal attention call (FollowYourPose's attn1) against torch's fused
``scaled_dot_product_attention`` on the same work, each side in its own worker process, runs
interleaved (``harness.measure``).

The default shape is the small UNet's level 0 in ``bench/unet.py``: 2 videos x 8 frames of
32x32 latents, 8 heads of 8 channels; frame i's 1024 queries attend to the 2048 keys of frames 0
and i-1. Ours is the kernel the model uses on a CPU (``attention_impl="blockwise"``) on one JAX
device; torch gets the same 16 x 8 (frame, head) pairs with the 2048 keys materialised, at
``--threads`` threads. Tells whether our kernel or our threading is what a forward loses time on.

    python bench/attention.py --threads 1,2 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from harness import measure, serve

SHAPE = dict(batch=2, frames=8, tokens=1024, heads=8, head_dim=8)


def setup_ours():
    import jax

    from fyp_jax.compile_options import cpu_compiler_options
    from fyp_jax.models.attention import sparse_causal_attention

    s = SHAPE
    q, k, v = (jax.random.normal(jax.random.key(i), (s["batch"], s["frames"], s["tokens"],
                                                     s["heads"], s["head_dim"]))
               for i in range(3))
    fn = jax.jit(lambda q, k, v: sparse_causal_attention(q, k, v, impl="blockwise"),
                 compiler_options=cpu_compiler_options())
    return (lambda: jax.block_until_ready(fn(q, k, v))), {}


def setup_torch(threads: int):
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as bench/unet.py's reference
    import torch

    torch.set_num_threads(threads)
    s = SHAPE
    pairs = s["batch"] * s["frames"]
    q = torch.randn(pairs, s["heads"], s["tokens"], s["head_dim"])
    k, v = (torch.randn(pairs, s["heads"], 2 * s["tokens"], s["head_dim"]) for _ in range(2))

    def call():
        with torch.inference_mode():
            torch.nn.functional.scaled_dot_product_attention(q, k, v)
    return call, {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="1,2", help="torch thread counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        serve(setup_ours if args.worker == "ours" else
              lambda: setup_torch(int(args.worker.removeprefix("torch"))))
        return
    me = [sys.executable, os.path.abspath(__file__), "--worker"]
    argvs = {"ours": me + ["ours"]}
    argvs |= {f"torch{t}": me + [f"torch{t}"] for t in args.threads.split(",")}
    sides = measure(argvs, args.repeats)
    ours = statistics.median(sides["ours"].times)
    for name, side in sides.items():
        median = statistics.median(side.times)
        print(f"RESULT attention_{name} median_s={median:.3f} min_s={min(side.times):.3f} "
              f"cores={side.cores():.2f} over_ours={median / ours:.3f}")


if __name__ == "__main__":
    main()
