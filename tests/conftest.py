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
