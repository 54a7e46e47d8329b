"""Score a model on PoseWorld's held-out evaluation split (see README, "Evaluation").

    python evaluate.py --model assets/poseworld --variants full,no_pose,frame_by_frame
    python evaluate.py --model BUNDLE --clip PATH_TO_CLIP   # + the paper's CLIP metrics
    python evaluate.py --task steps --samplers ddim,dpmpp_2m --steps_list 5,10,20,50 --seeds 0,1
    python evaluate.py --task steps --samplers ddim --steps_list 20 --cache_intervals 1,2,3,5
    python evaluate.py --task long --lengths 64,256 --num 2     # seams, drift of long videos
    python evaluate.py --task multi --draws 4       # 1-3 figures from multi-person skeletons
    python evaluate.py --task multi --multi_method people   # ... one prompt per person
    python evaluate.py --task edit --num 7 --seeds 0,1  # edit one attribute of a clip
    python evaluate.py --task edit --attributes background --keep_until 0.25  # blend early only
    python evaluate.py --task real --pose_videos ../shared/pose_examples  # real skeleton videos
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from absl import flags

from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.cli_flags import project_path, run_app
from fyp_jax.errors import ConfigError

flags.DEFINE_enum("task", "compare", ["compare", "steps", "long", "multi", "edit", "real"],
                  "compare: the paper's variants (--variants); multi: 1-3 figures from "
                  "multi-person skeletons (--draws); steps: quality against sampler "
                  "steps (--samplers, --steps_list, --seeds); long: long videos as windows "
                  "(--settings, --lengths, --window, --overlap, --fusion, --shift); real: "
                  "caption background and colour on real skeleton videos (--pose_videos)")
flags.DEFINE_string("model", "assets/poseworld", "bundle folder")
flags.DEFINE_string("variants", "full", "comma-separated: full, no_pose, frame_by_frame")
flags.DEFINE_integer("num", 14, "evaluation clips (14 = every held-out triple once)")
flags.DEFINE_integer("frames", 8, "frames per clip")
flags.DEFINE_integer("size", 64, "clip height and width")
flags.DEFINE_integer("steps", 20, "DDIM steps")
flags.DEFINE_float("guidance", 7.5, "classifier-free guidance scale")
flags.DEFINE_integer("seed", 0, "sampling seed")
flags.DEFINE_string("samplers", "ddim,dpmpp_2m", "--task steps: comma-separated "
                    "scheduler[:spacing], e.g. ddim,dpmpp_2m:trailing")
flags.DEFINE_string("steps_list", "5,10,15,20,30,50", "--task steps: step counts")
flags.DEFINE_string("seeds", "0,1", "--task steps: sampling seeds (each runs every clip)")
flags.DEFINE_string("cache_intervals", "1", "--task steps: DeepCache intervals (1: off), e.g. "
                    "1,2,3,5")
flags.DEFINE_string("settings", "one_shot,independent,fused,ours", "--task long: "
                    "comma-separated settings")
flags.DEFINE_string("lengths", "64,256", "--task long: frame counts of the long clips")
flags.DEFINE_integer("window", None, "--task long: frames per window (default: the model's "
                     "training clip length)")
flags.DEFINE_integer("overlap", None, "--task long: window overlap (default: window/4)")
flags.DEFINE_string("fusion", "pyramid", "--task long: flat | pyramid")
flags.DEFINE_integer("shift", 0, "--task long: frames the windows move per step")
flags.DEFINE_integer("draws", 4, "--task multi: scenes per held-out combination (each its "
                     "own sampling seed)")
flags.DEFINE_enum("multi_method", "caption", ["caption", "people"], "--task multi: caption "
                  "(the scene's caption on the whole skeleton) or people (one caption per "
                  "figure on its own skeleton, composed by region: Pipeline.people)")
flags.DEFINE_string("pose_videos", "../shared/pose_examples", "--task real: folder whose "
                    "skeleton videos are used (videos of people in it are skipped)")
flags.DEFINE_string("phrase", "dancing", "--task real: the captions' motion words")
flags.DEFINE_string("attributes", "color,style,background", "--task edit: the attributes "
                    "changed, one per run")
flags.DEFINE_string("methods", "edit,blended,inversion,noise", "--task edit: edit (ours: "
                    "inverted under the source caption, the rest blended back), blended (the "
                    "same, the edited part from fresh noise), inversion (the original's "
                    "use_inv_latent), noise (generation with the new caption)")
flags.DEFINE_float("keep_until", 1.0, "--task edit: share of the steps through which the "
                   "edit and blended methods blend the kept part back (SamplingOptions.keep_until)")
flags.DEFINE_string("clip", None, "local CLIP checkpoint folder: adds CLIP score and CLIP frame "
                    "consistency")
flags.DEFINE_string("out", "", "folder for report.json and sample videos (default: a new "
                    "folder out/eval-<date-time>)")
FLAGS = flags.FLAGS


def check() -> Path:
    """Every flag checked before the model loads; returns the output folder."""
    from fyp_jax.eval.poseworld import VARIANTS
    from fyp_jax.output_folder import output_folder
    from fyp_jax.pipeline import SamplingOptions

    unknown = [v for v in FLAGS.variants.split(",") if v not in VARIANTS]
    if unknown:
        raise ConfigError(f"unknown --variants {unknown}; known: {', '.join(VARIANTS)}")
    for name in ("num", "frames", "size", "draws"):
        if FLAGS[name].value < 1:
            raise ConfigError(f"--{name} must be at least 1, got {FLAGS[name].value}")
    SamplingOptions(num_steps=FLAGS.steps, guidance_scale=FLAGS.guidance, seed=FLAGS.seed,
                    keep_until=FLAGS.keep_until).check()
    if FLAGS.task == "steps":
        steps_flags()
    if FLAGS.task == "long":
        long_flags()
    if FLAGS.task == "edit":
        edit_flags()
    if FLAGS.clip and not Path(FLAGS.clip).is_dir():
        raise ConfigError(f"--clip {FLAGS.clip} is not a folder; name a local CLIP checkpoint")
    return output_folder(FLAGS.out, prefix="eval-")


def int_list(name: str) -> list[int]:
    try:
        return [int(v) for v in FLAGS[name].value.split(",")]
    except ValueError as e:
        raise ConfigError(f"--{name} must be comma-separated integers, got "
                          f"{FLAGS[name].value!r}") from e


def steps_flags() -> tuple[list, list[int], list[int], list[int]]:
    """(samplers, step counts, seeds, cache intervals) of --task steps, checked."""
    from fyp_jax.eval.steps_study import Sampler
    from fyp_jax.pipeline import SamplingOptions

    samplers = [Sampler.parse(s) for s in FLAGS.samplers.split(",")]
    steps = int_list("steps_list")
    intervals = int_list("cache_intervals")
    for n in steps:
        for interval in intervals:
            SamplingOptions(num_steps=n, guidance_scale=FLAGS.guidance,
                            cache_interval=interval).check()
    return samplers, steps, int_list("seeds"), intervals


def long_flags() -> tuple[list[str], list[int], object]:
    """(settings, frame counts, sampling options) of --task long, checked."""
    from fyp_jax.eval.long_video import SETTINGS
    from fyp_jax.pipeline import SamplingOptions

    settings = FLAGS.settings.split(",")
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown:
        raise ConfigError(f"unknown --settings {unknown}; known: {', '.join(SETTINGS)}")
    lengths = int_list("lengths")
    if min(lengths) < 1:
        raise ConfigError(f"--lengths must be positive, got {FLAGS.lengths}")
    options = SamplingOptions(num_steps=FLAGS.steps, guidance_scale=FLAGS.guidance,
                              seed=FLAGS.seed, window=FLAGS.window, overlap=FLAGS.overlap,
                              fusion=FLAGS.fusion, shift=FLAGS.shift)
    options.check()
    return settings, lengths, options


def run_long(bundle, out: Path) -> None:
    from fyp_jax.eval.long_video import evaluate_long, table
    from fyp_jax.pipeline.outputs import write_outputs

    settings, lengths, options = long_flags()

    def on_videos(setting, frames, clips, videos):
        write_outputs(out / f"{setting}_{frames}", [c["caption"] for c in clips], videos[:1],
                      None, fps=8)

    reports = evaluate_long(str(project_path(FLAGS.model)), bundle.clip_frames,
                            settings=tuple(settings), frame_counts=tuple(lengths),
                            num_examples=FLAGS.num, size=FLAGS.size, options=options,
                            on_videos=on_videos, log=lambda line: print(line, flush=True))
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(reports, indent=1))
    (out / "long_table.md").write_text(table(reports) + "\n")
    print(table(reports))
    print(f"wrote {out / 'report.json'} and {out / 'long_table.md'}")


def run_real(bundle, out: Path) -> None:
    from fyp_jax.eval.real_skeletons import default_videos, evaluate_real_skeletons
    from fyp_jax.pipeline import SamplingOptions
    from fyp_jax.pipeline.outputs import write_outputs
    from fyp_jax.pose import load_pose_frames

    folder = project_path(FLAGS.pose_videos)
    if not Path(folder).is_dir():
        raise ConfigError(f"--pose_videos {FLAGS.pose_videos} is not a folder")
    videos = default_videos(folder)
    if not videos:
        raise ConfigError(f"--pose_videos {FLAGS.pose_videos} holds no skeleton video")
    skeletons = {p.stem: load_pose_frames(p, FLAGS.frames, stride=None,
                                          size=(FLAGS.size, FLAGS.size), progress=False)
                 for p in videos}

    def on_videos(name, captions, videos):
        if not (out / name).exists():
            write_outputs(out / name, captions, videos, skeletons[name], fps=8)

    options = SamplingOptions(num_steps=FLAGS.steps, guidance_scale=FLAGS.guidance,
                              seed=FLAGS.seed)
    report = evaluate_real_skeletons(bundle, skeletons, options=options, phrase=FLAGS.phrase,
                                     on_videos=on_videos)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    for name, row in [*report["per_video"].items(), ("all", report["overall"])]:
        print(f"{name:>20}: " + "  ".join(f"{k} {m:.3f} [{lo:.3f}, {hi:.3f}]"
                                          for k, (m, lo, hi) in row.items()))
    print(f"wrote {out / 'report.json'}")


def run_multi(bundle, out: Path) -> None:
    import numpy as np

    from fyp_jax.eval.multi import evaluate_multi, table
    from fyp_jax.pipeline import SamplingOptions
    from fyp_jax.pipeline.outputs import side_by_side, write_outputs

    batches = []

    def on_videos(clips, skeletons, videos):
        pose = (skeletons * 255 + 0.5).astype(np.uint8)
        panels = np.stack([side_by_side(s, v[None]) for s, v in zip(pose, videos, strict=True)])
        batches.append(write_outputs(out / f"batch_{len(batches):02d}",
                                     [c.scene.caption for c in clips], panels, None, fps=8))

    options = SamplingOptions(num_steps=FLAGS.steps, guidance_scale=FLAGS.guidance,
                              seed=FLAGS.seed)
    def on_report(report):  # rewritten after every batch: an interrupted run keeps its clips
        (out / "report.json").write_text(json.dumps(report, indent=1))
        (out / "multi_table.md").write_text(table(report["summary"]) + "\n")

    out.mkdir(parents=True, exist_ok=True)
    report = evaluate_multi(bundle, draws=FLAGS.draws, frames=FLAGS.frames, size=FLAGS.size,
                            options=options, on_videos=on_videos, on_report=on_report,
                            log=lambda line: print(line, flush=True), method=FLAGS.multi_method)
    print(table(report["summary"]))
    print(f"wrote {out / 'report.json'} and {out / 'multi_table.md'}")


def edit_flags() -> tuple[list[str], list[str], list[int]]:
    """(attributes, methods, seeds) of --task edit, checked."""
    from fyp_jax.eval.edit import check_attributes
    from fyp_jax.eval.edit_study import check_methods

    attributes, methods = FLAGS.attributes.split(","), FLAGS.methods.split(",")
    check_attributes(attributes)
    check_methods(methods)
    return attributes, methods, int_list("seeds")


def run_edit(bundle, out: Path) -> None:
    import numpy as np

    from fyp_jax.eval.edit_study import evaluate_edits, table
    from fyp_jax.pipeline import SamplingOptions
    from fyp_jax.pipeline.outputs import side_by_side, write_outputs

    attributes, methods, seeds = edit_flags()

    def on_videos(method, attribute, captions, sources, videos):
        folder = out / f"{attribute}_{method}"
        if not folder.exists():  # the first batch, source | edited
            panels = np.stack([side_by_side(s, v[None]) for s, v in zip(sources, videos,
                                                                         strict=True)])
            write_outputs(folder, captions, panels, None, fps=8)

    options = SamplingOptions(num_steps=FLAGS.steps, guidance_scale=FLAGS.guidance)
    report = evaluate_edits(bundle, attributes=attributes, methods=methods,
                            num_examples=FLAGS.num, frames=FLAGS.frames, size=FLAGS.size,
                            options=options, seeds=seeds, keep_until=FLAGS.keep_until,
                            log=lambda line: print(line, flush=True), on_videos=on_videos)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    (out / "edit_table.md").write_text(table(report["rows"]) + "\n")
    print(table(report["rows"]))
    print(f"wrote {out / 'report.json'} and {out / 'edit_table.md'}")


def run_steps(bundle, out: Path) -> None:
    from fyp_jax.eval.steps_study import HEADER, fewest_enough, steps_study, table

    samplers, steps, seeds, intervals = steps_flags()
    print(HEADER, flush=True)
    rows = steps_study(bundle, samplers, steps, seeds, cache_intervals=intervals,
                       num_examples=FLAGS.num,
                       frames=FLAGS.frames, size=FLAGS.size, guidance=FLAGS.guidance,
                       log=lambda line: print(line, flush=True))
    reference = max((r for r in rows if r["sampler"] == "ddim" and r["cache_interval"] == 1),
                    key=lambda r: r["steps"], default=None)
    enough = None if reference is None else fewest_enough(rows, reference)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(dict(rows=rows, fewest_enough=enough,
                                                     reference_steps=reference and
                                                     reference["steps"]), indent=1))
    (out / "steps_table.md").write_text(table(rows) + "\n")
    if enough is not None:
        print(f"fewest steps with every mean inside DDIM-{reference['steps']}'s intervals: "
              + ", ".join(f"{k}: {v}" for k, v in enough.items()))
    print(f"wrote {out / 'report.json'} and {out / 'steps_table.md'}")


def run() -> None:
    from fyp_jax.bundle import load_bundle
    from fyp_jax.eval.poseworld import METRICS, differences_from, evaluate_poseworld
    from fyp_jax.pipeline import SamplingOptions
    from fyp_jax.pipeline.outputs import write_outputs
    from fyp_jax.pipeline.pipeline import check_size

    out = check()
    bundle = load_bundle(project_path(FLAGS.model))
    check_size(bundle, FLAGS.size, FLAGS.size)
    if FLAGS.task == "steps":
        return run_steps(bundle, out)
    if FLAGS.task == "long":
        return run_long(bundle, out)
    if FLAGS.task == "multi":
        return run_multi(bundle, out)
    if FLAGS.task == "edit":
        return run_edit(bundle, out)
    if FLAGS.task == "real":
        return run_real(bundle, out)
    scorer = None
    if FLAGS.clip:
        from fyp_jax.eval.clip_score import ClipScorer

        scorer = ClipScorer(FLAGS.clip)
    reports = []
    for variant in FLAGS.variants.split(","):
        clip_scores = []

        def on_videos(records, videos, variant=variant, clip_scores=clip_scores):
            captions = [r["caption"] for r in records]
            if scorer is not None:
                clip_scores.append(scorer.score(videos, captions))
            if not (out / variant).exists():  # keep the first batch as samples
                write_outputs(out / variant, captions, videos, None, fps=8)

        options = SamplingOptions(num_steps=FLAGS.steps, guidance_scale=FLAGS.guidance,
                                  seed=FLAGS.seed)
        report = evaluate_poseworld(bundle, variant=variant, num_examples=FLAGS.num,
                                    frames=FLAGS.frames, size=FLAGS.size, options=options,
                                    on_videos=on_videos)
        for key in ("clip_score", "clip_frame_consistency"):
            if clip_scores:
                report[key] = sum(c[key] for c in clip_scores) / len(clip_scores)
        reports.append(report)
        print(f"{variant:>15}: " + "  ".join(
            f"{k} {report[k]:.3f}" + (" [{:.3f}, {:.3f}]".format(*report["intervals"][k])
                                      if k in report["intervals"] else "")
            for k in report if isinstance(report[k], float)), flush=True)
    differences = differences_from(reports)
    for d in differences:
        print(f"{d['variant']} - {d['minus']}: " + "  ".join(
            "{} {:+.3f} [{:+.3f}, {:+.3f}]".format(m, *d[m]) for m in METRICS))
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(reports, indent=1))
    written = [out / "report.json"]
    if differences:
        (out / "differences.json").write_text(json.dumps(differences, indent=1))
        written.append(out / "differences.json")
    print("wrote " + " and ".join(map(str, written)))


def main(argv) -> None:
    if len(argv) > 1:
        print(f"error: unexpected arguments {argv[1:]}", file=sys.stderr)
        sys.exit(1)
    from fyp_jax.sharding import use_every_cpu_core

    use_every_cpu_core()  # before JAX starts: sampling splits over the cores
    exit_on_user_error(run)


def cli() -> None:
    """The console script."""
    run_app(main)


if __name__ == "__main__":
    cli()
