"""The accelerator benchmark: bf16 at SD 1.4 size, 512x512 (64x64 latents), 24 frames, 50 steps.

MFU = FLOPs counted by ``fyp_jax.models.flops`` (2 per multiply-add of convolutions and matmuls,
as bench/unet.py) / seconds / peak. Two peaks are reported: the chip's datasheet dense bf16 rate
(``--peak_tflops``, H100/H200 SXM: 989) and a bf16 8192^3 matmul measured in the same run.

Cases (``--cases``, in this order; each prints its ``RESULT`` line as soon as it is done; a
case that fails prints its error, the run goes on, and the exit status is 1):
  matmul   the measured bf16 matmul ceiling;
  fwd      UNet3D forward + pose encoder at batch 2 (classifier-free guidance), as bench/unet.py;
  fwdbwd   forward + backward of the stage-2 trainable parameters (batch 2, ``--remat``);
  sample   the Pipeline: text + pose -> video with 50 DDIM steps, guidance, VAE decode: first
           call (compiles), a second call with another prompt, seed and guidance, steady calls;
           its MFU counts only the UNet and pose encoder. The share of a call that is not the
           UNet loop comes from a second step count: T(n) = rest + n * step.

    python bench/gpu.py                     # on the GPU
    python bench/gpu.py --tiny --steps 2    # the same code at toy size: a CPU smoke run
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from unet import SD14, Case, flops, setup_ours  # noqa: E402


def _timed(call, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def _line(times: list[float]) -> str:
    t = sorted(times)
    return f"min/median/max {t[0]:.3f}/{statistics.median(t):.3f}/{t[-1]:.3f} s"


def bench_matmul(args) -> tuple[str, float]:
    import jax
    import jax.numpy as jnp

    n = 1024 if args.tiny else 8192
    a, b = (jax.random.normal(k, (n, n), jnp.bfloat16) for k in jax.random.split(jax.random.key(0)))
    mm = jax.jit(jnp.matmul)
    jax.block_until_ready(mm(a, b))
    times = _timed(lambda: jax.block_until_ready(mm(a, b)), 20)
    tflops = 2 * n**3 / statistics.median(times) / 1e12
    return f"RESULT gpu_matmul_bf16 n={n} tflops={tflops:.1f}", tflops


def bench_unet(args, backward: bool, peaks: dict[str, float]) -> str:
    case = args.case(backward)
    gflop = flops(case)[0]
    t0 = time.perf_counter()
    call, info = setup_ours(case, "bfloat16", args.remat if backward else "none", "default",
                            "one")
    call()
    first = time.perf_counter() - t0
    times = _timed(call, args.repeats)
    med = statistics.median(times)
    name = "fwdbwd" if backward else "fwd"
    print(f"  {name}: {gflop:.0f} GFLOP, compile {info['compile_s']:.1f} s, setup+first "
          f"{first:.1f} s, {_line(times)}, {gflop / med / 1e3:.1f} TFLOP/s", flush=True)
    return (f"RESULT gpu_{name} frames={case.frames} latent={case.latent} seconds={med:.4f} "
            f"tflop={gflop / 1e3:.2f} compile_s={info['compile_s']:.1f} "
            + _mfu(gflop / med / 1e3, peaks))


def bench_sample(args, peaks: dict[str, float]) -> str:
    import jax.numpy as jnp
    import numpy as np
    from sample import bundle_configs

    from configs.models import tiny
    from fyp_jax.models.flops import unet_flops
    from fyp_jax.pipeline import Pipeline, SamplingOptions
    from fyp_jax.pipeline.random_bundle import random_bundle

    configs, scheduler = tiny.bundle_configs() if args.tiny else bundle_configs("sd14")
    bundle = random_bundle(configs, scheduler, dtype=jnp.bfloat16)
    size = args.latent * bundle.vae_factor
    skeleton = np.random.default_rng(0).uniform(0, 1, (args.frames, size, size, 3)).astype(
        np.float32)
    pipe = Pipeline(bundle)

    def call(steps=args.steps, prompt="a figure dancing", seed=0, guidance=12.5):
        pipe([prompt], skeleton, frames=args.frames, height=size, width=size,
             options=SamplingOptions(num_steps=steps, guidance_scale=guidance, seed=seed))

    first = _timed(call, 1)[0]
    second = _timed(lambda: call(prompt="a person waving", seed=1, guidance=8.0), 1)[0]
    times = _timed(call, max(2, args.repeats - 1))
    med = statistics.median(times)
    few = max(1, args.steps // 5)
    call(few)  # compiles the loop for the other step count
    few_med = statistics.median(_timed(lambda: call(few), max(2, args.repeats - 1)))
    per_step = (med - few_med) / (args.steps - few)
    rest = med - args.steps * per_step
    unet, pose = bundle.modules["unet"], bundle.modules["pose_encoder"]
    text_len = bundle.modules["text_encoder"].max_position_embeddings
    step_flops = unet_flops(unet, batch=2, frames=args.frames, height=args.latent,
                          width=args.latent, text_len=text_len).total
    with_pose = unet_flops(unet, batch=1, frames=args.frames, height=args.latent,
                           width=args.latent, text_len=text_len, pose_encoder=pose).total
    without_pose = unet_flops(unet, batch=1, frames=args.frames, height=args.latent,
                              width=args.latent, text_len=text_len).total
    gflop = (args.steps * step_flops + with_pose - without_pose) / 1e9
    print(f"  sample: {args.steps} steps, {args.frames} frames at {size}x{size}: first call "
          f"{first:.1f} s, second call (other prompt, seed, guidance) {second:.2f} s, then "
          f"{_line(times)}; {few} steps {few_med:.3f} s; UNet+pose {gflop:.0f} GFLOP", flush=True)
    return (f"RESULT gpu_sample frames={args.frames} size={size} steps={args.steps} "
            f"seconds={med:.3f} first_call_s={first:.1f} second_call_s={second:.3f} "
            f"compile_s={first - med:.1f} step_s={per_step:.4f} not_unet_s={rest:.3f} "
            f"not_unet_share={rest / med:.3f} " + _mfu(gflop / med / 1e3, peaks))


def _mfu(tflops: float, peaks: dict[str, float]) -> str:
    return f"tflops={tflops:.1f} " + " ".join(
        f"mfu_{name}={tflops / peak:.3f}" for name, peak in peaks.items())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", default="matmul,fwd,fwdbwd,sample")
    p.add_argument("--frames", type=int, default=24)
    p.add_argument("--latent", type=int, default=64, help="latent side (512 px / 8)")
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--remat", default="nothing_saveable", help="fwdbwd: jax.checkpoint_policies name")
    p.add_argument("--peak_tflops", type=float, default=989.0, help="datasheet dense bf16 peak")
    p.add_argument("--tiny", action="store_true", help="toy sizes (CPU smoke run)")
    args = p.parse_args()
    if args.tiny:
        args.frames, args.latent = min(args.frames, 2), 8
    channels = (32, 64, 64, 64) if args.tiny else SD14
    text_dim = 32 if args.tiny else 768
    args.case = lambda backward: dataclasses.replace(
        Case(channels, text_dim, args.latent, backward, float("nan")), frames=args.frames)

    import jax

    print(f"jax {jax.__version__}, devices {jax.devices()}", flush=True)
    peaks = {"datasheet": args.peak_tflops}
    results, failed = [], False
    for name in args.cases.split(","):
        print(f"== {name}", flush=True)
        try:
            if name == "matmul":
                line, peaks["matmul"] = bench_matmul(args)
            elif name in ("fwd", "fwdbwd"):
                line = bench_unet(args, name == "fwdbwd", peaks)
            elif name == "sample":
                line = bench_sample(args, peaks)
            else:
                raise SystemExit(f"unknown case {name}")
        except Exception:  # noqa: BLE001 - report and go on to the next case
            traceback.print_exc()
            line, failed = f"RESULT gpu_{name} failed", True
        print(line, flush=True)
        results.append(line)
    print("\n".join(results))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
