"""``python -m fyp_jax.convert`` / ``fyp-convert``: a diffusers SD folder (+ FollowYourPose
checkpoint, + pose_encoder.pth), or the published snapshot folder holding all three
(``--from-snapshot``), -> a fyp_jax model bundle that loads without torch."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tqdm import tqdm

from fyp_jax.bundle import write_bundle_meta, write_component
from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.convert.diffusers_folder import check_sd_folder, iter_components, scheduler_config
from fyp_jax.convert.snapshot import find_snapshot

# The published checkpoint's stage-2 clips (configs/original/pose_train.yaml, video_length).
FYP_CLIP_FRAMES = 24


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fyp-convert", description=__doc__)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--sd", help="diffusers Stable Diffusion 1.x folder")
    source.add_argument("--from-snapshot", metavar="FOLDER",
                        help="the downloaded FollowYourPose snapshot (followyourpose_checkpoint-"
                             "1000/, stable-diffusion-v1-4/, pose_encoder.pth)")
    p.add_argument("--fyp", default=None,
                   help="FollowYourPose checkpoint: folder with pytorch_model.bin / "
                        "model.safetensors, or the file itself")
    p.add_argument("--pose_encoder", default=None, help="pose_encoder.pth (adapter alone)")
    p.add_argument("--out", required=True, help="bundle folder to write")
    p.add_argument("--dtype", default=None, choices=["float32", "float16"],
                   help="storage dtype of the weights (default: as converted, float32)")
    return p


def convert(argv: Sequence[str] | None = None) -> str:
    parser = build_parser()
    args = parser.parse_args(argv)
    sd, fyp, pose_encoder = args.sd, args.fyp, args.pose_encoder
    if args.from_snapshot:
        if fyp or pose_encoder:
            parser.error("--from-snapshot finds the checkpoint and pose encoder itself; "
                         "drop --fyp / --pose_encoder")
        snapshot = find_snapshot(args.from_snapshot)
        sd, fyp, pose_encoder = snapshot.sd, snapshot.fyp_checkpoint, snapshot.pose_encoder
        print(f"snapshot {args.from_snapshot}: {fyp}, {sd}, {pose_encoder}; not read: "
              f"{', '.join(snapshot.ignored) or 'nothing'}")
    root = check_sd_folder(sd)
    configs = {}
    steps = tqdm(iter_components(root, fyp, pose_encoder), desc="converting", unit="part",
                 total=4 if (fyp or pose_encoder) else 3)
    for name, config, params in steps:
        steps.set_postfix_str(name)
        write_component(args.out, name, params, args.dtype)
        configs[name] = config
        del params
    write_bundle_meta(args.out, configs, scheduler_config(root), root / "tokenizer",
                      clip_frames=FYP_CLIP_FRAMES if fyp else None)
    print(f"wrote bundle {args.out} ({', '.join(configs)})")
    return args.out


def run() -> None:
    exit_on_user_error(convert, sys.argv[1:])


if __name__ == "__main__":
    run()
