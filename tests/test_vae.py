"""AutoencoderKL against diffusers' AutoencoderKL (tiny config, random weights, float32)."""

from __future__ import annotations

import runpy
from pathlib import Path

import jax
import numpy as np
import pytest
import torch
from torch_reference import randomize_, state_dict_numpy

from fyp_jax.convert.vae import vae_from_torch
from fyp_jax.errors import ConfigError, ConversionError
from fyp_jax.models.vae import AutoencoderKL, decode_video, encode_video

CONFIG = runpy.run_path(str(Path(__file__).parents[1] / "configs/models/tiny_text_vae.py"))[
    "VAE_CONFIG"
]
RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(-1, 1, (2, 3, 32, 32)).astype(np.float32)  # torch layout [b, c, h, w]
LATENTS = RNG.standard_normal((2, 4, 16, 16)).astype(np.float32)


def nhwc(a) -> np.ndarray:
    return np.moveaxis(np.asarray(a), 1, -1)


@pytest.fixture(scope="module")
def reference():
    from diffusers import AutoencoderKL as TorchAutoencoderKL

    torch.manual_seed(0)
    model = TorchAutoencoderKL(**CONFIG).eval()
    randomize_(model, seed=1)
    return model


@pytest.fixture(scope="module")
def converted(reference):
    return vae_from_torch(state_dict_numpy(reference), CONFIG)


def _check(name: str, got, want) -> None:
    err = np.abs(np.asarray(got) - want).max()
    print(f"VAE {name} max-abs {err:.2e} (|ref| max {np.abs(want).max():.2f})")
    assert err <= 1e-4, name


def test_encode_matches_diffusers(reference, converted):
    vae, params = converted
    with torch.no_grad():
        dist = reference.encode(torch.from_numpy(IMAGES)).latent_dist
    mean, logvar = jax.jit(lambda p, x: vae.apply({"params": p}, x, method=vae.encode))(
        params, nhwc(IMAGES)
    )
    _check("mean", mean, nhwc(dist.mean))
    _check("logvar", logvar, nhwc(dist.logvar))


def test_decode_matches_diffusers(reference, converted):
    vae, params = converted
    with torch.no_grad():
        want = reference.decode(torch.from_numpy(LATENTS)).sample
    got = jax.jit(lambda p, z: vae.apply({"params": p}, z, method=vae.decode))(
        params, nhwc(LATENTS)
    )
    _check("decode", got, nhwc(want))


def test_legacy_attention_names(reference, converted):
    """SD v1-4's vae .bin: query/key/value/proj_attn, here also with 1x1-conv-shaped weights."""
    new = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}
    legacy = {}
    for k, v in state_dict_numpy(reference).items():
        for a, b in new.items():
            k = k.replace(f"attentions.0.{a}.", f"attentions.0.{b}.")
        legacy[k] = v[:, :, None, None] if k.endswith("query.weight") else v
    assert "encoder.mid_block.attentions.0.proj_attn.bias" in legacy
    _, params = vae_from_torch(legacy, CONFIG)
    assert jax.tree.all(jax.tree.map(np.array_equal, params, converted[1]))


def test_video_helpers_fold_frames(converted):
    """3 distinct frames in chunks of 2 (one padded chunk) equal the frames as one image batch."""
    vae, params = converted
    frames = nhwc(np.concatenate([IMAGES, -IMAGES[:1]]))
    z = nhwc(np.concatenate([LATENTS, -LATENTS[:1]]))
    mean, _ = jax.jit(lambda p, x: encode_video(vae, p, x, chunk=2))(params, frames[None])
    decoded = jax.jit(lambda p, x: decode_video(vae, p, x, chunk=2))(params, z[None])
    want_mean, _ = vae.apply({"params": params}, frames, method=vae.encode)
    np.testing.assert_allclose(mean[0], want_mean, atol=1e-5)
    np.testing.assert_allclose(
        decoded[0], vae.apply({"params": params}, z, method=vae.decode), atol=1e-5
    )


def test_conversion_error_names_missing_key(reference):
    state = state_dict_numpy(reference)
    del state["decoder.conv_out.bias"]
    with pytest.raises(ConversionError, match="decoder/conv_out/bias"):
        vae_from_torch(state, CONFIG)


def test_unsupported_config_rejected():
    with pytest.raises(ConfigError, match="act_fn"):
        AutoencoderKL.from_config({**CONFIG, "act_fn": "gelu"})
