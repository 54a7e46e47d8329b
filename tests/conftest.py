"""Shared fixtures: the original model's golden outputs, converted once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURE = SHARED / "fixtures" / "fyp_original_tiny_a"
POSE_EXAMPLES = SHARED / "pose_examples"


def to_channels_last(a: np.ndarray) -> np.ndarray:
    """The fixture's video layout ``[b, c, f, h, w]`` -> ours ``[b, f, h, w, c]``."""
    return np.moveaxis(a, 1, -1)


def skeleton_channels_last(a: np.ndarray) -> np.ndarray:
    """The fixture's skeleton layout ``[b, t, 3, H, W]`` -> ``[b, t, H, W, 3]``."""
    return np.moveaxis(a, 2, -1)


@pytest.fixture(scope="session", autouse=True)
def caches_in_the_test_run(tmp_path_factory):
    """The test run writes only to its temporary folder: the user cache ($XDG_CACHE_HOME, used
    by the pose extraction cache) and the compilation cache go there. A MediaPipe environment
    the user already has is reused (only read); otherwise one would be built in the test run."""
    from fyp_jax.pose.extract import mediapipe_env

    user_venv = mediapipe_env.mediapipe_venv_dir()
    root = tmp_path_factory.getbasetemp() / "user_cache"
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(root))
    patch.setenv("FYP_JAX_CACHE", str(root / "fyp_jax" / "xla"))
    patch.setenv(mediapipe_env.VENV_VARIABLE, str(
        user_venv if user_venv.is_dir() else root / "fyp_jax" / "mediapipe-venv"))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def golden() -> dict[str, np.ndarray]:
    with np.load(FIXTURE / "golden.npz") as z:
        return dict(z)


@pytest.fixture(scope="session")
def fixture_config() -> dict:
    return json.loads((FIXTURE / "config.json").read_text())


@pytest.fixture(scope="session")
def fyp_tiny(fixture_config):
    """(unet, unet_params, pose_encoder, pose_params) converted from the fixture's checkpoint."""
    from fyp_jax.convert import fyp_unet_from_torch, load_state_dict

    return fyp_unet_from_torch(load_state_dict(FIXTURE / "pytorch_model.bin"), fixture_config)
