"""`python -m fyp_jax.pose {extract,render,show}`: skeleton videos from raw videos or keypoint
files, and contact sheets to look at them. User errors print one line and exit with status 1."""

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.pose.contact_sheet import contact_sheet, evenly_spaced, overlay
from fyp_jax.pose.extract import create_detector, detector_names, extract_keypoints
from fyp_jax.pose.frame_source import open_frames
from fyp_jax.pose.keypoints import PoseSequence, load_keypoints, save_keypoints
from fyp_jax.pose.raw_video import require_person
from fyp_jax.pose.render import DEFAULT_MIN_CONFIDENCE, render_frames
from fyp_jax.pose.smoothing import smooth_keypoints
from fyp_jax.pose.transforms import fit_to_frame, mirror, resize_canvas, trim
from fyp_jax.pose.video import read_video, write_video

log = logging.getLogger("fyp_jax.pose")


def parse_size(text: str) -> tuple[int, int]:
    """'HEIGHTxWIDTH' or a single number for a square."""
    try:
        parts = [int(p) for p in text.lower().split("x")]
    except ValueError:
        parts = []
    if len(parts) not in (1, 2) or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTH such as 512x512, got {text!r}")
    return (parts[0], parts[-1])


def _output_options(smooth_by_default: bool) -> argparse.ArgumentParser:
    """Options shared by extract and render: what to do to the keypoints, how to draw them.
    (A fresh parser per command: argparse parents share their actions and so their defaults.)"""
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("keypoints and drawing")
    group.add_argument(
        "--out", type=Path, required=True, help="skeleton video to write (.mp4, .gif, ...)"
    )
    group.add_argument(
        "--keypoints", type=Path, help="also write the final keypoints (.json or .npz)"
    )
    group.add_argument("--start", type=int, default=0, help="first frame to keep")
    group.add_argument("--end", type=int, help="frame to stop before (default: the last)")
    group.add_argument(
        "--smooth",
        action=argparse.BooleanOptionalAction,
        default=smooth_by_default,
        help=f"One-Euro temporal smoothing of the keypoints (default: {'on' if smooth_by_default else 'off'})",
    )
    group.add_argument("--min-cutoff", type=float, default=1.0, help="One-Euro cutoff at rest, Hz")
    group.add_argument("--beta", type=float, default=0.05, help="One-Euro speed coefficient")
    group.add_argument("--mirror", action="store_true", help="flip left-right (sides swap too)")
    group.add_argument(
        "--fit", action="store_true", help="re-centre and re-scale the poses into the frame"
    )
    group.add_argument(
        "--margin", type=float, default=0.1, help="border left by --fit, fraction of the frame"
    )
    group.add_argument(
        "--size",
        type=parse_size,
        help="output HEIGHTxWIDTH: with --fit the frame to fit into, else resize to cover and centre-crop",
    )
    group.add_argument("--thickness", type=float, help="line width in pixels (default: 6 at 512)")
    group.add_argument(
        "--min-confidence",
        type=float,
        default=DEFAULT_MIN_CONFIDENCE,
        help="joints below this confidence are not drawn",
    )
    group.add_argument(
        "--fps", type=float, help="output frame rate (default: the source's, else 8)"
    )
    group.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fyp_jax.pose", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser(
        "extract",
        parents=[_output_options(smooth_by_default=True)],
        help="skeleton video from a raw video",
    )
    extract.add_argument(
        "video", type=Path, help="video, GIF or folder of frames with a person in it"
    )
    extract.add_argument("--detector", default="mediapipe", choices=detector_names())
    extract.add_argument(
        "--max-people",
        type=int,
        help="most people found per frame (default: the detector's; MediaPipe: 4)",
    )
    extract.set_defaults(run=_extract)

    render = commands.add_parser(
        "render",
        parents=[_output_options(smooth_by_default=False)],
        help="skeleton video from a keypoint file",
    )
    render.add_argument(
        "keypoint_file", type=Path, help="OpenPose / MMPose / COCO / fyp_jax JSON, .npy, .npz"
    )
    render.add_argument(
        "--image-size", type=parse_size, help="HEIGHTxWIDTH of the images the keypoints belong to"
    )
    render.set_defaults(run=_render)

    show = commands.add_parser("show", help="contact sheet PNG of sampled frames of a video")
    show.add_argument("video", type=Path)
    show.add_argument(
        "--out", type=Path, help="PNG to write (default: VIDEO_sheet.png beside the video)"
    )
    show.add_argument("--frames", type=int, default=12, help="how many frames to sample evenly")
    show.add_argument("--columns", type=int, help="grid columns (default: about square)")
    show.add_argument(
        "--cell-height", type=int, default=256, help="height of one frame in the sheet"
    )
    show.add_argument(
        "--overlay",
        type=Path,
        help="draw the skeletons over the frames of this raw video (the untrimmed source)",
    )
    show.set_defaults(run=_show)
    return parser


def _extract(args: argparse.Namespace) -> None:
    options = {} if args.max_people is None else {"max_people": args.max_people}
    detector = create_detector(args.detector, **options)
    seq = extract_keypoints(
        args.video, detector, args.start, args.end, progress=not args.no_progress
    )
    require_person(seq, args.video)
    _finish(seq, args)


def _render(args: argparse.Namespace) -> None:
    seq = trim(load_keypoints(args.keypoint_file, image_size=args.image_size), args.start, args.end)
    _finish(seq, args)


def _finish(seq: PoseSequence, args: argparse.Namespace) -> None:
    """The shared tail of extract and render: edit the keypoints, write them and the video."""
    if args.smooth:
        seq = smooth_keypoints(seq, args.min_cutoff, args.beta, args.min_confidence)
    if args.mirror:
        seq = mirror(seq)
    if args.fit:
        seq = fit_to_frame(seq, args.size, args.margin, args.min_confidence)
    elif args.size:
        seq = resize_canvas(seq, args.size)
    if args.keypoints:
        log.info("wrote %s", save_keypoints(seq, args.keypoints))
    frames = render_frames(
        seq,
        thickness=args.thickness,
        min_confidence=args.min_confidence,
        progress=not args.no_progress,
    )
    log.info("wrote %s", write_video(args.out, frames, fps=args.fps or seq.fps or 8.0))


def _show(args: argparse.Namespace) -> None:
    source = open_frames(args.video)
    indices = evenly_spaced(source.num_frames, args.frames)
    frames = read_video(args.video, indices)
    if args.overlay:
        backgrounds = read_video(args.overlay, indices, size=frames.shape[1:3])
        frames = np.stack([overlay(f, b) for f, b in zip(frames, backgrounds, strict=True)])
    sheet = contact_sheet(frames, [f"#{i}" for i in indices], args.columns, args.cell_height)
    out = args.out or args.video.with_name(f"{args.video.stem}_sheet.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(out, sheet)
    log.info("wrote %s", out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a user error prints `error: ...` and exits with status 1."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    exit_on_user_error(args.run, args)
    return 0
