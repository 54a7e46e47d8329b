"""The stage-2 cache: VAE latents and text embeddings of clips, read back as training batches."""

import runpy
from pathlib import Path

import jax
import numpy as np
import pytest

from fyp_jax.bundle import ModelBundle
from fyp_jax.data import POSEWORLD_WORDS, PoseWorldSource, make_loader, open_split
from fyp_jax.data.builders import build_latent_cache
from fyp_jax.pipeline.random_bundle import random_bundle
from fyp_jax.tokenizer import tokenize

CONFIGS = runpy.run_path(str(Path(__file__).parents[1] / "configs/models/tiny_text_vae.py"))


@pytest.fixture(scope="module")
def bundle() -> ModelBundle:
    configs = {"vae": CONFIGS["VAE_CONFIG"], "text_encoder": CONFIGS["CLIP_TEXT_CONFIG"]}
    return random_bundle(configs, {}, words=POSEWORLD_WORDS)


def test_cache_holds_scaled_latents_and_text_embeddings(bundle, tmp_path):
    clips = PoseWorldSource("clip", "train", size=32, num_frames=2, length=3, seed=4)
    folder = build_latent_cache(tmp_path, clips, bundle, batch_size=2, latent_mode="mean")
    cache = open_split(folder)
    assert len(cache) == 3

    vae, text = bundle.modules["vae"], bundle.modules["text_encoder"]
    pixels = clips[2]["frames"].astype(np.float32) / 127.5 - 1.0
    encode = jax.jit(lambda x: vae.apply({"params": bundle.params["vae"]}, x, method=vae.encode))
    mean, _ = encode(pixels)
    np.testing.assert_allclose(cache[2]["latents"], 0.18215 * np.asarray(mean), atol=1e-4)
    ids = tokenize(bundle.tokenizer, [clips[2]["caption"]], 77)
    expected = jax.jit(text.apply)({"params": bundle.params["text_encoder"]}, ids)[0]
    np.testing.assert_allclose(cache[2]["text_emb"], np.asarray(expected), atol=1e-5)
    assert cache[2]["caption"].decode() == clips[2]["caption"]

    batch = next(make_loader(cache, global_batch_size=2, seed=0))
    assert batch["latents"].shape == (2, 2, 16, 16, 4) and batch["latents"].dtype == np.float32
    assert batch["text_emb"].shape == (2, 77, 32)
