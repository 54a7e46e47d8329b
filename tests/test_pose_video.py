"""Pose video input/output: round trips, sources, sampling plans, resizing and errors."""

import logging
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.coco import CLASS_COLOURS, TORSO_AND_HEAD
from fyp_jax.pose.frame_plan import plan_frames
from fyp_jax.pose.frame_source import as_rgb, open_frames
from fyp_jax.pose.keypoints import PoseSequence, load_keypoints, save_keypoints
from fyp_jax.pose.render import render_sequence
from fyp_jax.pose.resize import cover_crop, resize_center_crop
from fyp_jax.pose.transforms import resize_canvas
from fyp_jax.pose.video import is_keypoint_file, load_pose_frames, read_video, write_video

EXAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "pose_examples"


def smooth_clip(num_frames: int, height: int = 64, width: int = 96) -> np.ndarray:
    """Frames that survive lossy coding: broad colour gradients moving a little per frame."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = [
        np.stack([x / width, y / height, 0.5 + 0.4 * np.sin((x + y) / 20 + t / 3)], -1)
        for t in range(num_frames)
    ]
    return np.rint(np.clip(np.stack(frames), 0, 1) * 255).astype(np.uint8)


def numbered_clip(num_frames: int) -> np.ndarray:
    """Frame t is flat grey 10 * t (frame numbers readable after coding)."""
    return np.stack([np.full((32, 48, 3), 10 * t, np.uint8) for t in range(num_frames)])


@pytest.mark.parametrize(("suffix", "tolerance"), [(".mp4", 6.0), (".gif", 8.0), (".webm", 6.0)])
def test_write_then_read_round_trip(tmp_path, suffix, tolerance):
    frames = smooth_clip(12)
    path = write_video(tmp_path / f"clip{suffix}", frames, fps=8)
    back = read_video(path)
    assert back.shape == frames.shape and back.dtype == np.uint8
    assert np.abs(back.astype(float) - frames).mean() < tolerance
    assert open_frames(path).fps == pytest.approx(8, rel=0.05)  # GIF stores centiseconds


def test_frames_can_be_streamed_from_a_generator(tmp_path):
    frames = numbered_clip(5)
    back = read_video(write_video(tmp_path / "stream.mp4", (frame for frame in frames), fps=5))
    np.testing.assert_allclose(back[:, 16, 24, 0], frames[:, 16, 24, 0], atol=3)


def test_float_frames_and_odd_sizes_are_written(tmp_path):
    frames = smooth_clip(3, height=33, width=47).astype(np.float32) / 255
    back = read_video(write_video(tmp_path / "odd.mp4", frames, fps=4))
    assert back.shape == (3, 34, 48, 3)  # padded to even for H.264
    assert np.abs(back[:, :33, :47] / 255 - frames).mean() < 0.03


def test_folder_of_frames_in_natural_order(tmp_path):
    frames = numbered_clip(11)
    for i, frame in enumerate(frames):
        iio.imwrite(tmp_path / f"frame_{i}.png", frame)
    (tmp_path / "notes.txt").write_text("not a frame")
    back = read_video(tmp_path, [2, 10])
    np.testing.assert_array_equal(back, frames[[2, 10]])


def numbered_skeleton_clip(num_frames: int) -> np.ndarray:
    """numbered_clip as a skeleton video would show it: black, with small pure red patches of
    value 10 * t (top-left corner, and where the centre of a 16x16 cover-crop reads)."""
    frames = np.zeros((num_frames, 32, 48, 3), np.uint8)
    for t in range(num_frames):
        frames[t, :4, :4, 0] = frames[t, 14:20, 22:28, 0] = 10 * t
    return frames


def test_load_pose_frames_samples_resizes_and_scales(tmp_path):
    path = write_video(tmp_path / "clip.mp4", numbered_skeleton_clip(20), fps=10)
    frames = load_pose_frames(path, num_frames=4, stride=5, start=1, size=(16, 16))
    assert frames.shape == (4, 16, 16, 3) and frames.dtype == np.float32
    np.testing.assert_allclose(frames[:, 8, 8, 0], np.array([10, 60, 110, 160]) / 255, atol=0.02)


def test_short_video_lowers_the_stride_with_a_warning(tmp_path, caplog):
    path = write_video(tmp_path / "clip.gif", numbered_skeleton_clip(10), fps=10)
    with caplog.at_level(logging.WARNING):
        frames = load_pose_frames(path, num_frames=4, stride=5, size=None)
    assert "using stride 3" in caplog.text
    np.testing.assert_allclose(frames[:, 0, 0, 0] * 255, [0, 30, 60, 90], atol=1)


def test_too_short_even_at_stride_1_names_both_counts(tmp_path):
    path = write_video(tmp_path / "clip.gif", numbered_skeleton_clip(10), fps=10)
    with pytest.raises(PoseInputError, match="need 12 frames, it has 10"):
        load_pose_frames(path, num_frames=8, start=4)


def test_plan_frames():
    assert plan_frames(100, 24, 4).indices == tuple(range(0, 93, 4))
    plan = plan_frames(50, 24, 5, start=2)
    assert plan.stride == 2 and plan.indices[-1] == 48 and "using stride 2" in plan.note
    assert plan_frames(1, 1, 5).indices == (0,)
    with pytest.raises(PoseInputError, match="stride >= 1"):
        plan_frames(10, 2, 0)


def test_missing_and_unreadable_videos_name_the_path(tmp_path):
    with pytest.raises(PoseInputError, match="not found: .*nothing.mp4"):
        load_pose_frames(tmp_path / "nothing.mp4", 4)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(PoseInputError, match="cannot read video .*broken.mp4"):
        read_video(broken)
    with pytest.raises(PoseInputError, match="no image frames"):
        read_video(tmp_path)
    with pytest.raises(PoseInputError, match="use one of"):
        write_video(tmp_path / "clip.avi", numbered_clip(2))


def test_resize_cover_and_centre_crop():
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[:, 50:150] = 255  # the middle half of the width
    out = resize_center_crop(frame, (50, 50))
    assert out.shape == (50, 50, 3) and out[:, 1:-1].min() == 255  # edges blend with black
    geometry = cover_crop((100, 200), (50, 50))
    assert (geometry.scaled, geometry.top, geometry.left) == ((50, 100), 0, 25)
    np.testing.assert_allclose(geometry.map_points(np.float32([[99.5, 49.5]])), [[24.5, 24.5]])


def test_as_rgb_handles_grey_and_alpha():
    assert as_rgb(np.full((2, 2), 7, np.uint8)).shape == (2, 2, 3)
    rgba = np.zeros((1, 1, 4), np.uint8)
    rgba[0, 0] = (200, 100, 50, 0)
    assert as_rgb(rgba).tolist() == [[[0, 0, 0]]]


def test_load_pose_frames_from_the_example_mov(caplog):
    """The .MOV example has 137 frames: 32 frames at stride 5 need 156, so stride 4 is used."""
    with caplog.at_level(logging.WARNING):
        frames = load_pose_frames(EXAMPLES / "vis_ikun_pose1.MOV", num_frames=32, stride=5)
    assert frames.shape == (32, 512, 512, 3) and 0 <= frames.min() and frames.max() <= 1
    assert "using stride 4" in caplog.text
    # Still a skeleton image: mostly black, with the orange of the torso present.
    assert (frames.max(axis=-1) < 0.1).mean() > 0.8
    orange = np.float32(CLASS_COLOURS[TORSO_AND_HEAD]) / 255
    assert (np.abs(frames - orange).max(axis=-1) < 0.1).any(axis=(1, 2)).all()


def test_load_pose_frames_draws_keypoint_files(tmp_path, caplog):
    keypoints = np.zeros((7, 1, 17, 3), np.float32)
    keypoints[:, 0, [5, 6], :] = [(40, 50, 1), (160, 50, 1)]  # shoulders, 200 x 100 image
    keypoints[:, 0, :, 0] += np.arange(7)[:, None] * 2  # moving right 2 px a frame
    path = save_keypoints(PoseSequence(keypoints, width=200, height=100), tmp_path / "pose.json")
    assert is_keypoint_file(path) and not is_keypoint_file(tmp_path / "clip.mp4")
    with caplog.at_level(logging.WARNING):
        frames = load_pose_frames(path, num_frames=3, stride=5, size=(64, 64))
    assert "using stride 3" in caplog.text
    expected = resize_canvas(load_keypoints(path), (64, 64))
    drawn = render_sequence(expected.replace(keypoints=expected.keypoints[[0, 3, 6]]))
    np.testing.assert_array_equal(frames, drawn.astype(np.float32) / 255)
    assert frames[0, 30:34].max() > 0.5  # the shoulder line crosses the middle rows
