"""Copy a bundle with its weights stored in another dtype (e.g. float16 for assets/).

    python scripts/export_bundle.py runs/poseworld/s2/bundle assets/poseworld --dtype float16
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from fyp_jax.bundle import load_bundle, save_bundle

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("bundle")
    p.add_argument("out")
    p.add_argument("--dtype", default="float16", choices=["float16", "float32"])
    p.add_argument("--poseworld_vocabulary", action="store_true",
                   help="record PoseWorld's caption words (infer.py warns about other words)")
    args = p.parse_args()
    bundle = load_bundle(args.bundle)
    if args.poseworld_vocabulary:
        from fyp_jax.data.poseworld.vocabulary import POSEWORLD_WORDS

        bundle.vocabulary = POSEWORLD_WORDS
    shutil.rmtree(args.out, ignore_errors=True)
    save_bundle(args.out, bundle, weights_dtype=args.dtype)
    size = sum(f.stat().st_size for f in Path(args.out).rglob("*") if f.is_file())
    print(f"wrote {args.out} ({size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
