"""Text + pose -> video end to end (random weights), and the one-jit loop against a Python loop.

Cases (``--cases``): ``small`` (UNet block channels 64/128/256/256, text width 256) and ``sd14``
(SD 1.4 UNet, CLIP ViT-L text encoder, SD VAE); both 8 frames at 256x256, 10 DDIM steps,
guidance 12.5, one prompt, the pose encoder at the VAE's scale.

Each case runs three fresh processes sharing one empty compilation-cache folder:
  1. first run: generate once (compiles; ``compile_s`` = first call - steady-state call), then
     time the one-jit loop and the stepped loop (Python loop of jitted UNet+step calls)
     alternately, ``--repeats`` times each;
  2. second run: generate once more in a new process: compiled programs come from the cache.
Prints one line per case:
  ``RESULT sample_<case> seconds=<steady s> compile_s=<s> cached_first_call_s=<s>
  stepped_s=<s> loop_ratio=<stepped / one-jit> peak_rss_gib=<GiB>``

    python bench/sample.py --cases small --repeats 3
    python bench/sample.py --cases sd14 --repeats 1 --no-stepped   # fits 24 GiB
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FRAMES, SIZE, STEPS = 8, 256, 10


def bundle_configs(case: str) -> tuple[dict, dict]:
    from configs.models import sd14_text_vae, sd14_unet, tiny, tiny_text_vae

    if case == "sd14":
        return (dict(unet=sd14_unet.UNET_CONFIG, pose_encoder=sd14_unet.POSE_ENCODER_CONFIG,
                     text_encoder=sd14_text_vae.CLIP_TEXT_CONFIG, vae=sd14_text_vae.VAE_CONFIG),
                sd14_unet.SCHEDULER_CONFIG)
    unet = dict(sd14_unet.UNET_CONFIG, block_out_channels=[64, 128, 256, 256],
                cross_attention_dim=256)
    text = dict(tiny_text_vae.CLIP_TEXT_CONFIG, hidden_size=256, intermediate_size=1024,
                num_attention_heads=4)
    pose = dict(sd14_unet.POSE_ENCODER_CONFIG, channels=[64, 128, 256, 256])
    return dict(unet=unet, pose_encoder=pose, text_encoder=text, vae=tiny.VAE_CONFIG), \
        sd14_unet.SCHEDULER_CONFIG


def worker(case: str, cache: str, repeats: int, stepped: bool) -> dict:
    """Runs in a child process; returns what it measured."""
    import numpy as np

    from fyp_jax.pipeline.compile_cache import enable_compilation_cache
    from fyp_jax.pipeline.generate import SamplingOptions, generate
    from fyp_jax.pipeline.random_bundle import random_bundle

    enable_compilation_cache(cache)
    bundle = random_bundle(*bundle_configs(case))
    skeleton = np.random.default_rng(0).uniform(0, 1, (FRAMES, SIZE, SIZE, 3)).astype(np.float32)

    def run(stepped: bool) -> float:
        t0 = time.perf_counter()
        generate(bundle, ["a figure dancing"], skeleton, frames=FRAMES, height=SIZE, width=SIZE,
                 options=SamplingOptions(num_steps=STEPS, stepped=stepped))
        return time.perf_counter() - t0

    out = {"first_call_s": run(False)}
    if repeats:
        if stepped:
            run(True)  # compile the stepped path too
        out.update(fused=[], stepped=[])
        for _ in range(repeats):
            out["fused"].append(run(False))
            if stepped:
                out["stepped"].append(run(True))
    out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def child(case: str, cache: str, repeats: int, stepped: bool) -> dict:
    r = subprocess.run([sys.executable, __file__, "--worker", case, "--cache", cache,
                        "--repeats", str(repeats), "--stepped" if stepped else "--no-stepped"],
                       capture_output=True, text=True, cwd=REPO)
    if r.returncode:
        killed = " (SIGKILL: out of memory?)" if r.returncode == -9 else ""
        sys.exit(f"worker failed with exit code {r.returncode}{killed}:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", default="small")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--stepped", action=argparse.BooleanOptionalAction, default=True,
                   help="also time the stepped loop (sd14 on 24 GiB: --no-stepped; the process "
                        "holding both programs was killed for memory)")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--cache", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.cache, args.repeats, args.stepped)))
        return
    for case in args.cases.split(","):
        with tempfile.TemporaryDirectory() as cache:
            first = child(case, cache, args.repeats, args.stepped)
            second = child(case, cache, 0, False)
        steady = statistics.median(first["fused"])
        stepped = statistics.median(first["stepped"]) if first["stepped"] else float("nan")
        print(f"{case}: first call {first['first_call_s']:.1f} s, one-jit runs "
              f"{[round(t, 2) for t in first['fused']]}, stepped runs "
              f"{[round(t, 2) for t in first['stepped']]}, new process with cache: first call "
              f"{second['first_call_s']:.1f} s")
        print(f"RESULT sample_{case} seconds={steady:.2f} "
              f"compile_s={first['first_call_s'] - steady:.1f} "
              f"cached_first_call_s={second['first_call_s']:.2f} stepped_s={stepped:.2f} "
              f"loop_ratio={stepped / steady:.3f} "
              f"peak_rss_gib={max(first['peak_rss'], second['peak_rss']) / 2**30:.2f}", flush=True)


if __name__ == "__main__":
    main()
