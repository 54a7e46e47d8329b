"""infer.py end to end on a tiny random-weight bundle (its one-line errors: test_bad_inputs.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import POSE_EXAMPLES

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny_bundle_dir(tmp_path_factory):
    from configs.models.tiny import bundle_configs
    from fyp_jax.bundle import save_bundle
    from fyp_jax.pipeline.random_bundle import random_bundle

    return save_bundle(tmp_path_factory.mktemp("bundle"), random_bundle(*bundle_configs()))


def run_infer(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "infer.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_infer_writes_videos(tiny_bundle_dir, tmp_path):
    from fyp_jax.pose import read_video

    out = tmp_path / "out"
    r = run_infer("--model", str(tiny_bundle_dir), "--pose",
                  str(POSE_EXAMPLES / "dancing_example_1.mp4"), "--prompt", "a red figure",
                  "--prompt", "a blue figure", "--frames", "6", "--steps", "3", "--height", "64",
                  "--width", "128", "--out", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    for name in ("00_a_red_figure", "01_a_blue_figure"):
        for suffix in (".mp4", ".gif"):
            video = read_video(out / f"{name}{suffix}")
            assert video.shape == (6, 64, 128, 3), (name, suffix, video.shape)
    grid = read_video(out / "grid.gif")
    assert grid.shape == (6, 64, 3 * 128, 3)
    assert str(out / "grid.mp4") in r.stdout
    # the skeleton panel of the grid is the pose video: mostly black, with coloured limbs
    assert 0.0 < np.mean(grid[:, :, :128] > 60) < 0.5


@pytest.mark.slow  # compiles the tiny model's composed loop in a fresh process: ~40 s
def test_infer_per_person_makes_one_video_per_prompt(tiny_bundle_dir, tmp_path):
    """--config.per_person on a two-person keypoint file: the caption split per figure, one
    composed video (Pipeline.people)."""
    from fyp_jax.pose import read_video

    out = tmp_path / "out"
    r = run_infer("--model", str(tiny_bundle_dir), "--pose", str(REPO / "docs/two_dancers.json"),
                  "--prompt", "a red figure and a blue figure dancing on a grass background",
                  "--config.per_person=True", "--frames", "2", "--steps", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "generated 1 video(s) of 2 frames at 64x64" in r.stdout
    assert read_video(out / "grid.gif").shape == (2, 64, 128, 3)


def test_infer_default_is_the_shipped_poseworld_model(tmp_path):
    """``python infer.py`` with no model arguments: the committed PoseWorld bundle and pose."""
    from configs.infer_default import get_config
    from fyp_jax.data.poseworld.vocabulary import COLORS
    from fyp_jax.eval.metrics import color_mask
    from fyp_jax.pose import read_video

    defaults = get_config()
    assert (REPO / defaults.model / "bundle.json").exists()
    out = tmp_path / "out"
    r = run_infer("--out", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    video = read_video(next(out.glob("00_*.mp4")))
    assert video.shape[0] >= 8 and video.shape[1] >= 64 and video.shape[2] >= 64
    assert str(out) in r.stdout
    # A trained model, not noise: the caption's figure colour is there in every frame.
    color = next(w for w in defaults.prompts[0].split() if w in COLORS)
    share = color_mask(video, COLORS[color]).mean(axis=(1, 2))
    assert np.all(share > 0.005), share


@pytest.mark.slow  # a third infer.py run: ~25 s
def test_infer_warns_about_words_outside_the_vocabulary(tmp_path):
    r = run_infer("--prompt", "an astronaut dancing on the moon", "--steps", "2",
                  "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "outside this model's training vocabulary" in r.stderr
    assert "astronaut" in r.stderr
