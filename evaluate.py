"""Score a model on PoseWorld's held-out evaluation split (see README, "Evaluation").

    python evaluate.py --model assets/poseworld --variants full,no_pose,frame_by_frame
    python evaluate.py --model BUNDLE --clip PATH_TO_CLIP   # + the paper's CLIP metrics
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from absl import flags

from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.cli_flags import project_path, run_app
from fyp_jax.errors import ConfigError

flags.DEFINE_string("model", "assets/poseworld", "bundle folder")
flags.DEFINE_string("variants", "full", "comma-separated: full, no_pose, frame_by_frame")
flags.DEFINE_integer("num", 14, "evaluation clips (14 = every held-out triple once)")
flags.DEFINE_integer("frames", 8, "frames per clip")
flags.DEFINE_integer("size", 64, "clip height and width")
flags.DEFINE_integer("steps", 20, "DDIM steps")
flags.DEFINE_float("guidance", 7.5, "classifier-free guidance scale")
flags.DEFINE_integer("seed", 0, "sampling seed")
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
    for name in ("num", "frames", "size"):
        if FLAGS[name].value < 1:
            raise ConfigError(f"--{name} must be at least 1, got {FLAGS[name].value}")
    SamplingOptions(num_steps=FLAGS.steps, guidance_scale=FLAGS.guidance, seed=FLAGS.seed).check()
    if FLAGS.clip and not Path(FLAGS.clip).is_dir():
        raise ConfigError(f"--clip {FLAGS.clip} is not a folder; name a local CLIP checkpoint")
    return output_folder(FLAGS.out, prefix="eval-")


def run() -> None:
    from fyp_jax.bundle import load_bundle
    from fyp_jax.eval.poseworld import evaluate_poseworld
    from fyp_jax.pipeline import SamplingOptions
    from fyp_jax.pipeline.outputs import write_outputs
    from fyp_jax.pipeline.pipeline import check_size

    out = check()
    bundle = load_bundle(project_path(FLAGS.model))
    check_size(bundle, FLAGS.size, FLAGS.size)
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
        print(f"{variant:>15}: " + "  ".join(f"{k} {report[k]:.3f}" for k in report
                                              if isinstance(report[k], float)), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(reports, indent=1))
    print(f"wrote {out / 'report.json'}")


def main(argv) -> None:
    if len(argv) > 1:
        print(f"error: unexpected arguments {argv[1:]}", file=sys.stderr)
        sys.exit(1)
    exit_on_user_error(run)


def cli() -> None:
    """The console script."""
    run_app(main)


if __name__ == "__main__":
    cli()
