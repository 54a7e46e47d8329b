"""The analytic FLOP counter reproduces the figures measured for the original (issue table)."""

from __future__ import annotations

import pytest

from fyp_jax.models.flops import unet_flops
from fyp_jax.models.pose_encoder import PoseEncoder
from fyp_jax.models.unet3d import UNet3DConditionModel

SMALL = dict(block_out_channels=(64, 128, 256, 256), cross_attention_dim=256)
STAGE2 = r"attn1/to_q|attn2/to_q|attn_temp|conv_temporal"
VIDEO = dict(batch=2, frames=8, height=32, width=32)


def gflop(n: int) -> float:
    return round(n / 1e9, 1)


def test_small_forward_in_sample_mode():
    unet = UNet3DConditionModel(**SMALL)
    flops = unet_flops(unet, pose_encoder=PoseEncoder(SMALL["block_out_channels"]), **VIDEO)
    assert gflop(flops.forward) == 190.6
    assert flops.backward == 0


def test_small_forward_backward_of_stage2_parameters():
    unet = UNet3DConditionModel(**SMALL)
    flops = unet_flops(unet, pose_encoder=PoseEncoder(SMALL["block_out_channels"]),
                       trainable=STAGE2, **VIDEO)
    assert gflop(flops.total) == 422.2


def test_2d_reference_with_frames_folded():
    unet = UNet3DConditionModel(**SMALL, use_temporal=False)
    assert gflop(unet_flops(unet, batch=16, frames=1, height=32, width=32).forward) == 138.5


@pytest.mark.parametrize("latent,want", [(32, 3537.9), (64, 16949.3)])
def test_sd14_size(latent, want):
    flops = unet_flops(UNet3DConditionModel(), pose_encoder=PoseEncoder(), batch=2, frames=8,
                       height=latent, width=latent)
    assert gflop(flops.forward) == want


def test_nothing_trainable_means_no_backward():
    unet = UNet3DConditionModel(**SMALL)
    assert unet_flops(unet, trainable="no_such_layer", **VIDEO).backward == 0
