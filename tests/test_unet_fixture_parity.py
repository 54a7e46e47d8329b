"""UNet3D + PoseEncoder against the ORIGINAL FollowYourPose outputs (fixture fyp_original_tiny_a)."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from conftest import skeleton_channels_last, to_channels_last

from fyp_jax.models.attention import Attention
from fyp_jax.models.embeddings import TimestepEmbedding, timestep_features
from fyp_jax.models.resnet import ResnetBlock
from fyp_jax.models.transformer3d import (
    BasicTransformerBlock,
    FeedForward,
    TemporalConv,
    Transformer3DModel,
)

TOL = 5e-5


def assert_close(ours, ref, tol=TOL):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    err = float(np.max(np.abs(ours - ref)))
    assert err <= tol, f"max abs error {err:.3g} > {tol}"


@pytest.fixture(scope="module")
def inputs(golden):
    return dict(
        sample=to_channels_last(golden["sample"]),
        t=golden["timesteps"],
        text=golden["encoder_hidden_states"],
        skeleton=skeleton_channels_last(golden["skeleton"]),
    )


@pytest.fixture(scope="module")
def pose_features(fyp_tiny, inputs):
    _, _, pose_encoder, pose_params = fyp_tiny
    return pose_encoder.apply({"params": pose_params}, inputs["skeleton"])


@pytest.fixture(scope="module")
def train_run(fyp_tiny, inputs):
    """Train-mode forward with every submodule's output captured."""
    unet, params, _, _ = fyp_tiny
    out, state = unet.apply({"params": params}, inputs["sample"], inputs["t"], inputs["text"],
                            capture_intermediates=True)
    return out, state["intermediates"]


@pytest.mark.parametrize("i", range(4))
def test_pose_encoder_features(pose_features, golden, i):
    assert_close(pose_features[i], to_channels_last(golden[f"adapter_feature_{i}"]))


def test_out_train(train_run, golden):
    assert_close(train_run[0], to_channels_last(golden["out_train"]))


def test_out_sample(fyp_tiny, inputs, pose_features, golden):
    unet, params, _, _ = fyp_tiny
    out = unet.apply({"params": params}, inputs["sample"], inputs["t"], inputs["text"],
                     pose_features=pose_features)
    assert_close(out, to_channels_last(golden["out_sample"]))


@pytest.mark.parametrize("mode", ["train", "sample"])
def test_single_frame(fyp_tiny, inputs, golden, mode):
    unet, params, pose_encoder, pose_params = fyp_tiny
    feats = None
    if mode == "sample":
        feats = pose_encoder.apply({"params": pose_params}, inputs["skeleton"][:, :1])
    out = unet.apply({"params": params}, inputs["sample"][:, :1], inputs["t"], inputs["text"],
                     pose_features=feats)
    assert_close(out, to_channels_last(golden[f"single_frame_out_{mode}"]))


@pytest.mark.parametrize("name", ["down_blocks_0", "down_blocks_1", "down_blocks_2",
                                  "down_blocks_3", "mid_block", "up_blocks_0", "up_blocks_1",
                                  "up_blocks_3"])
def test_block_outputs(train_run, golden, name):
    captured = train_run[1][name]["__call__"][0]
    if name.startswith("down"):
        captured = captured[0]  # (hidden, skips)
    key = "inter_train_" + name.replace("blocks_", "block_")
    assert_close(captured, to_channels_last(golden[key]))


def test_time_embedding_and_conv_in(fyp_tiny, golden, train_run):
    _, params, _, _ = fyp_tiny
    proj = timestep_features(golden["timesteps"], 32)
    assert_close(proj, golden["inter_t_proj"])
    emb = TimestepEmbedding(128).apply({"params": params["time_embedding"]}, proj)
    assert_close(emb, golden["inter_t_emb"])
    assert_close(train_run[1]["conv_in"]["__call__"][0], to_channels_last(golden["inter_conv_in"]))


@pytest.fixture(scope="module")
def block2(fyp_tiny):
    """Params of down_blocks.2's first layer, where the unit_* captures were recorded."""
    return fyp_tiny[1]["down_blocks_2"]


def test_unit_resnet(block2, golden):
    out = ResnetBlock(64).apply({"params": block2["resnets_0"]},
                                to_channels_last(golden["unit_resnet_in"]), golden["inter_t_emb"])
    assert_close(out, to_channels_last(golden["unit_resnet_out"]))


def test_unit_transformer3d(block2, golden):
    out = Transformer3DModel(64, 8).apply({"params": block2["attentions_0"]},
                                          to_channels_last(golden["unit_transformer3d_in"]),
                                          golden["encoder_hidden_states"])
    assert_close(out, to_channels_last(golden["unit_transformer3d_out"]))


def _tokens(a, frames=4):
    """``[(b f), n, c]`` -> ``[b, f, n, c]``."""
    return a.reshape(-1, frames, *a.shape[1:])


@pytest.fixture(scope="module")
def btb(block2):
    return block2["attentions_0"]["transformer_blocks_0"]


def test_unit_basic_transformer_block(btb, golden):
    out = BasicTransformerBlock(64, 8).apply({"params": btb}, _tokens(golden["unit_btb_in"]),
                                             golden["encoder_hidden_states"])
    assert_close(out.reshape(golden["unit_btb_out"].shape), golden["unit_btb_out"])


def test_unit_attn1_sparse_causal(btb, golden):
    out = Attention(64, 8).apply({"params": btb["attn1"]}, _tokens(golden["unit_attn1_in"]),
                                 method=Attention.sparse_causal)
    assert_close(out.reshape(golden["unit_attn1_out"].shape), golden["unit_attn1_out"])


def test_unit_attn2_cross(btb, golden):
    ctx = np.repeat(golden["encoder_hidden_states"], 4, axis=0)
    out = Attention(64, 8).apply({"params": btb["attn2"]}, golden["unit_attn2_in"], ctx)
    assert_close(out, golden["unit_attn2_out"])


def test_unit_feed_forward(btb, golden):
    out = FeedForward(64).apply({"params": btb["ff"]}, golden["unit_ff_in"])
    assert_close(out, golden["unit_ff_out"])


def test_unit_attn_temp(btb, golden):
    out = Attention(64, 8).apply({"params": btb["attn_temp"]}, golden["unit_attn_temp_in"])
    assert_close(out, golden["unit_attn_temp_out"])


def test_unit_conv_temporal(btb, golden):
    x = np.swapaxes(golden["unit_conv_temporal_in"], 1, 2)  # [(b h w), c, f] -> [(b h w), f, c]
    out = TemporalConv(64, 32).apply({"params": btb["conv_temporal"]}, x)
    assert_close(np.swapaxes(np.asarray(out), 1, 2), golden["unit_conv_temporal_out"])


def test_skeleton_changes_only_sample_mode(fyp_tiny, inputs, pose_features):
    """Sanity of the comparison itself: the pose path is live in sample mode."""
    unet, params, _, _ = fyp_tiny
    a = unet.apply({"params": params}, inputs["sample"], inputs["t"], inputs["text"],
                   pose_features=pose_features)
    b = unet.apply({"params": params}, inputs["sample"], inputs["t"], inputs["text"],
                   pose_features=jax.tree.map(lambda f: f * 0.0, pose_features))
    assert float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) > 0.1
