"""`python -m fyp_jax.pose`: render and show end to end, one-line errors."""

import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest

from fyp_jax.pose.cli import build_parser, main
from fyp_jax.pose.keypoints import PoseSequence, load_keypoints, save_keypoints
from fyp_jax.pose.video import read_video


@pytest.fixture
def keypoint_file(tmp_path):
    """Ten frames of a pose walking right on a 120 x 160 image, as fyp_jax JSON."""
    rng = np.random.default_rng(2)
    base = np.concatenate([rng.uniform(30, 90, (17, 2)), np.ones((17, 1))], axis=1)
    frames = np.stack([base + [3 * t, 0, 0] for t in range(10)])[:, None]
    return save_keypoints(
        PoseSequence(frames, width=160, height=120, fps=10), tmp_path / "pose.json"
    )


def test_render_writes_a_skeleton_video_and_keypoints(tmp_path, keypoint_file):
    out, kept = tmp_path / "skeleton.mp4", tmp_path / "kept.json"
    args = ["render", str(keypoint_file), "--out", str(out), "--keypoints", str(kept)]
    assert (
        main([*args, "--start", "2", "--fit", "--size", "64x64", "--mirror", "--no-progress"]) == 0
    )
    frames = read_video(out)
    assert frames.shape == (8, 64, 64, 3)
    assert (frames.max(axis=-1) > 128).any(axis=(1, 2)).all()
    seq = load_keypoints(kept)
    assert seq.num_frames == 8 and (seq.height, seq.width) == (64, 64)


def test_show_writes_a_labelled_contact_sheet(tmp_path, keypoint_file):
    video = tmp_path / "skeleton.gif"
    assert main(["render", str(keypoint_file), "--out", str(video), "--no-progress"]) == 0
    assert main(["show", str(video), "--frames", "4", "--columns", "2", "--cell-height", "60"]) == 0
    sheet = iio.imread(tmp_path / "skeleton_sheet.png")
    assert sheet.shape[0] == 2 * 60 + 3 * 4 and sheet.shape[2] == 3  # two rows and gaps


def test_user_errors_print_one_line_and_exit_1(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["render", str(tmp_path / "missing.json"), "--out", str(tmp_path / "x.mp4")])
    assert stop.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: keypoint file not found") and "\n" not in err


def test_module_entry_point_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "fyp_jax.pose", "show", str(tmp_path / "nothing.mp4")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"error: video not found: {tmp_path / 'nothing.mp4'}; check the path"
    )


def test_smoothing_is_on_for_extract_and_off_for_render():
    parser = build_parser()
    assert parser.parse_args(["extract", "v.mp4", "--out", "s.mp4"]).smooth is True
    assert parser.parse_args(["extract", "v.mp4", "--out", "s.mp4", "--no-smooth"]).smooth is False
    assert parser.parse_args(["render", "k.json", "--out", "s.mp4"]).smooth is False
    assert parser.parse_args(["render", "k.json", "--out", "s.mp4", "--smooth"]).smooth is True
