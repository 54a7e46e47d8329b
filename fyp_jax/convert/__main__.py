"""``python -m fyp_jax.convert`` / ``fyp-convert``: a diffusers SD folder (+ FollowYourPose
checkpoint, + pose_encoder.pth) -> a fyp_jax model bundle that loads without torch."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tqdm import tqdm

from fyp_jax.bundle import write_bundle_meta, write_component
from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.convert.diffusers_folder import check_sd_folder, iter_components, scheduler_config


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fyp-convert", description=__doc__)
    p.add_argument("--sd", required=True, help="diffusers Stable Diffusion 1.x folder")
    p.add_argument("--fyp", default=None,
                   help="FollowYourPose checkpoint: folder with pytorch_model.bin / "
                        "model.safetensors, or the file itself")
    p.add_argument("--pose_encoder", default=None, help="pose_encoder.pth (adapter alone)")
    p.add_argument("--out", required=True, help="bundle folder to write")
    p.add_argument("--dtype", default=None, choices=["float32", "float16"],
                   help="storage dtype of the weights (default: as converted, float32)")
    return p


def convert(argv: Sequence[str] | None = None) -> str:
    args = build_parser().parse_args(argv)
    root = check_sd_folder(args.sd)
    configs = {}
    steps = tqdm(iter_components(root, args.fyp, args.pose_encoder), desc="converting", unit="part",
                 total=4 if (args.fyp or args.pose_encoder) else 3)
    for name, config, params in steps:
        steps.set_postfix_str(name)
        write_component(args.out, name, params, args.dtype)
        configs[name] = config
        del params
    write_bundle_meta(args.out, configs, scheduler_config(root), root / "tokenizer")
    print(f"wrote bundle {args.out} ({', '.join(configs)})")
    return args.out


def run() -> None:
    exit_on_user_error(convert, sys.argv[1:])


if __name__ == "__main__":
    run()
