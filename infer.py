"""Generate pose-guided videos: text prompt(s) + a pose video -> mp4/gif per prompt + a grid.

    python infer.py                                   # the default model and example pose
    python infer.py --prompt "a red figure waving" --pose my_skeleton.mp4 --model BUNDLE
    python infer.py --config=configs/infer_sd14.py --prompt "Iron Man on the beach"
"""

from __future__ import annotations

import logging
import sys
import time

from absl import app, flags
from ml_collections import config_flags

from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.errors import ConfigError

_CONFIG = config_flags.DEFINE_config_file("config", "configs/infer_default.py", "infer config")
flags.DEFINE_multi_string("prompt", None, "text prompt (repeat for several videos in one batch)")
flags.DEFINE_string("pose", None, "skeleton video (mp4/mov/gif/webm) or folder of frames")
flags.DEFINE_string("model", None, "bundle folder, diffusers SD folder, or 'random-tiny'")
flags.DEFINE_string("fyp_checkpoint", None, "FollowYourPose checkpoint (with an SD folder)")
flags.DEFINE_string("pose_encoder", None, "pose_encoder.pth (with an SD folder)")
flags.DEFINE_integer("frames", None, "number of video frames")
flags.DEFINE_integer("stride", None, "take every n-th frame of the pose video")
flags.DEFINE_integer("start", None, "first frame of the pose video")
flags.DEFINE_integer("height", None, "video height (multiple of 64)")
flags.DEFINE_integer("width", None, "video width (multiple of 64)")
flags.DEFINE_integer("steps", None, "sampler steps")
flags.DEFINE_float("guidance", None, "classifier-free guidance scale")
flags.DEFINE_integer("seed", None, "random seed (prompt i uses seed + i)")
flags.DEFINE_string("scheduler", None, "ddim | dpmpp_2m")
flags.DEFINE_string("negative_prompt", None, "negative prompt")
flags.DEFINE_string("out", None, "output folder")
flags.DEFINE_bool("stepped", None, "run a Python loop of jitted steps (debugging)")
flags.DEFINE_string("source_video", None, "start from the DDIM inversion of this video (sampled "
                    "like --pose): character replacement / background change")

FLAG_TO_FIELD = {"prompt": "prompts"}


def resolved_config():
    """The config file's values with every explicitly given flag on top."""
    cfg = _CONFIG.value
    for name in ("prompt", "pose", "model", "fyp_checkpoint", "pose_encoder", "frames", "stride",
                 "start", "height", "width", "steps", "guidance", "seed", "scheduler",
                 "negative_prompt", "out", "stepped", "source_video"):
        value = flags.FLAGS[name].value
        if value is not None:
            setattr(cfg, FLAG_TO_FIELD.get(name, name), value)
    return cfg


def check(cfg) -> None:
    if not cfg.prompts or not all(p.strip() for p in cfg.prompts):
        raise ConfigError("no prompt given: pass at least one non-empty --prompt")
    for name in ("height", "width"):
        value = getattr(cfg, name)
        if value <= 0 or value % 64:
            raise ConfigError(f"--{name}={value} is not a positive multiple of 64 (try "
                              f"{max(64, round(value / 64) * 64)})")
    from fyp_jax.schedulers import SCHEDULERS

    if cfg.scheduler not in SCHEDULERS:
        raise ConfigError(f"unknown --scheduler {cfg.scheduler!r}; known: {', '.join(SCHEDULERS)}")
    if cfg.frames < 1 or cfg.steps < 1:
        raise ConfigError("--frames and --steps must be at least 1")


def load(cfg):
    import jax.numpy as jnp

    from configs.models.tiny import bundle_configs
    from fyp_jax.pipeline.model_source import RANDOM_TINY, load_model
    from fyp_jax.pipeline.random_bundle import random_bundle

    if cfg.model == RANDOM_TINY:
        logging.warning("model 'random-tiny' has RANDOM weights: the video is noise (a smoke test "
                        "of the whole pipeline, not a result)")
        return random_bundle(*bundle_configs())
    dtype = {"float32": None, "bfloat16": jnp.bfloat16}.get(cfg.dtype)
    return load_model(cfg.model, fyp_checkpoint=cfg.fyp_checkpoint or None,
                      pose_encoder=cfg.pose_encoder or None, dtype=dtype)


def run(cfg) -> None:
    from tqdm import tqdm

    from fyp_jax.pipeline.compile_cache import enable_compilation_cache
    from fyp_jax.pipeline.generate import SamplingOptions, generate
    from fyp_jax.pipeline.outputs import write_outputs
    from fyp_jax.pose import load_pose_frames

    check(cfg)
    # Decode the pose video (an ffmpeg subprocess) before JAX starts its threads.
    skeleton = load_pose_frames(cfg.pose, cfg.frames, stride=cfg.stride, start=cfg.start,
                                size=(cfg.height, cfg.width)) if cfg.pose else None
    source = None
    if cfg.source_video:
        source = (load_pose_frames(cfg.source_video, cfg.frames, stride=cfg.stride, start=cfg.start,
                                   size=(cfg.height, cfg.width)) * 255 + 0.5).astype("uint8")
    enable_compilation_cache()
    bundle = load(cfg)
    for prompt in cfg.prompts:
        unknown = bundle.unknown_words(prompt)
        if unknown:
            logging.warning("prompt %r: %s outside this model's training vocabulary; expect "
                            "little or unpredictable effect (it knows: %s)", prompt, unknown,
                            " ".join(bundle.vocabulary))
    options = SamplingOptions(num_steps=cfg.steps, guidance_scale=cfg.guidance,
                              scheduler=cfg.scheduler, eta=cfg.eta, seed=cfg.seed,
                              negative_prompt=cfg.negative_prompt, decode_chunk=cfg.decode_chunk,
                              stepped=cfg.stepped)
    t0 = time.perf_counter()
    with tqdm(total=cfg.steps, desc="denoising", unit="step") as bar:
        videos = generate(bundle, list(cfg.prompts), skeleton, frames=cfg.frames,
                          height=cfg.height, width=cfg.width, options=options,
                          progress=lambda i: bar.update(1), source_video=source)
    paths = write_outputs(cfg.out, list(cfg.prompts), videos, skeleton, cfg.fps)
    print(f"generated {len(videos)} video(s) of {cfg.frames} frames at {cfg.width}x{cfg.height} "
          f"in {time.perf_counter() - t0:.1f} s:")
    for p in paths:
        print(f"  {p}")


def main(argv) -> None:
    if len(argv) > 1:
        print(f"error: unexpected arguments {argv[1:]}", file=sys.stderr)
        sys.exit(1)
    exit_on_user_error(lambda: run(resolved_config()))


if __name__ == "__main__":
    app.run(main)
