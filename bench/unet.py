"""UNet3D speed against diffusers' PyTorch UNet2DConditionModel, measured in the same run.

Cases (``--cases``): ``small_fwd`` / ``small_fwdbwd`` (block channels 64/128/256/256, text width
256) and ``sd14_256_fwd`` / ``sd14_512_fwd`` (SD 1.4 size, latents 32x32 / 64x64); all with
8 frames, batch 2 (as classifier-free guidance runs it), 77 text tokens, random weights, in
sample mode (the PoseEncoder runs inside the timed function, as it does inside the original's
UNet forward). ``fwdbwd`` differentiates the stage-2 trainable parameters only. The reference is
the 2-D UNet with the same channels and the frames folded into the batch, using its default
fused attention, forward (or forward + backward of attn1/attn2.to_q) at the same batch.
Ours runs as the Pipeline runs it (``--devices cores``): on a CPU with one JAX device per core,
each device computing its own rows of the batch (the guided batch's two halves); ``--devices one``
is the whole batch on one device; ``--devices cores,one`` times both in one run.

    python bench/unet.py --cases small_fwd,small_fwdbwd --repeats 3

Prints per side compile time, min/median/max seconds, GFLOP/s, cores kept busy (CPU time / wall
time) and peak RSS (each side is its own process, per case), then one ``RESULT`` line per case
and ``--devices`` value; work_ratio > 1 means our FLOP/s beat the reference's.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import re
import statistics
import sys
import time

from harness import measure, serve

STAGE2_TRAINABLE = r"attn1/to_q|attn2/to_q|attn_temp|conv_temporal"
REF_TRAINABLE = r"attn1/to_q|attn2/to_q"  # what the 2-D model has of them
SMALL, SD14 = (64, 128, 256, 256), (320, 640, 1280, 1280)


@dataclasses.dataclass(frozen=True)
class Case:
    channels: tuple[int, ...]
    text_dim: int
    latent: int
    backward: bool
    original_s: float  # the original FollowYourPose on this machine type (issue table)
    ref_by_default: bool = True
    batch: int = 2
    frames: int = 8
    text_len: int = 77

    def unet_config(self) -> dict:
        return dict(block_out_channels=list(self.channels), cross_attention_dim=self.text_dim,
                    attention_head_dim=8, layers_per_block=2)


CASES = {
    "small_fwd": Case(SMALL, 256, 32, False, 5.38),
    "small_fwdbwd": Case(SMALL, 256, 32, True, 18.5),
    "sd14_256_fwd": Case(SD14, 768, 32, False, 20.8),
    "sd14_512_fwd": Case(SD14, 768, 64, False, 151.6, ref_by_default=False),
}


def flops(case: Case) -> tuple[float, float]:
    """(ours, ref) GFLOP of one timed call."""
    from fyp_jax.models.flops import unet_flops
    from fyp_jax.models.pose_encoder import PoseEncoder
    from fyp_jax.models.unet3d import UNet3DConditionModel

    unet = UNet3DConditionModel.from_config(case.unet_config())
    size = dict(height=case.latent, width=case.latent, text_len=case.text_len)
    ours = unet_flops(unet, batch=case.batch, frames=case.frames, pose_encoder=PoseEncoder(
        case.channels), trainable=STAGE2_TRAINABLE if case.backward else None, **size)
    ref = unet_flops(unet.clone(use_temporal=False), batch=case.batch * case.frames, frames=1,
                     trainable=REF_TRAINABLE if case.backward else None, **size)
    return ours.total / 1e9, ref.total / 1e9


def random_params(module, *args) -> dict:
    """Parameters shaped as ``module.init`` makes them, drawn with numpy one array at a time
    (compiling ``init`` takes minutes at SD size): kernels N(0, 1/fan_in), norm scales 1,
    biases 0."""
    import jax
    import numpy as np

    rng = np.random.default_rng(0)

    def draw(path, leaf):
        if leaf.ndim == 1:
            return jax.numpy.full(leaf.shape, path[-1].key == "scale", leaf.dtype)
        fan_in = math.prod(leaf.shape[:-1])
        return jax.numpy.asarray(rng.standard_normal(leaf.shape, np.float32) / fan_in**0.5)

    shapes = jax.eval_shape(module.init, jax.random.key(0), *args)["params"]
    return jax.tree_util.tree_map_with_path(draw, shapes)


def setup_ours(case: Case, dtype: str, remat: str, xla_options: str, devices: str):
    import jax
    import jax.numpy as jnp
    from flax import traverse_util
    from jax.sharding import NamedSharding, PartitionSpec

    from fyp_jax import sharding
    from fyp_jax.compile_options import cpu_compiler_options
    from fyp_jax.models.pose_encoder import PoseEncoder
    from fyp_jax.models.unet3d import UNet3DConditionModel

    if devices == "cores":
        sharding.use_every_cpu_core()
    mesh = sharding.local_mesh() if devices == "cores" else None

    compute = jnp.bfloat16 if dtype == "bfloat16" else None
    remat_policy = remat if case.backward and remat != "none" else None
    unet = UNet3DConditionModel.from_config(case.unet_config(), dtype=compute,
                                            remat_policy=remat_policy)
    pose = PoseEncoder(case.channels, dtype=compute)
    k = jax.random.split(jax.random.key(0), 3)
    b, f, s = case.batch, case.frames, case.latent
    sample = jax.random.normal(k[0], (b, f, s, s, 4))
    text = jax.random.normal(k[1], (b, case.text_len, case.text_dim))
    skeleton = jax.random.uniform(k[2], (b, f, 8 * s, 8 * s, 3))
    t = jnp.array([981, 37])
    # Parameters do not depend on the spatial size: shape them on a 1-frame 8x8 latent.
    params = random_params(unet, sample[:1, :1, :8, :8], t[:1], text[:1])
    pose_params = random_params(pose, skeleton[:1, :1, :64, :64])

    def forward(params, pose_params, sample, t, text, skeleton):
        feats = pose.apply({"params": pose_params}, skeleton)
        return unet.apply({"params": params}, sample, t, text, pose_features=feats)

    if mesh is not None:  # each device its own rows, as the Pipeline's guided batch
        rows, whole = sharding.BATCH_SPEC, PartitionSpec()
        forward = jax.shard_map(forward, mesh=mesh, out_specs=rows,
                                in_specs=(whole, whole, rows, rows, rows, rows))
        place = lambda x, spec: jax.device_put(x, NamedSharding(mesh, spec))  # noqa: E731
        params, pose_params = place(params, whole), place(pose_params, whole)
        sample, t, text, skeleton = (place(x, rows) for x in (sample, t, text, skeleton))

    if case.backward:
        flat = traverse_util.flatten_dict(params, sep="/")
        pattern = re.compile(STAGE2_TRAINABLE)
        trainable = {p: v for p, v in flat.items() if pattern.search(p)}
        frozen = {p: v for p, v in flat.items() if not pattern.search(p)}

        def loss(trainable, frozen, *inputs):
            full = traverse_util.unflatten_dict({**frozen, **trainable}, sep="/")
            out = forward(full, *inputs)
            return jnp.mean(jnp.square(out.astype(jnp.float32)))

        fn, args = jax.grad(loss), (trainable, frozen, pose_params, sample, t, text, skeleton)
    else:
        fn, args = forward, (params, pose_params, sample, t, text, skeleton)
    t0 = time.perf_counter()
    options = cpu_compiler_options() if xla_options == "tuned" else {}
    compiled = jax.jit(fn, compiler_options=options).lower(*args).compile()
    compile_s = time.perf_counter() - t0
    return (lambda: jax.block_until_ready(compiled(*args))), dict(compile_s=compile_s)


def setup_ref(case: Case, threads: int):
    # Idle OpenMP workers sleep instead of spinning: on a machine shared with other jobs, spinning
    # threads that lose their core make torch up to 8x slower (measured 1.2 s -> 10 s here), and
    # on an idle machine passive waiting measured no slower. Set before torch loads OpenMP.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch
    from diffusers import UNet2DConditionModel

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = UNet2DConditionModel(sample_size=case.latent, **case.unet_config())
    n, s = case.batch * case.frames, case.latent
    sample = torch.randn(n, 4, s, s)
    t = torch.tensor([981, 37]).repeat_interleave(case.frames)
    text = torch.randn(n, case.text_len, case.text_dim)
    if not case.backward:
        model.eval().requires_grad_(False)

        def call():
            with torch.inference_mode():
                model(sample, t, encoder_hidden_states=text)
        return call, {}
    pattern = re.compile(REF_TRAINABLE)
    trainable = [p for name, p in model.named_parameters()
                 if pattern.search(name.replace(".", "/"))]
    model.train().requires_grad_(False)
    for p in trainable:
        p.requires_grad_(True)

    def call():
        for p in trainable:
            p.grad = None
        model(sample, t, encoder_hidden_states=text).sample.square().mean().backward()
    return call, {}


def run_case(name: str, args: argparse.Namespace) -> list[str]:
    case = CASES[name]
    worker = [sys.executable, os.path.abspath(__file__), "--case", name, "--dtype", args.dtype,
              "--remat", args.remat, "--xla-options", args.xla_options,
              "--threads", str(args.threads), "--worker"]
    devices = args.devices.split(",")
    # The first --devices value is "ours"; any other is timed too, as "ours_<value>".
    sides_of = {("ours" if i == 0 else f"ours_{d}"): d for i, d in enumerate(devices)}
    argvs = {side: worker + ["ours", "--devices", d] for side, d in sides_of.items()}
    with_ref = args.ref == "on" or (args.ref == "auto" and case.ref_by_default)
    if with_ref:
        argvs["ref"] = worker + ["ref"]
    ours_g, ref_g = flops(case)
    remat = f", remat {args.remat}" if case.backward else ""
    print(f"== {name}: ours {ours_g:.1f} GFLOP ({args.dtype}{remat}, {args.xla_options} XLA "
          f"options, devices {args.devices}), ref {ref_g:.1f} GFLOP", flush=True)
    sides = measure(argvs, args.repeats)
    for side in sides_of:
        print(f"  {side}: {sides[side].summary(ours_g)}")
    ours_s = statistics.median(sides["ours"].times)
    print(f"  original FollowYourPose (issue table): {case.original_s} s -> ours "
          f"{case.original_s / ours_s:.2f}x faster (median)")
    ref_s, ratio, ref_cores = math.nan, math.nan, math.nan
    if with_ref:
        print(f"  ref:  {sides['ref'].summary(ref_g)}")
        ref_s, ref_cores = statistics.median(sides["ref"].times), sides["ref"].cores()
        ratio = (ref_s / ref_g) / (ours_s / ours_g)
        best = (min(sides["ref"].times) / ref_g) / (min(sides["ours"].times) / ours_g)
        print(f"  work ratio: {ratio:.3f} on medians, {best:.3f} on each side's fastest run")
    results = []
    for side, d in sides_of.items():
        side_s = statistics.median(sides[side].times)
        side_ratio = (ref_s / ref_g) / (side_s / ours_g) if with_ref else math.nan
        results.append(f"RESULT {name} devices={d} ours_s={side_s:.3f} ref_s={ref_s:.3f} "
                       f"ours_gflop={ours_g:.1f} ref_gflop={ref_g:.1f} "
                       f"work_ratio={side_ratio:.3f} ours_cores={sides[side].cores():.2f} "
                       f"ref_cores={ref_cores:.2f}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="small_fwd,small_fwdbwd,sd14_256_fwd",
                        help=f"comma-separated, from {', '.join(CASES)}")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side")
    parser.add_argument("--dtype", choices=("float32", "bfloat16"), default="float32",
                        help="our compute dtype (the reference stays float32)")
    parser.add_argument("--remat", default="none",
                        help="fwdbwd cases: a jax.checkpoint_policies name for our resnet and "
                             "transformer blocks, or none")
    parser.add_argument("--xla-options", choices=("tuned", "default"), default="tuned",
                        help="tuned: fyp_jax.compile_options.cpu_compiler_options()")
    parser.add_argument("--devices", default="cores",
                        help="ours, comma-separated to time several in one run: cores = one CPU "
                             "device per core, each computing its own rows of the batch (what "
                             "the Pipeline does); one = a single device")
    parser.add_argument("--ref", choices=("auto", "on", "off"), default="auto",
                        help="auto: skip the reference at 512x512 (slow)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--worker", choices=("ours", "ref"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        case = CASES[args.case]
        serve(lambda: setup_ours(case, args.dtype, args.remat, args.xla_options, args.devices)
              if args.worker == "ours"
              else setup_ref(case, args.threads))
        return
    names = args.cases.split(",")
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown cases {unknown}; known: {', '.join(CASES)}")
    bad = [d for d in args.devices.split(",") if d not in ("cores", "one")]
    if bad:
        parser.error(f"unknown --devices {bad}; known: cores, one")
    results = [line for name in names for line in run_case(name, args)]
    print("\n".join(results))


if __name__ == "__main__":
    main()
