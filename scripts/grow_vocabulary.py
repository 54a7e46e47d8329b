"""Carry a PoseWorld bundle over to a larger caption vocabulary, so training can continue from it.

    python scripts/grow_vocabulary.py runs/poseworld_v1/bundle runs/poseworld/grown

The new tokenizer is `build_clip_tokenizer(POSEWORLD_WORDS)` and the text encoder takes the
vocabulary and position count of `configs/poseworld/model.py`. Every token the old and the new
tokenizer share (by its text: byte symbols, whole words) keeps its embedding row; new tokens
and new positions start as the mean old row plus small noise. Everything else is copied.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def grown_rows(old: np.ndarray, old_ids: dict[str, int], new_ids: dict[str, int], size: int,
               rng: np.random.Generator) -> np.ndarray:
    """[size, d] rows: old rows moved to the new ids of the same tokens, the rest new."""
    rows = old.mean(axis=0) + 0.02 * rng.standard_normal((size, old.shape[1]))
    for token, i in new_ids.items():
        if token in old_ids:
            rows[i] = old[old_ids[token]]
    return rows.astype(np.float32)


def main() -> None:
    from flax.traverse_util import flatten_dict, unflatten_dict

    from configs.poseworld.model import TEXT_CONFIG
    from fyp_jax.bundle import BUILDERS, load_bundle, save_bundle
    from fyp_jax.data.poseworld.vocabulary import POSEWORLD_WORDS
    from fyp_jax.tokenizer import build_clip_tokenizer

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle")
    p.add_argument("out")
    args = p.parse_args()
    bundle = load_bundle(args.bundle)
    tokenizer = build_clip_tokenizer(POSEWORLD_WORDS)
    rng = np.random.default_rng(0)
    params = {k: np.asarray(v, np.float32) for k, v in
              flatten_dict(bundle.params["text_encoder"], sep="/").items()}
    embeddings = params["embeddings/token_embedding/embedding"]
    params["embeddings/token_embedding/embedding"] = grown_rows(
        embeddings, bundle.tokenizer.get_vocab(), tokenizer.get_vocab(), TEXT_CONFIG["vocab_size"],
        rng)
    positions = params["embeddings/position_embedding/embedding"]
    grown = np.concatenate([positions, positions[-1:] + 0.02 * rng.standard_normal(
        (TEXT_CONFIG["max_position_embeddings"] - len(positions), positions.shape[1]))])
    params["embeddings/position_embedding/embedding"] = grown.astype(np.float32)
    config = {**bundle.configs["text_encoder"], **{k: TEXT_CONFIG[k] for k in
                                                   ("vocab_size", "max_position_embeddings")}}
    bundle = dataclasses.replace(
        bundle, tokenizer=tokenizer, vocabulary=POSEWORLD_WORDS,
        modules={**bundle.modules, "text_encoder": BUILDERS["text_encoder"](config)},
        params={**bundle.params, "text_encoder": unflatten_dict(params, sep="/")},
        configs={**bundle.configs, "text_encoder": config})
    save_bundle(args.out, bundle, weights_dtype="float32")
    print(f"wrote {args.out}: vocabulary {len(tokenizer)} tokens, "
          f"{TEXT_CONFIG['max_position_embeddings']} positions")


if __name__ == "__main__":
    main()
