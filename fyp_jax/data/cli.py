"""`python -m fyp_jax.data`: build datasets, draw PoseWorld contact sheets.

  build laion_pose  SOURCE (--keypoints JSON | --detector NAME) --data-dir DIR
  build video_text  TABLE --data-dir DIR [--num-frames 16 --frame-stride 4 --size 256]
  build pose_world  --data-dir DIR [--kind image|clip --size 64 ...]
  build latents     DATASET_FOLDER --bundle BUNDLE --data-dir DIR
  sheet             --out docs
  clip              --split eval --index 3 --out clip.mp4   (a PoseWorld clip to edit, with
                    its skeleton where `infer.py --source_video clip.mp4` finds it)

`--beam` runs the per-item work of laion_pose, video_text and latents as an Apache Beam pipeline
(`--beam-options "--runner=DirectRunner --direct_num_workers=2
--direct_running_mode=multi_processing"` locally, or a Dataflow / Flink / Spark runner's flags).
Each build prints the folder to give `open_split` and how many source items were skipped.
User errors print one line and exit with status 1.
"""

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.pose.cli import parse_size


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, required=True, help="where datasets are written")
    parser.add_argument("--overwrite", action="store_true", help="rebuild an existing dataset")


def _beam(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--beam", action="store_true", help="build with an Apache Beam pipeline")
    parser.add_argument("--beam-options", default="",
                        help="Beam pipeline flags for --beam (default: Beam's DirectRunner)")


def _beam_options(args: argparse.Namespace) -> str | None:
    return args.beam_options if args.beam else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fyp_jax.data",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build a dataset").add_subparsers(
        dest="dataset", required=True
    )

    laion = build.add_parser("laion_pose", help="images + keypoints + captions (stage 1)")
    laion.add_argument("source", help="folder of images with .txt captions, or .csv/.tsv/.parquet")
    laion.add_argument("--keypoints", help="COCO annotation JSON or {image path: people} JSON")
    laion.add_argument("--detector", help="extract keypoints with this pose backend (mediapipe)")
    laion.add_argument("--image-root", help="folder that table paths are relative to")
    laion.add_argument("--path-column", help="table column of image paths")
    laion.add_argument("--caption-column", help="table column of captions")
    laion.add_argument("--max-size", type=int, default=512, help="largest stored shorter side")
    _common(laion)
    _beam(laion)

    video = build.add_parser("video_text", help="video clips + captions (stage 2)")
    video.add_argument("table", help=".csv/.tsv/.parquet: path, caption[, start, end]")
    video.add_argument("--num-frames", type=int, default=16)
    video.add_argument("--frame-stride", type=int, default=4)
    video.add_argument("--size", type=parse_size, default=(256, 256), help="HEIGHTxWIDTH or N")
    video.add_argument("--clips-per-row", type=int, default=1)
    video.add_argument("--video-root", help="folder that table paths are relative to")
    video.add_argument("--path-column", help="table column of video paths")
    video.add_argument("--caption-column", help="table column of captions")
    _common(video)
    _beam(video)

    world = build.add_parser("pose_world", help="the procedural PoseWorld")
    world.add_argument("--kind", choices=("image", "clip"), default="image")
    world.add_argument("--size", type=int, default=64)
    world.add_argument("--num-frames", type=int, default=16, help="frames per clip")
    world.add_argument("--num-train", type=int, default=10_000)
    world.add_argument("--num-eval", type=int, default=280)
    world.add_argument("--seed", type=int, default=0)
    _common(world)

    latents = build.add_parser("latents", help="VAE latents + text embeddings of a clip dataset")
    latents.add_argument("source", help="built video_text or pose_world clip dataset folder")
    latents.add_argument("--split", default="train")
    latents.add_argument("--bundle", required=True, help="fyp_jax model bundle folder")
    latents.add_argument("--num-frames", type=int, help="frames per clip (default: all)")
    latents.add_argument("--batch-size", type=int, default=4)
    latents.add_argument("--latent-mode", choices=("sample", "mean"), default="sample")
    latents.add_argument("--seed", type=int, default=0)
    _common(latents)
    _beam(latents)

    sheet = commands.add_parser("sheet", help="PoseWorld contact sheets (poseworld_*.png)")
    sheet.add_argument("--out", type=Path, default=Path("docs"))
    sheet.add_argument("--size", type=int, default=128)

    from fyp_jax.data.poseworld.scene import SPLITS

    clip = commands.add_parser("clip", help="one PoseWorld clip as a video + its skeleton")
    clip.add_argument("--split", choices=SPLITS, default="eval")
    clip.add_argument("--index", type=int, default=0, help="example index in the split")
    clip.add_argument("--out", type=Path, required=True, help="video file (.mp4, .gif, ...)")
    clip.add_argument("--size", type=int, default=64)
    clip.add_argument("--frames", type=int, default=8)
    clip.add_argument("--seed", type=int, default=0, help="PoseWorld's world seed")
    return parser


def _build(args: argparse.Namespace) -> Path:
    from fyp_jax.data import builders

    common = {"data_dir": args.data_dir, "overwrite": args.overwrite}
    if args.dataset == "laion_pose":
        return builders.build_laion_pose(
            source=args.source,
            keypoints=args.keypoints,
            detector=args.detector,
            image_root=args.image_root,
            path_column=args.path_column,
            caption_column=args.caption_column,
            max_size=args.max_size,
            **common,
            beam_options=_beam_options(args),
        )
    if args.dataset == "video_text":
        return builders.build_video_text(
            table=args.table,
            num_frames=args.num_frames,
            frame_stride=args.frame_stride,
            size=args.size,
            clips_per_row=args.clips_per_row,
            video_root=args.video_root,
            path_column=args.path_column,
            caption_column=args.caption_column,
            **common,
            beam_options=_beam_options(args),
        )
    if args.dataset == "pose_world":
        return builders.build_pose_world(
            kind=args.kind,
            size=args.size,
            num_frames=args.num_frames,
            num_train=args.num_train,
            num_eval=args.num_eval,
            seed=args.seed,
            **common,
        )
    from fyp_jax.data.built import open_split

    return builders.build_latent_cache(
        source=open_split(args.source, args.split),
        bundle=args.bundle,
        num_frames=args.num_frames,
        batch_size=args.batch_size,
        latent_mode=args.latent_mode,
        seed=args.seed,
        **common,
        beam_options=_beam_options(args),
    )


def _clip(args: argparse.Namespace) -> None:
    from fyp_jax.data.poseworld.export import write_clip
    from fyp_jax.errors import DataError

    if args.index < 0 or args.size < 16 or args.frames < 1:
        raise DataError(f"--index must be >= 0, --size >= 16 and --frames >= 1; got "
                        f"{args.index}, {args.size}, {args.frames}")
    video, keypoints, caption = write_clip(args.out, split=args.split, index=args.index,
                                           size=args.size, frames=args.frames, seed=args.seed)
    print(f"{video}: \"{caption}\" (skeleton in {keypoints})")
    print(f"edit it: python infer.py --source_video {video} --frames {args.frames} "
          f"--height {args.size} --width {args.size} --config.source_prompt=\"{caption}\" "
          f"--prompt \"<the caption with other words>\"")


def _summary(folder: Path) -> str:
    import tensorflow_datasets as tfds

    info = tfds.builder_from_directory(str(folder)).info
    counts = ", ".join(f"{name} {split.num_examples}" for name, split in info.splits.items())
    skipped = info.metadata.get("skipped", {})
    lines = [f"{folder}: {counts}"]
    for split, entries in skipped.items():
        if entries:
            lines.append(f"{split}: {len(entries)} source items skipped (metadata.json lists them)")
    return "\n".join(lines)


def run(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "sheet":
        from fyp_jax.data.poseworld.sheet import write_sheets

        for path in write_sheets(args.out, args.size):
            print(path)
        return
    if args.command == "clip":
        return _clip(args)
    print(_summary(_build(args)))


def main(argv: Sequence[str] | None = None) -> int:
    exit_on_user_error(run, argv)
    return 0
