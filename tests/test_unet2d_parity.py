"""UNet3DConditionModel(use_temporal=False) equals diffusers' UNet2DConditionModel per frame."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_reference import randomize_, state_dict_numpy

from fyp_jax.convert import unet_from_torch

TINY_2D = dict(
    sample_size=16, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=(32, 64, 64, 64),
    down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
    up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
    attention_head_dim=8, cross_attention_dim=32, norm_num_groups=32,
)


def run_parity(config: dict, latent: int, frames: int = 3, text_len: int = 7, tol: float = 1e-4):
    from diffusers import UNet2DConditionModel

    torch.manual_seed(0)
    ref = UNet2DConditionModel(**config).eval()
    randomize_(ref, seed=1)
    rng = np.random.default_rng(0)
    b = 2
    sample = rng.standard_normal((b, frames, latent, latent, 4)).astype(np.float32)
    text = rng.standard_normal((b, text_len, config["cross_attention_dim"])).astype(np.float32)
    t = np.array([981, 37])
    with torch.no_grad():
        want = ref(
            torch.from_numpy(np.moveaxis(sample, -1, 2).reshape(b * frames, 4, latent, latent)),
            torch.from_numpy(np.repeat(t, frames)),
            encoder_hidden_states=torch.from_numpy(np.repeat(text, frames, axis=0)),
        ).sample.numpy()
    want = np.moveaxis(want.reshape(b, frames, 4, latent, latent), 2, -1)
    unet, params = unet_from_torch(state_dict_numpy(ref), dict(ref.config), use_temporal=False)
    got = np.asarray(unet.apply({"params": params}, sample, t, text))
    err = float(np.max(np.abs(got - want)))
    assert err <= tol, f"max abs error {err:.3g} > {tol}"
    return err


def test_unet2d_tiny_matches_diffusers():
    run_parity(TINY_2D, latent=16)


@pytest.mark.slow
def test_unet2d_sd14_size_matches_diffusers():
    """Full SD 1.4 UNet config, random weights, 32x32 latent."""
    sd14 = dict(TINY_2D, block_out_channels=(320, 640, 1280, 1280), cross_attention_dim=768,
                sample_size=64)
    run_parity(sd14, latent=32, frames=1, text_len=77)
