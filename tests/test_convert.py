"""The converter: errors that name every bad key, safe loading, inflation, adapter handling."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest
import torch
from conftest import FIXTURE, SHARED

from fyp_jax.convert import fyp_unet_from_torch, load_state_dict, pose_encoder_from_torch
from fyp_jax.errors import ConversionError, UnsafeCheckpointError


@pytest.fixture(scope="module")
def fixture_sd():
    return load_state_dict(FIXTURE / "pytorch_model.bin")


def test_error_names_missing_unexpected_and_misshaped(fixture_sd, fixture_config):
    sd = dict(fixture_sd)
    del sd["down_blocks.1.resnets.0.conv1.weight"]
    sd["down_blocks.1.resnets.0.extra.weight"] = np.zeros((3,), np.float32)
    sd["up_blocks.2.attentions.1.proj_out.bias"] = np.zeros((7,), np.float32)
    with pytest.raises(ConversionError) as e:
        fyp_unet_from_torch(sd, fixture_config)
    msg = str(e.value)
    assert "1 missing key(s)" in msg and "down_blocks_1/resnets_0/conv1/kernel" in msg
    assert "1 unexpected key(s)" in msg and "down_blocks.1.resnets.0.extra.weight" in msg
    assert "1 mis-shaped key(s)" in msg and "up_blocks.2.attentions.1.proj_out.bias" in msg


def test_module_prefix_and_separate_pose_encoder(fixture_sd, fixture_config, fyp_tiny, tmp_path):
    prefixed = {"module." + k: v for k, v in fixture_sd.items()}
    unet, params, pose, pose_params = fyp_unet_from_torch(prefixed, fixture_config)
    assert pose.channels == (32, 64, 64, 64) and pose.nums_rb == 2 and pose.ksize == 1
    np.testing.assert_array_equal(
        params["conv_in"]["kernel"], fyp_tiny[1]["conv_in"]["kernel"])
    alone, alone_params = pose_encoder_from_torch(load_state_dict(FIXTURE / "pose_encoder.pth"))
    assert alone == pose
    np.testing.assert_array_equal(alone_params["conv_in"]["kernel"], pose_params["conv_in"]["kernel"])


def test_plain_sd_unet_is_inflated(fixture_sd, fixture_config, golden):
    """Without temporal keys the temporal params are initialised with zero output projections,
    so the inflated UNet equals the same UNet with its temporal layers switched off."""
    plain = {k: v for k, v in fixture_sd.items()
             if not re.search(r"attn_temp|norm_temp|conv_temporal|skeleton_adapter", k)}
    unet, params, pose, _ = fyp_unet_from_torch(plain, fixture_config)
    assert pose is None
    block = params["down_blocks_0"]["attentions_0"]["transformer_blocks_0"]
    assert not np.any(block["conv_temporal"]["up"]["kernel"])
    assert not np.any(block["attn_temp"]["to_out_0"]["kernel"])
    assert np.any(block["conv_temporal"]["down"]["kernel"])
    x = np.moveaxis(golden["sample"], 1, -1)[:, :1]  # one frame: sparse-causal == self-attention
    out = unet.apply({"params": params}, x, golden["timesteps"], golden["encoder_hidden_states"])
    unet2d, params2d, _, _ = fyp_unet_from_torch(plain, fixture_config, use_temporal=False)
    out2d = unet2d.apply({"params": params2d}, x, golden["timesteps"],
                         golden["encoder_hidden_states"])
    assert float(np.max(np.abs(np.asarray(out) - np.asarray(out2d)))) < 1e-5


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_malicious_pickle_is_refused(tmp_path):
    path = tmp_path / "pytorch_model.bin"
    torch.save({"conv_in.weight": torch.zeros(2), "payload": _Evil()}, path)
    with pytest.raises(UnsafeCheckpointError, match="refusing to load"):
        load_state_dict(path)
    raw = tmp_path / "raw.pth"
    raw.write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(UnsafeCheckpointError):
        load_state_dict(raw)


def test_safetensors_preferred_in_folder(tmp_path, fixture_sd):
    from safetensors.numpy import save_file

    save_file({"a": np.ones(2, np.float32)}, str(tmp_path / "model.safetensors"))
    torch.save({"b": torch.zeros(2)}, tmp_path / "pytorch_model.bin")
    assert set(load_state_dict(tmp_path)) == {"a"}


def test_missing_checkpoint_and_wrong_format(tmp_path):
    with pytest.raises(ConversionError, match="not found"):
        load_state_dict(tmp_path / "nope.bin")
    with pytest.raises(ConversionError, match="no weights file"):
        load_state_dict(tmp_path)
    (tmp_path / "w.txt").write_text("x")
    with pytest.raises(ConversionError, match="unknown checkpoint format"):
        load_state_dict(tmp_path / "w.txt")


@pytest.mark.slow
def test_full_size_key_list_converts():
    """Zeros with exactly the keys and shapes of the full-size original checkpoint."""
    sd = {}
    for line in (SHARED / "fixtures" / "fyp_full_size_state_dict_keys.txt").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, shape = line.split("\t")[:2]
        sd[key] = np.zeros(tuple(int(s) for s in shape.strip("[]").split(",")), np.float32)
    config = dict(block_out_channels=[320, 640, 1280, 1280], cross_attention_dim=768,
                  attention_head_dim=8, layers_per_block=2)
    unet, params, pose, pose_params = fyp_unet_from_torch(sd, config)
    n = sum(a.size for a in __import__("jax").tree.leaves(params))
    n_pose = sum(a.size for a in __import__("jax").tree.leaves(pose_params))
    assert n == 921_100_804 and n_pose == 77_369_280
    assert pose.channels == (320, 640, 1280, 1280)
