"""fyp-convert on an SD-style folder + the fixture's FollowYourPose checkpoint, then the bundle
loaded in a process that never imports torch reproduces the original's outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURE

from fyp_jax.errors import ConversionError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sd_folder(tmp_path_factory):
    """A diffusers-layout folder: fixture UNet config, tiny random CLIP text model and VAE (8x)."""
    import torch
    from diffusers import AutoencoderKL
    from transformers import CLIPTextConfig, CLIPTextModel

    from configs.models import tiny, tiny_text_vae, tiny_unet
    from fyp_jax.tokenizer import build_clip_tokenizer

    root = tmp_path_factory.mktemp("sd")
    torch.manual_seed(0)
    (root / "unet").mkdir()
    shutil.copy(FIXTURE / "config.json", root / "unet" / "config.json")
    CLIPTextModel(CLIPTextConfig(**tiny_text_vae.CLIP_TEXT_CONFIG)).save_pretrained(root / "text_encoder")
    vae_cfg = {k: v for k, v in tiny.VAE_CONFIG.items() if k != "scaling_factor"}  # 8x down
    AutoencoderKL(**vae_cfg).save_pretrained(root / "vae")
    build_clip_tokenizer(["figure"]).save_pretrained(str(root / "tokenizer"))
    (root / "scheduler").mkdir()
    (root / "scheduler" / "scheduler_config.json").write_text(json.dumps(tiny_unet.SCHEDULER_CONFIG))
    return root


def test_convert_cli_and_torch_free_load(sd_folder, tmp_path):
    out = tmp_path / "bundle"
    r = subprocess.run([sys.executable, "-m", "fyp_jax.convert", "--sd", str(sd_folder), "--fyp",
                        str(FIXTURE / "pytorch_model.bin"), "--out", str(out)],
                       capture_output=True, text=True, cwd=REPO, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert {p.name for p in out.iterdir()} >= {"bundle.json", "unet.safetensors", "vae.safetensors",
                                               "pose_encoder.safetensors", "text_encoder.safetensors",
                                               "tokenizer"}
    check = textwrap.dedent(f"""
        import sys
        import numpy as np
        from fyp_jax.bundle import load_bundle
        b = load_bundle({str(out)!r})
        g = np.load({str(FIXTURE / 'golden.npz')!r})
        feats = b.modules["pose_encoder"].apply({{"params": b.params["pose_encoder"]}},
                                                np.moveaxis(g["skeleton"], 2, -1))
        out = b.modules["unet"].apply({{"params": b.params["unet"]}}, np.moveaxis(g["sample"], 1, -1),
                                      g["timesteps"], g["encoder_hidden_states"], pose_features=feats)
        err = float(np.abs(np.asarray(out) - np.moveaxis(g["out_sample"], 1, -1)).max())
        assert "torch" not in sys.modules, "torch was imported"
        print("ERR", err)
    """)
    r = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=REPO,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    err = float(r.stdout.split("ERR")[-1])
    assert err <= 5e-5, err


def test_wrong_folder_layout_is_one_clear_error(tmp_path):
    (tmp_path / "unet").mkdir()
    r = subprocess.run([sys.executable, "-m", "fyp_jax.convert", "--sd", str(tmp_path), "--out",
                        str(tmp_path / "b")], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "is not a diffusers Stable Diffusion folder" in r.stderr
    assert "text_encoder/" in r.stderr and "unet/config.json" in r.stderr


def test_load_bundle_rejects_other_folders(tmp_path):
    from fyp_jax.bundle import load_bundle

    with pytest.raises(ConversionError, match="not a fyp_jax model bundle"):
        load_bundle(tmp_path)


def test_vocabulary_round_trip_and_unknown_words(tmp_path):
    from configs.models.tiny import bundle_configs
    from fyp_jax.bundle import load_bundle, save_bundle
    from fyp_jax.pipeline.random_bundle import random_bundle

    bundle = random_bundle(*bundle_configs())
    assert bundle.unknown_words("anything goes") == []
    bundle.vocabulary = ("a", "red", "figure")
    loaded = load_bundle(save_bundle(tmp_path / "b", bundle, weights_dtype="float16"))
    assert loaded.vocabulary == ("a", "red", "figure")
    assert loaded.unknown_words("A red figure, surfing!") == ["surfing"]
    np.testing.assert_allclose(loaded.params["unet"]["conv_in"]["kernel"],
                               bundle.params["unet"]["conv_in"]["kernel"], atol=1e-3)
