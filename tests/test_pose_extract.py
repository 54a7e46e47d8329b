"""Pose extraction: the detector interface and registry, the MediaPipe worker protocol and
environment, and (slow) a real MediaPipe run on dancing_example_4.mp4."""

import io
import stat
import time
from pathlib import Path

import numpy as np
import pytest

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.cli import main
from fyp_jax.pose.extract import (
    DetectorUnavailableError,
    create_detector,
    extract_keypoints,
    mediapipe_env,
    register_detector,
    registry,
)
from fyp_jax.pose.extract.blazepose import blazepose_to_coco17
from fyp_jax.pose.extract.worker import frame_pipe
from fyp_jax.pose.keypoints import load_keypoints
from fyp_jax.pose.video import open_frames, read_video, write_video

EXAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "pose_examples"


class BrightSpotDetector:
    """A stand-in backend: one 'person' whose every joint sits at the frame's brightest pixel."""

    def detect(self, frames):
        for frame in frames:
            y, x = np.unravel_index(frame.sum(axis=-1).argmax(), frame.shape[:2])
            yield np.tile(np.float32([x, y, 1.0]), (1, 17, 1))


def test_frame_pipe_round_trip():
    stream = io.BytesIO()
    frame = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    frame_pipe.write_frame(stream, frame)
    frame_pipe.write_end(stream)
    result = np.arange(2 * 33 * 4, dtype=np.float32).reshape(2, 33, 4)
    frame_pipe.write_result(stream, result)
    stream.seek(0)
    np.testing.assert_array_equal(frame_pipe.read_frame(stream), frame)
    assert frame_pipe.read_frame(stream) is None
    np.testing.assert_array_equal(frame_pipe.read_result(stream), result)
    with pytest.raises(EOFError):
        frame_pipe.read_result(stream)


def test_blazepose_landmarks_map_to_coco17():
    landmarks = np.zeros((33, 4), np.float32)
    landmarks[:, 0] = np.arange(33) / 100  # x encodes the landmark index
    landmarks[:, 1] = 0.5
    landmarks[:, 3] = 0.9
    coco = blazepose_to_coco17(landmarks, height=200, width=100)
    # nose, left eye, right eye, left ear, ..., left ankle 27, right ankle 28
    expected = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
    np.testing.assert_allclose(coco[:, 0], expected, atol=1e-4)
    np.testing.assert_allclose(coco[:, 1:], np.tile([100.0, 0.9], (17, 1)), atol=1e-5)


def test_registered_detector_runs_over_the_chosen_frames(tmp_path, monkeypatch):
    frames = np.zeros((6, 20, 30, 3), np.uint8)
    for t in range(6):
        frames[t, 10, 3 * t + 1] = 255
    video = write_video(tmp_path / "spot.gif", frames, fps=10)
    monkeypatch.setattr(registry, "_DETECTORS", dict(registry._DETECTORS))  # undone after the test
    register_detector("bright-spot", BrightSpotDetector)
    seq = extract_keypoints(video, create_detector("bright-spot"), start=2, end=5, progress=False)
    assert seq.keypoints.shape == (3, 1, 17, 3)
    assert (seq.width, seq.height) == (30, 20) and seq.fps == pytest.approx(10, rel=0.05)
    np.testing.assert_allclose(seq.keypoints[:, 0, 0, 0], [7, 10, 13])
    with pytest.raises(PoseInputError, match="start 5 must be below end 5"):
        extract_keypoints(video, BrightSpotDetector(), start=5, end=5)
    with pytest.raises(
        PoseInputError, match="unknown pose detector 'nope'; available: .*mediapipe"
    ):
        create_detector("nope")


def test_broken_environment_folder_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv(mediapipe_env.VENV_VARIABLE, str(tmp_path))
    with pytest.raises(DetectorUnavailableError, match="not a working MediaPipe environment"):
        mediapipe_env.ensure_mediapipe_python()


def test_failed_build_is_explained_and_leaves_nothing(tmp_path, monkeypatch):
    venv = tmp_path / "mp-venv"
    monkeypatch.setenv(mediapipe_env.VENV_VARIABLE, str(venv))
    monkeypatch.setenv(mediapipe_env.PYTHON_VARIABLE, str(tmp_path / "no-such-python"))
    with pytest.raises(DetectorUnavailableError, match="cannot create the MediaPipe environment"):
        mediapipe_env.ensure_mediapipe_python()
    assert list(tmp_path.iterdir()) == []


def test_dying_worker_is_reported_with_its_last_words(tmp_path, monkeypatch):
    venv = tmp_path / "fake-venv"
    python = mediapipe_env.venv_python(venv)
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\necho 'ImportError: no mediapipe here' >&2\nexit 3\n")
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    (venv / "fyp_jax-ready.txt").write_text("")
    monkeypatch.setenv(mediapipe_env.VENV_VARIABLE, str(venv))
    frames = np.zeros((2, 8, 8, 3), np.uint8)
    with pytest.raises(DetectorUnavailableError, match="exit status 3.*no mediapipe here"):
        list(create_detector("mediapipe").detect(iter(frames)))


@pytest.mark.slow
def test_mediapipe_extraction_on_a_dance_video(tmp_path):
    """Builds the MediaPipe environment on first use (needs the package index once)."""
    video = EXAMPLES / "dancing_example_4.mp4"
    started = time.perf_counter()
    code = main(
        [
            "extract",
            str(video),
            "--out",
            str(tmp_path / "skeleton.mp4"),
            "--keypoints",
            str(tmp_path / "keypoints.json"),
            "--no-progress",
        ]
    )
    elapsed = time.perf_counter() - started
    assert code == 0
    seq = load_keypoints(tmp_path / "keypoints.json")
    found = (seq.keypoints[..., 2].max(axis=(1, 2)) >= 0.3).mean()
    print(f"extraction: person in {found:.1%} of {seq.num_frames} frames, {elapsed:.1f} s")
    assert found >= 0.9
    assert (seq.width, seq.height) == (1326, 1252)
    assert open_frames(tmp_path / "skeleton.mp4").num_frames == open_frames(video).num_frames
    skeleton = read_video(tmp_path / "skeleton.mp4", [0, 100])
    assert (skeleton.max(axis=-1) > 128).mean() > 0.002  # lines were drawn


@pytest.mark.slow
def test_mediapipe_finds_both_people_of_a_two_person_video(tmp_path):
    """dancing_example_4 and _5 side by side: two people in (nearly) every frame, the left
    dancer in slot 0 throughout."""
    if not (mediapipe_env.mediapipe_venv_dir() / "fyp_jax-ready.txt").exists():
        pytest.skip(
            f"no MediaPipe environment at {mediapipe_env.mediapipe_venv_dir()} (built by the first"
            " `python -m fyp_jax.pose extract`, which needs the package index once)"
        )
    left = read_video(EXAMPLES / "dancing_example_4.mp4", range(0, 96, 4), (240, 226))
    right = read_video(EXAMPLES / "dancing_example_5.mp4", range(0, 48, 2), (240, 240))
    video = write_video(tmp_path / "two.mp4", np.concatenate([left, right], axis=2), fps=8)
    seq = extract_keypoints(video, create_detector("mediapipe"), progress=False)
    seen = seq.keypoints[..., 2].max(axis=-1) >= 0.3  # [frames, people]
    hip_x = seq.keypoints[:, :, 11:13, 0].mean(axis=-1)
    print(f"two people in {seen.all(axis=1).mean():.0%} of {seq.num_frames} frames")
    assert seq.num_people == 2 and seen.all(axis=1).mean() >= 0.9
    assert (hip_x[seen[:, 0], 0] < 226).all() and (hip_x[seen[:, 1], 1] > 226).all()
