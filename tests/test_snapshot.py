"""The published FollowYourPose snapshot folder, as downloaded: `fyp-convert --from-snapshot` and
`--model SNAPSHOT` find its three parts, ignore accelerate's extras without unpickling them, and
reproduce the original's outputs (fixture golden)."""

from __future__ import annotations

import os
import pickle
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURE, SHARED
from test_bundle import sd_folder  # noqa: F401  (the tiny diffusers folder fixture)

from fyp_jax.errors import ConversionError

REPO = Path(__file__).resolve().parents[1]
ACCELERATE_EXTRAS = ("optimizer.bin", "scheduler.bin", "random_states_0.pkl")


class _Tripwire:
    """Unpickling it creates `path`: proof that a file was unpickled."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def _layout(root: Path, sd: Path, unet_weights: Path, pose_encoder: Path) -> Path:
    """The snapshot layout of YueMafighting/FollowYourPose_v1 around the given files."""
    shutil.copytree(sd, root / "stable-diffusion-v1-4")
    checkpoint = root / "followyourpose_checkpoint-1000"
    checkpoint.mkdir()
    os.symlink(unet_weights, checkpoint / "pytorch_model.bin")
    for name in ACCELERATE_EXTRAS:
        (checkpoint / name).write_bytes(pickle.dumps(_Tripwire(root / f"unpickled_{name}")))
    os.symlink(pose_encoder, root / "pose_encoder.pth")
    return root


@pytest.fixture(scope="module")
def snapshot(sd_folder, tmp_path_factory):  # noqa: F811
    root = tmp_path_factory.mktemp("FollowYourPose_v1")
    return _layout(root, sd_folder, FIXTURE / "pytorch_model.bin", FIXTURE / "pose_encoder.pth")


def _same_as_fixture_checkpoint(bundle, fyp_tiny) -> None:
    """The bundle holds exactly the weights of the fixture's checkpoint converted directly, whose
    UNet output test_unet_fixture_parity checks against the golden."""
    import jax

    _, unet_params, _, pose_params = fyp_tiny
    for name, expected in (("unet", unet_params), ("pose_encoder", pose_params)):
        same = jax.tree.map(np.array_equal, bundle.params[name], expected)
        assert all(jax.tree.leaves(same)), name


@pytest.fixture(scope="module")
def converted(snapshot, tmp_path_factory):
    from fyp_jax.convert.__main__ import convert

    return convert(["--from-snapshot", str(snapshot),
                    "--out", str(tmp_path_factory.mktemp("bundle"))])


def test_convert_from_snapshot_matches_the_original(converted, snapshot, golden, fyp_tiny):
    from fyp_jax.bundle import load_bundle
    from fyp_jax.convert.snapshot import find_snapshot

    assert find_snapshot(snapshot).ignored == tuple(sorted(ACCELERATE_EXTRAS))
    assert not list(snapshot.glob("unpickled_*")), "an accelerate extra was unpickled"
    bundle = load_bundle(converted)
    assert set(bundle.modules) == {"unet", "pose_encoder", "text_encoder", "vae"}
    features = bundle.modules["pose_encoder"].apply(
        {"params": bundle.params["pose_encoder"]}, np.moveaxis(golden["skeleton"], 2, -1))
    for i, feature in enumerate(features):
        expected = np.moveaxis(golden[f"adapter_feature_{i}"], 1, -1)
        assert float(np.abs(np.asarray(feature) - expected).max()) <= 5e-5
    _same_as_fixture_checkpoint(bundle, fyp_tiny)


def test_model_flag_takes_the_snapshot_folder(snapshot, fyp_tiny):
    from fyp_jax.pipeline.model_source import load_model

    bundle = load_model(str(snapshot))
    assert not list(snapshot.glob("unpickled_*"))
    _same_as_fixture_checkpoint(bundle, fyp_tiny)


@pytest.mark.slow
def test_snapshot_bundle_reproduces_the_golden_unet_output(converted, golden):
    import jax

    from fyp_jax.bundle import load_bundle

    bundle = load_bundle(converted)
    unet, pose = bundle.modules["unet"], bundle.modules["pose_encoder"]

    @jax.jit
    def forward(params, skeleton, sample, timesteps, text):
        feats = pose.apply({"params": params["pose_encoder"]}, skeleton)
        return unet.apply({"params": params["unet"]}, sample, timesteps, text, pose_features=feats)

    out = forward(bundle.params, np.moveaxis(golden["skeleton"], 2, -1),
                  np.moveaxis(golden["sample"], 1, -1), golden["timesteps"],
                  golden["encoder_hidden_states"])
    assert float(np.abs(np.asarray(out) - np.moveaxis(golden["out_sample"], 1, -1)).max()) <= 5e-5


def test_incomplete_snapshot_names_every_missing_part(tmp_path):
    from fyp_jax.convert.snapshot import find_snapshot

    (tmp_path / "followyourpose_checkpoint-1000").mkdir()
    (tmp_path / "followyourpose_checkpoint-1000" / "optimizer.bin").write_bytes(b"x")
    with pytest.raises(ConversionError) as error:
        find_snapshot(tmp_path)
    assert "followyourpose_checkpoint-1000/pytorch_model.bin" in str(error.value)
    assert "stable-diffusion-v1-4/" in str(error.value)


def _full_size_zeros(path: Path, prefix: str = "") -> None:
    """torch.save of zeros with the keys and shapes of the full-size original checkpoint whose
    names start with `prefix` (removed)."""
    import torch

    state = {}
    for line in (SHARED / "fixtures" / "fyp_full_size_state_dict_keys.txt").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, shape = line.split("\t")[:2]
        if key.startswith(prefix):
            dims = tuple(int(s) for s in shape.strip("[]").split(","))
            state[key[len(prefix):]] = torch.zeros(dims)
    torch.save(state, path)


@pytest.mark.slow
def test_full_size_snapshot_conversion_peak_memory(sd_folder, tmp_path):  # noqa: F811
    """Zeros at full size (921.1M UNet + 77.4M adapter parameters, 4.0 GB pickle): the conversion
    process peaks below 2.3x the largest component (the UNet, float32), and the bundle's weights
    load memory-mapped."""
    import json

    from safetensors import safe_open

    from configs.models import sd14_unet

    sd = tmp_path / "sd"
    shutil.copytree(sd_folder, sd)
    (sd / "unet" / "config.json").write_text(json.dumps(sd14_unet.UNET_CONFIG))
    weights, pose = tmp_path / "pytorch_model.bin", tmp_path / "pose_encoder.pth"
    _full_size_zeros(weights)
    _full_size_zeros(pose, prefix="skeleton_adapter.")
    snapshot = _layout(tmp_path / "snapshot", sd, weights, pose)
    out = tmp_path / "bundle"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = subprocess.run([sys.executable, "-m", "fyp_jax.convert", "--from-snapshot", str(snapshot),
                        "--out", str(out)], capture_output=True, text=True, cwd=REPO, timeout=3000)
    assert r.returncode == 0, r.stderr[-2000:]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert peak > before * 1024  # the conversion is the largest child so far
    unet_bytes = 921_100_804 * 4
    print(f"PEAK_RSS_GIB {peak / 2**30:.2f} UNET_GIB {unet_bytes / 2**30:.2f} "
          f"RATIO {peak / unet_bytes:.2f}")
    assert peak < 2.3 * unet_bytes
    with safe_open(str(out / "unet.safetensors"), framework="numpy") as f:
        key = "conv_in/kernel"
        assert f.get_slice(key).get_shape() == [3, 3, 4, 320]
        assert not np.any(f.get_tensor(key))
