"""Pose input that cannot be misread: skeleton videos told from videos of a person (every example
video), raw videos extracted once and cached by content, --no-extract naming the command, the
stride chosen from the frame rate."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from conftest import POSE_EXAMPLES

from fyp_jax.errors import PoseInputError
from fyp_jax.pose import raw_video
from fyp_jax.pose.classify import classify, measure
from fyp_jax.pose.extract import registry
from fyp_jax.pose.frame_plan import stride_for_rate
from fyp_jax.pose.frame_source import open_frames
from fyp_jax.pose.keypoints import PoseSequence
from fyp_jax.pose.render import render_sequence
from fyp_jax.pose.video import load_pose_frames, write_video

SKELETON_EXAMPLES = ("dancing_example_1.mp4", "dancing_example_2.mp4", "dancing_example_3.mp4",
                     "vis_ikun_pose1.MOV")
RAW_EXAMPLES = ("dancing_example_4.mp4", "dancing_example_5.mp4")


def test_every_example_video_is_classified_right():
    names = sorted(p.name for p in POSE_EXAMPLES.iterdir() if p.suffix.lower() in (".mp4", ".mov"))
    assert names == sorted(SKELETON_EXAMPLES + RAW_EXAMPLES), "a new example: say what it is"
    for name in names:
        verdict = classify(open_frames(POSE_EXAMPLES / name))
        print(f"{name}: {verdict.describe()}")
        assert verdict.is_skeleton == (name in SKELETON_EXAMPLES), name


def waving(num_frames: int = 12) -> PoseSequence:
    """One person, arms swinging, on a 96x96 canvas."""
    keypoints = np.zeros((num_frames, 1, 17, 3), np.float32)
    base = {0: (48, 15), 5: (38, 30), 6: (58, 30), 11: (42, 60), 12: (54, 60), 13: (42, 75),
            14: (54, 75), 15: (42, 90), 16: (54, 90)}
    for t in range(num_frames):
        arm = 10 * np.sin(t / 2)
        points = base | {7: (28, 30 + arm), 8: (68, 30 - arm), 9: (20, 25 + 2 * arm),
                         10: (76, 25 - 2 * arm)}
        for joint, (x, y) in points.items():
            keypoints[t, 0, joint] = (x, y, 1.0)
    return PoseSequence(keypoints, width=96, height=96, fps=24.0)


def test_rendered_skeleton_and_filmed_scenes(tmp_path):
    assert measure(render_sequence(waving())).is_skeleton
    rng = np.random.default_rng(0)
    scene = rng.integers(0, 256, (6, 64, 64, 3), dtype=np.uint8)
    assert not measure(scene).is_skeleton
    night = np.zeros((6, 64, 64, 3), np.uint8)
    night[:, 20:40, 25:35] = 150  # a grey figure in the dark: black enough, but not coloured
    assert not measure(night).is_skeleton
    black = write_video(tmp_path / "black.mp4", np.zeros((4, 32, 32, 3), np.uint8), fps=8)
    with pytest.raises(PoseInputError, match="black in every sampled frame"):
        load_pose_frames(black, 2, size=(32, 32))


class CountingDetector:
    """A stand-in for MediaPipe: the waving person's keypoints, whatever the frames; counts calls."""

    calls = 0

    def detect(self, frames):
        CountingDetector.calls += 1
        sequence = waving(64).keypoints
        for t, _ in enumerate(frames):
            yield sequence[t]


class NobodyDetector:
    def detect(self, frames):
        for _ in frames:
            yield np.zeros((0, 17, 3), np.float32)


def person_video(path):
    """A 'filmed' video (noise) that the classifier calls raw."""
    frames = np.random.default_rng(1).integers(0, 256, (16, 96, 96, 3), dtype=np.uint8)
    return write_video(path, frames, fps=24)


@pytest.fixture
def detector(monkeypatch):
    def use(factory):
        monkeypatch.setitem(registry._DETECTORS, raw_video.DETECTOR, factory)
    return use


def test_raw_video_is_extracted_once_and_cached_beside_it(tmp_path, detector, caplog):
    detector(CountingDetector)
    video = person_video(tmp_path / "dance.mp4")
    CountingDetector.calls = 0
    with caplog.at_level(logging.WARNING):
        first = load_pose_frames(video, 4, stride=2, size=(64, 64), progress=False)
    assert "a video of a person, not a skeleton video" in caplog.text
    cached = list(tmp_path.glob("dance.pose-*.npz"))
    assert len(cached) == 1 and not list(tmp_path.glob(".partial-*"))
    again = load_pose_frames(video, 4, stride=2, size=(64, 64), progress=False)
    assert CountingDetector.calls == 1
    np.testing.assert_array_equal(first, again)
    assert measure((first * 255).astype(np.uint8)).is_skeleton
    video.write_bytes(video.read_bytes() + b"\0")  # other content: extracted again
    load_pose_frames(video, 4, stride=2, size=(64, 64), progress=False)
    assert CountingDetector.calls == 2 and len(list(tmp_path.glob("dance.pose-*.npz"))) == 2


def test_read_only_folder_caches_in_the_user_cache(tmp_path, detector, monkeypatch):
    detector(CountingDetector)
    folder = tmp_path / "readonly"
    folder.mkdir()
    video = person_video(folder / "dance.mp4")
    folder.chmod(0o555)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    try:
        load_pose_frames(video, 4, stride=2, size=(64, 64), progress=False)
        assert os.listdir(folder) == ["dance.mp4"]
        assert len(list((tmp_path / "cache" / "fyp_jax" / "poses").glob("dance.pose-*.npz"))) == 1
        assert "--out dance_skeleton.mp4" in raw_video.extract_command(video)
    finally:
        folder.chmod(0o755)


def test_no_extract_names_the_command_and_nobody_is_an_error(tmp_path, detector):
    video = person_video(tmp_path / "dance.mp4")
    with pytest.raises(PoseInputError, match=r"python -m fyp_jax.pose extract .*dance.mp4 --out "
                                             r".*dance_skeleton.mp4"):
        load_pose_frames(video, 4, size=(64, 64), extract=False)
    detector(NobodyDetector)
    with pytest.raises(PoseInputError, match="no person found in any of the 16 frames"):
        load_pose_frames(video, 4, size=(64, 64), progress=False)
    assert list(tmp_path.iterdir()) == [video]


def test_stride_follows_the_frame_rate(tmp_path, caplog):
    assert stride_for_rate(24, 8)[0] == 3 and stride_for_rate(59.94, 8)[0] == 7
    assert stride_for_rate(8.33, 8)[0] == 1 and stride_for_rate(None, 8)[0] == 1
    skeleton = write_video(tmp_path / "s.mp4", render_sequence(waving(40)), fps=24)
    with caplog.at_level(logging.WARNING):
        frames = load_pose_frames(skeleton, 8, stride=None, size=(64, 64))
    assert frames.shape == (8, 64, 64, 3)
    assert "pose stride 3: the pose video's 24 fps" in caplog.text


@pytest.mark.slow
def test_the_raw_example_becomes_a_skeleton_with_mediapipe(caplog):
    """The real detector (builds its environment on first use when none exists)."""
    with caplog.at_level(logging.INFO):
        frames = load_pose_frames(POSE_EXAMPLES / RAW_EXAMPLES[0], 8, None, size=(64, 64),
                                  progress=False)
        assert "extracting its skeleton" in caplog.text
        again = load_pose_frames(POSE_EXAMPLES / RAW_EXAMPLES[0], 8, None, size=(64, 64))
    assert "skeleton extracted earlier" in caplog.text and "pose stride 7" in caplog.text
    np.testing.assert_array_equal(frames, again)
    assert measure((frames * 255).astype(np.uint8)).is_skeleton
    assert ((frames.max(axis=-1) > 0.5).mean(axis=(1, 2)) > 0.005).all()  # drawn in every frame
