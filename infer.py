"""Generate pose-guided videos: text prompt(s) + a pose video -> mp4/gif per prompt + a grid.

    python infer.py                                   # the default model and example pose
    python infer.py --prompt "a red figure waving" --pose my_skeleton.mp4 --model BUNDLE
    python infer.py --config=configs/infer_sd14.py --prompt "Iron Man on the beach"
    python infer.py --prompts_file jobs.jsonl --batch_size 8 --out gens/   # batch jobs, resumable
"""

from __future__ import annotations

import logging
import sys
import time

from absl import flags

from configs.infer_default import EXAMPLE_POSE
from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.cli_flags import define_config, run_app
from fyp_jax.errors import ConfigError

_CONFIG = define_config("config", "infer_default.py", "infer config")
flags.DEFINE_multi_string("prompt", None, "text prompt (repeat for several videos in one batch)")
flags.DEFINE_string("pose", None, "skeleton video (mp4/mov/gif/webm) or folder of frames")
flags.DEFINE_string("model", None, "bundle folder, diffusers SD folder, or 'random-tiny'")
flags.DEFINE_string("fyp_checkpoint", None, "FollowYourPose checkpoint (with an SD folder)")
flags.DEFINE_string("pose_encoder", None, "pose_encoder.pth (with an SD folder)")
flags.DEFINE_string("frames", None, "number of video frames; 0 or 'all': every frame of the "
                    "pose video at the stride (longer than --window: sampled as fused windows)")
flags.DEFINE_integer("window", None, "frames per window of a long video (default: the model's "
                     "training clip length)")
flags.DEFINE_integer("overlap", None, "frames shared by consecutive windows (default: window/4)")
flags.DEFINE_integer("stride", None, "take every n-th frame of the pose video")
flags.DEFINE_integer("start", None, "first frame of the pose video")
flags.DEFINE_integer("height", None, "video height (a multiple the model needs; PoseWorld: 16)")
flags.DEFINE_integer("width", None, "video width (a multiple the model needs; PoseWorld: 16)")
flags.DEFINE_integer("steps", None, "sampler steps")
flags.DEFINE_float("guidance", None, "classifier-free guidance scale")
flags.DEFINE_integer("seed", None, "random seed (prompt i uses seed + i)")
flags.DEFINE_string("scheduler", None, "ddim | dpmpp_2m")
flags.DEFINE_string("negative_prompt", None, "negative prompt")
flags.DEFINE_string("out", None, "output folder")
flags.DEFINE_string("prompts_file", None, "JSON lines of jobs {\"prompt\", \"pose\", \"seed\", "
                    "\"negative_prompt\", \"name\"}: run in batches, one set of files per job, "
                    "jobs whose files exist skipped")
flags.DEFINE_integer("batch_size", None, "prompts per batch with --prompts_file (split over the "
                     "devices)")
flags.DEFINE_bool("extract", None, "extract the skeleton of a --pose video of a person (cached); "
                  "--noextract: stop with the command to run instead")
flags.DEFINE_string("source_video", None, "start from the DDIM inversion of this video (sampled "
                    "like --pose): character replacement / background change")
flags.DEFINE_string("original_config", None, "the original FollowYourPose's pose_sample.yaml: "
                    "its fields onto this config (--config.x and flags win); unused ones named")

FLAG_TO_FIELD = {"prompt": "prompts"}


def resolved_config():
    """The config file's values with every explicitly given flag on top."""
    cfg = _CONFIG.value
    if flags.FLAGS.original_config:
        from fyp_jax.original_config import apply_original_config

        apply_original_config(cfg, flags.FLAGS.original_config, "sample", sys.argv)
    if flags.FLAGS.frames is not None:
        cfg.frames = frame_count(flags.FLAGS.frames)
    for name in ("prompt", "pose", "model", "fyp_checkpoint", "pose_encoder", "window", "stride",
                 "start", "height", "width", "steps", "guidance", "seed", "scheduler",
                 "negative_prompt", "out", "source_video", "prompts_file", "batch_size",
                 "extract", "overlap"):
        value = flags.FLAGS[name].value
        if value is not None:
            setattr(cfg, FLAG_TO_FIELD.get(name, name), value)
    if cfg.source_video and cfg.pose == EXAMPLE_POSE:
        cfg.pose = cfg.source_video  # an edit follows its source's own pose (or skeleton)
    return cfg


def frame_count(text: str) -> int:
    """--frames: a count, or 0 / 'all' (every frame of the pose video, as 0)."""
    if text.strip().lower() == "all":
        return 0
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"--frames {text!r}: give a number of frames, or 0 / all") from None


def check(cfg) -> None:
    from fyp_jax.cli_flags import check_text

    if not cfg.prompts_file and (not cfg.prompts or not all(p.strip() for p in cfg.prompts)):
        raise ConfigError("no prompt given: pass at least one non-empty --prompt")
    for i, text in enumerate([*cfg.prompts, cfg.negative_prompt]):
        check_text(text, f"prompt {i + 1}" if i < len(cfg.prompts) else "--negative_prompt")
    for name in ("pose", "source_video", "model"):
        if flags.FLAGS[name].present and not getattr(cfg, name).strip():
            raise ConfigError(f"--{name} is empty; name a file or folder (or leave the flag out)")
    if cfg.stride is not None and cfg.stride < 1 or cfg.start < 0:
        raise ConfigError(f"--stride must be at least 1 and --start at least 0, got {cfg.stride} "
                          f"and {cfg.start}")
    if cfg.pose and not cfg.prompts_file:
        from fyp_jax.pose.video import prepare_pose_source

        prepare_pose_source(cfg.pose, cfg.extract)  # before JAX starts its threads
    if cfg.prompts_file and cfg.source_video:
        raise ConfigError("--source_video applies to --prompt runs, not to --prompts_file")
    if cfg.batch_size < 1:
        raise ConfigError(f"--batch_size must be at least 1, got {cfg.batch_size}")
    if cfg.frames < 0:
        raise ConfigError("--frames must be at least 1 (or 0 / all: every pose frame)")
    if cfg.frames == 0 and (not cfg.pose or cfg.prompts_file):
        raise ConfigError("--frames 0 / all takes the frame count from --pose: give a pose video "
                          "(and no --prompts_file)")
    check_people(cfg)
    options(cfg).check()


def check_people(cfg) -> None:
    """--config.per_person's errors: a pose with people to tell apart, a prompt per person."""
    if cfg.person_prompts and not cfg.per_person:
        raise ConfigError("--config.person_prompts go with --config.per_person=True")
    if cfg.per_person:
        if cfg.prompts_file or cfg.source_video or not cfg.pose:
            raise ConfigError("--config.per_person takes a --pose of several people and "
                              "--prompt, not --prompts_file or --source_video")
        people = pose_keypoints(cfg).shape[1]
        for prompt in cfg.prompts:
            named = len(person_prompts(cfg, prompt))
            if named != people:
                raise ConfigError(f"--config.per_person: {named} person prompt(s) for the "
                                  f"{people} people of {cfg.pose}; give one per person")


def options(cfg):
    from fyp_jax.pipeline import SamplingOptions

    return SamplingOptions(num_steps=cfg.steps, guidance_scale=cfg.guidance,
                           scheduler=cfg.scheduler, eta=cfg.eta, seed=cfg.seed,
                           negative_prompt=cfg.negative_prompt, decode_chunk=cfg.decode_chunk,
                           window=cfg.window, overlap=cfg.overlap, fusion=cfg.fusion,
                           shift=cfg.shift, cache_interval=cfg.cache_interval,
                           timestep_spacing=cfg.timestep_spacing or None,
                           source_prompt=cfg.source_prompt, inversion_steps=cfg.inversion_steps,
                           keep=cfg.keep, edit_start=cfg.edit_start,
                           keep_until=cfg.keep_until)


def person_prompts(cfg, prompt: str) -> list[str]:
    """--config.per_person: the prompt of each person, left to right."""
    if cfg.person_prompts:
        return list(cfg.person_prompts)
    from fyp_jax.data.poseworld import figure_captions

    try:
        return figure_captions(prompt)
    except ValueError:
        raise ConfigError(f"--config.per_person cannot split {prompt!r} into its figures (only "
                          "PoseWorld captions split); give --config.person_prompts, one per "
                          "person, left to right") from None


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


def warn_unknown_words(bundle, prompts) -> None:
    for prompt in prompts:
        unknown = bundle.unknown_words(prompt)
        if unknown:
            logging.warning("prompt %r: %s outside this model's training vocabulary; expect "
                            "little or unpredictable effect (it knows: %s)", prompt, unknown,
                            " ".join(bundle.vocabulary))


def pose_frames(cfg, path):
    from fyp_jax.pose import load_pose_frames

    return load_pose_frames(path, cfg.frames, stride=cfg.stride, start=cfg.start,
                            size=(cfg.height, cfg.width), fps=cfg.fps,
                            extract=cfg.extract) if path else None


def make_pipeline(cfg, bundle):
    import jax

    from fyp_jax.pipeline import Pipeline
    from fyp_jax.sharding import make_mesh

    mesh = None if jax.device_count() == 1 else make_mesh(cfg.mesh.data, cfg.mesh.fsdp)
    return Pipeline(bundle, mesh)


def run(cfg) -> None:
    from fyp_jax.output_folder import output_folder
    from fyp_jax.pipeline.compile_cache import enable_compilation_cache
    from fyp_jax.pipeline.pipeline import check_size
    from fyp_jax.train import distributed

    check(cfg)
    if cfg.prompts_file and not cfg.out:
        # One folder per jobs file, so that a rerun resumes it (and every process agrees).
        from pathlib import Path

        cfg.out = str(Path("out") / Path(cfg.prompts_file).stem)
    cfg.out = str(output_folder(cfg.out))
    distributed.initialize()
    bundle = load(cfg)
    check_size(bundle, cfg.height, cfg.width)
    enable_compilation_cache()
    if cfg.prompts_file:
        run_jobs(cfg, bundle)
    else:
        run_prompts(cfg, bundle)


def run_prompts(cfg, bundle) -> None:
    from tqdm import tqdm

    from fyp_jax.pipeline.outputs import write_outputs
    from fyp_jax.train import distributed

    skeleton = pose_frames(cfg, cfg.pose)
    if skeleton is not None:
        cfg.frames = len(skeleton)  # --frames 0: the whole pose video
    source = None
    if cfg.source_video:
        from fyp_jax.pose import load_video_frames

        source = load_video_frames(cfg.source_video, cfg.frames, cfg.stride, cfg.start,
                                   (cfg.height, cfg.width), fps=cfg.fps)
    warn_unknown_words(bundle, cfg.prompts)
    pipe = make_pipeline(cfg, bundle)
    t0 = time.perf_counter()
    runs = len(cfg.prompts) if cfg.per_person else 1
    with tqdm(total=cfg.steps * runs, desc="denoising", unit="step",
              disable=not distributed.is_primary()) as bar:
        if cfg.per_person:
            videos = people_videos(cfg, pipe, lambda i: bar.update(1))
        else:
            videos = pipe(list(cfg.prompts), skeleton, frames=cfg.frames, height=cfg.height,
                          width=cfg.width, options=options(cfg),
                          progress=lambda i: bar.update(1), source_video=source)
    if not distributed.is_primary():
        return
    paths = write_outputs(cfg.out, list(cfg.prompts), videos, skeleton, cfg.fps)
    print(f"generated {len(videos)} video(s) of {cfg.frames} frames at {cfg.width}x{cfg.height} "
          f"in {time.perf_counter() - t0:.1f} s:")
    for p in paths:
        print(f"  {p}")


def pose_keypoints(cfg):
    from fyp_jax.pose import load_pose_keypoints

    return load_pose_keypoints(cfg.pose, cfg.frames, stride=cfg.stride, start=cfg.start,
                               size=(cfg.height, cfg.width), fps=cfg.fps, extract=cfg.extract,
                               progress=False)


def people_videos(cfg, pipe, progress):
    """--config.per_person: one video per prompt, each person of --pose its own prompt."""
    import dataclasses

    import numpy as np

    keypoints = pose_keypoints(cfg)
    sampling = options(cfg)
    return np.stack([
        pipe.people(prompt, person_prompts(cfg, prompt), keypoints, frames=cfg.frames,
                    height=cfg.height, width=cfg.width, progress=progress,
                    options=dataclasses.replace(sampling, seed=sampling.seed + i))
        for i, prompt in enumerate(cfg.prompts)])


def run_jobs(cfg, bundle) -> None:
    from functools import cache
    from pathlib import Path

    import jax
    import numpy as np
    from tqdm import tqdm

    from fyp_jax.pipeline import jobs
    from fyp_jax.train import distributed

    out = Path(cfg.out)
    todo = jobs.read_jobs(cfg.prompts_file, pose=cfg.pose, seed=cfg.seed,
                          negative_prompt=cfg.negative_prompt)
    left = jobs.pending(todo, out)
    warn_unknown_words(bundle, sorted({j.prompt for j in left}))
    skeleton_of = cache(lambda path: pose_frames(cfg, path))
    for path in sorted({j.pose for j in left}):
        skeleton_of(path)  # every pose read (and checked) before the first batch
    posed = {bool(j.pose) for j in left}
    if len(posed) > 1:
        raise ConfigError("in a prompts file either every job has a pose or none has")
    pipe = make_pipeline(cfg, bundle)

    def sample(batch):
        skeleton = np.stack([skeleton_of(j.pose) for j in batch]) if batch[0].pose else None
        return pipe.local_videos([j.prompt for j in batch], skeleton, frames=cfg.frames,
                                 height=cfg.height, width=cfg.width, options=options(cfg),
                                 seeds=[j.seed for j in batch],
                                 negative_prompts=[j.negative_prompt for j in batch])

    t0 = time.perf_counter()
    with tqdm(total=len(left), desc="jobs", unit="job",
              disable=not distributed.is_primary()) as bar:
        written = jobs.run_jobs(left, out, cfg.batch_size, sample, cfg.fps, progress=bar.update)
    print(f"process {jax.process_index()}: wrote {written} job(s) to {out} in "
          f"{time.perf_counter() - t0:.1f} s ({len(todo) - len(left)} already done)")


def main(argv) -> None:
    if len(argv) > 1:
        print(f"error: unexpected arguments {argv[1:]}", file=sys.stderr)
        sys.exit(1)
    from fyp_jax.sharding import use_every_cpu_core

    use_every_cpu_core()  # before JAX starts: sampling splits over the cores
    exit_on_user_error(lambda: run(resolved_config()))


def cli() -> None:
    """The console script."""
    run_app(main)


if __name__ == "__main__":
    cli()
