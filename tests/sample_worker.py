"""A sampling run in a fresh process (so XLA_FLAGS can set the CPU device count): the tiny random
model, the prompts of the spec, on one device or on a ``data = device count`` mesh; the uint8
videos are saved to ``spec["out"]`` (npz, key ``videos``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(spec: dict) -> None:
    import jax
    import numpy as np

    from configs.models.tiny import bundle_configs
    from fyp_jax.pipeline import Pipeline, SamplingOptions
    from fyp_jax.pipeline.random_bundle import random_bundle
    from fyp_jax.sharding import make_mesh

    mesh = make_mesh(-1, 1) if spec["mesh"] else None
    pipe = Pipeline(random_bundle(*bundle_configs()), mesh)
    frames = spec["frames"]
    skeleton = np.random.default_rng(0).random((frames, 64, 64, 3)).astype(np.float32)
    videos = pipe(spec["prompts"], skeleton, frames=frames, height=64, width=64,
                  options=SamplingOptions(num_steps=2, guidance_scale=7.5, seed=3))
    np.savez(spec["out"], videos=videos, devices=jax.device_count())


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
