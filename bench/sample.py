"""Text + pose -> video end to end (random weights) through the sampling API users run, and the
same figures for another checkout (``--baseline``, e.g. a ``git worktree`` of an older commit).

Cases (``--cases``): ``small`` (UNet block channels 64/128/256/256, text width 256) and ``sd14``
(SD 1.4 UNet, CLIP ViT-L text encoder, SD VAE); both 8 frames at 256x256, 10 DDIM steps, one
prompt, the pose encoder at the VAE's scale. ``long``: the PoseWorld model at 64x64, 2 DDIM
steps, a video of its window (8 frames) and one of 256 frames (fused windows), each in a fresh
process: ``RESULT sample_long rss_window_gib= rss_256_gib= rss_ratio= seconds_window=
seconds_256=`` (this tree only).

For each case and tree, two fresh processes share one empty compilation-cache folder:
  1. first call (compiles: prompt A, seed 0, guidance 12.5); second call with another prompt,
     seed and guidance (prompt B, seed 1, guidance 8.0: must not compile); ``--repeats`` steady
     calls; then calls with a progress callback, as infer.py makes them (the first one is timed
     apart: it compiles where progress selects another program). XLA compilations are counted
     for the second call and the first progress call.
  2. one call in a new process: the programs come from the persistent cache (or not).
Prints ``RESULT sample_<case>[_baseline] first_call_s= second_call_s= second_call_compiles=
steady_s= progress_s= progress_compiles= cached_first_call_s= peak_rss_gib=`` per tree, and with
``--baseline`` the ratios baseline / this tree. A failed worker exits non-zero.

    python bench/sample.py --cases small --repeats 3
    git worktree add /tmp/before <commit> && python bench/sample.py --baseline /tmp/before
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
FRAMES, SIZE, STEPS = 8, 256, 10
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


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


def make_sampler(bundle, skeleton):
    """``sample(prompt, seed, guidance, progress)`` with this tree's API: the Pipeline where
    there is one (built once), else ``generate`` (the code before it)."""
    kw = dict(frames=FRAMES, height=SIZE, width=SIZE)
    try:
        from fyp_jax.pipeline import Pipeline, SamplingOptions
    except ImportError:
        from fyp_jax.pipeline.generate import SamplingOptions, generate

        return lambda prompt, seed, g, progress: generate(
            bundle, [prompt], skeleton, options=SamplingOptions(
                num_steps=STEPS, guidance_scale=g, seed=seed), progress=progress, **kw)
    pipe = Pipeline(bundle)
    return lambda prompt, seed, g, progress: pipe(
        [prompt], skeleton, options=SamplingOptions(num_steps=STEPS, guidance_scale=g, seed=seed),
        progress=progress, **kw)


def worker(case: str, cache: str, repeats: int) -> dict:
    """Runs in a child process whose ``sys.path`` starts at the tree under test."""
    import jax
    import numpy as np

    from fyp_jax.pipeline.compile_cache import enable_compilation_cache
    from fyp_jax.pipeline.random_bundle import random_bundle

    compiles = []
    jax.monitoring.register_event_duration_secs_listener(
        lambda event, duration, **kw: compiles.append(event) if event == COMPILE_EVENT else None)
    enable_compilation_cache(cache)
    bundle = random_bundle(*bundle_configs(case))
    skeleton = np.random.default_rng(0).uniform(0, 1, (FRAMES, SIZE, SIZE, 3)).astype(np.float32)
    sample = make_sampler(bundle, skeleton)

    def timed(prompt="a figure dancing", seed=0, g=12.5, progress=None) -> tuple[float, int]:
        before = len(compiles)
        t0 = time.perf_counter()
        sample(prompt, seed, g, progress)
        return time.perf_counter() - t0, len(compiles) - before

    out = {"first_call_s": timed()[0]}
    if repeats:
        out["second_call_s"], out["second_call_compiles"] = timed("a person waving", 1, 8.0)
        out["steady"] = [timed()[0] for _ in range(repeats)]
        out["progress_first_s"], out["progress_compiles"] = timed(progress=lambda i: None)
        out["progress"] = [timed(progress=lambda i: None)[0] for _ in range(repeats)]
    out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


LONG_FRAMES, LONG_SIZE, LONG_STEPS = 256, 64, 2


def long_worker(frames: int, cache: str) -> dict:
    """Peak RSS and seconds of one PoseWorld video of ``frames`` frames (fused windows when
    longer than the model's window)."""
    import numpy as np

    from fyp_jax.bundle import load_bundle
    from fyp_jax.pipeline import Pipeline, SamplingOptions
    from fyp_jax.pipeline.compile_cache import enable_compilation_cache

    enable_compilation_cache(cache)
    pipe = Pipeline(load_bundle(REPO / "assets" / "poseworld"))
    skeleton = np.random.default_rng(0).uniform(0, 1, (frames, LONG_SIZE, LONG_SIZE, 3))
    t0 = time.perf_counter()
    pipe(["a red figure waving on a beach background"], skeleton.astype(np.float32),
         frames=frames, height=LONG_SIZE, width=LONG_SIZE,
         options=SamplingOptions(num_steps=LONG_STEPS, guidance_scale=7.5))
    return {"seconds": time.perf_counter() - t0,
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def measure_long() -> dict:
    window = json.loads((REPO / "assets" / "poseworld" / "bundle.json").read_text())["clip_frames"]
    with tempfile.TemporaryDirectory() as cache:
        short, long_ = (child(REPO, f"long:{n}", cache, 0) for n in (window, LONG_FRAMES))
    return dict(window=window, rss_window_gib=short["peak_rss"] / 2**30,
                rss_256_gib=long_["peak_rss"] / 2**30,
                rss_ratio=long_["peak_rss"] / short["peak_rss"],
                seconds_window=short["seconds"], seconds_256=long_["seconds"])


def child(tree: Path, case: str, cache: str, repeats: int) -> dict:
    r = subprocess.run([sys.executable, __file__, "--worker", case, "--tree", str(tree),
                        "--cache", cache, "--repeats", str(repeats)],
                       capture_output=True, text=True, cwd=tree)
    if r.returncode:
        killed = " (SIGKILL: out of memory?)" if r.returncode == -9 else ""
        sys.exit(f"worker ({tree}) failed with exit code {r.returncode}{killed}:\n"
                 f"{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def measure(tree: Path, case: str, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as cache:
        first = child(tree, case, cache, repeats)
        second = child(tree, case, cache, 0)
    return dict(first_call_s=first["first_call_s"], second_call_s=first["second_call_s"],
                second_call_compiles=first["second_call_compiles"],
                steady_s=statistics.median(first["steady"]),
                progress_first_s=first["progress_first_s"],
                progress_compiles=first["progress_compiles"],
                progress_s=statistics.median(first["progress"]),
                cached_first_call_s=second["first_call_s"],
                peak_rss_gib=max(first["peak_rss"], second["peak_rss"]) / 2**30)


def result_line(name: str, m: dict) -> str:
    return f"RESULT {name} " + " ".join(
        f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in m.items())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", default="small")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--baseline", type=Path, default=None,
                   help="another checkout of this repository to measure in the same run")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--tree", type=Path, default=REPO, help=argparse.SUPPRESS)
    p.add_argument("--cache", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        sys.path.insert(0, str(args.tree.resolve()))
        if args.worker.startswith("long:"):
            print(json.dumps(long_worker(int(args.worker[5:]), args.cache)))
        else:
            print(json.dumps(worker(args.worker, args.cache, args.repeats)))
        return
    if args.baseline is not None and not (args.baseline / "fyp_jax").is_dir():
        sys.exit(f"--baseline {args.baseline}: not a checkout of this repository")
    for case in args.cases.split(","):
        if case == "long":
            print(result_line("sample_long", measure_long()), flush=True)
            continue
        ours = measure(REPO, case, args.repeats)
        print(result_line(f"sample_{case}", ours), flush=True)
        if args.baseline is None:
            continue
        base = measure(args.baseline.resolve(), case, args.repeats)
        print(result_line(f"sample_{case}_baseline", base), flush=True)
        ratios = {f"{k}_ratio": base[k] / ours[k] for k in
                  ("first_call_s", "second_call_s", "steady_s", "progress_s",
                   "cached_first_call_s")}
        print(result_line(f"sample_{case}_baseline_over_ours", ratios), flush=True)


if __name__ == "__main__":
    main()
