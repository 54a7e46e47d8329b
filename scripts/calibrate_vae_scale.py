"""Set a freshly trained VAE's ``scaling_factor`` to 1 / std of its latents (as SD's 0.18215 was
chosen), so diffusion sees unit-variance latents; writes a copy of the bundle.

    python scripts/calibrate_vae_scale.py runs/poseworld/s0a/bundle runs/poseworld/s0a/bundle_calibrated
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import jax

    from fyp_jax.bundle import load_bundle, save_bundle
    from fyp_jax.data.poseworld.source import PoseWorldSource

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("bundle")
    p.add_argument("out")
    p.add_argument("--num", type=int, default=256, help="PoseWorld training images to encode")
    p.add_argument("--seed", type=int, default=1, help="world seed (not the training one)")
    p.add_argument("--size", type=int, default=64, help="image size")
    args = p.parse_args()
    bundle = load_bundle(args.bundle)
    vae = bundle.modules["vae"]
    source = PoseWorldSource(kind="image", size=args.size, length=args.num, seed=args.seed)
    images = np.stack([source[i]["image"] for i in range(args.num)]).astype(np.float32) / 127.5 - 1
    encode = jax.jit(lambda x: vae.apply({"params": bundle.params["vae"]}, x, method=vae.encode))
    mean, logvar = encode(images)
    z = posterior_sample(mean, logvar)
    std = float(np.std(z))
    scale = 1.0 / std
    bundle.configs["vae"] = dict(bundle.configs["vae"], scaling_factor=scale)
    shutil.rmtree(args.out, ignore_errors=True)
    save_bundle(args.out, bundle)
    print(f"latent std {std:.4f} -> scaling_factor {scale:.4f}; wrote {args.out}")


def posterior_sample(mean, logvar):
    import jax

    from fyp_jax.models.vae import AutoencoderKL

    return np.asarray(AutoencoderKL.sample(mean, logvar, jax.random.key(0)))


if __name__ == "__main__":
    main()
