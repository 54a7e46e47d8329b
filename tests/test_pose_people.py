"""Several people per frame: every keypoint format keeps all of them, each person in one slot
across frames, slots left to right by mean hip x; the skeleton frames show every person."""

import json

import numpy as np
import pytest

from fyp_jax.pose.keypoints import load_keypoints
from fyp_jax.pose.keypoints.people import left_to_right, link_people
from fyp_jax.pose.video import load_pose_frames

# A standing COCO-17 person 60 px tall, centred on x = 0: (dx, y) per joint.
_BODY = np.float32([
    (0, 10), (-2, 8), (2, 8), (-4, 9), (4, 9), (-8, 20), (8, 20), (-10, 32), (10, 32),
    (-11, 42), (11, 42), (-5, 45), (5, 45), (-5, 58), (5, 58), (-5, 70), (5, 70),
])  # fmt: skip
WIDTH, HEIGHT = 240, 80
# Three people walking right, 2 px a frame, at x = 40, 120, 200 in frame 0.
STARTS = (40.0, 120.0, 200.0)
NUM_FRAMES = 5


def person(centre_x: float, confidence: float = 0.9) -> np.ndarray:
    joints = np.empty((17, 3), np.float32)
    joints[:, 0] = _BODY[:, 0] + centre_x
    joints[:, 1] = _BODY[:, 1]
    joints[:, 2] = confidence
    return joints


def truth() -> np.ndarray:
    """[frames, 3 people, 17, 3], left to right."""
    return np.stack(
        [np.stack([person(x + 2 * f) for x in STARTS]) for f in range(NUM_FRAMES)]
    )


def shuffled_frames() -> list[list[np.ndarray]]:
    """The people of `truth()` listed in a different order in every frame; frame 2 misses the
    middle person."""
    rng = np.random.default_rng(3)
    frames = []
    for f, people in enumerate(truth()):
        listed = [people[p] for p in rng.permutation(3) if not (f == 2 and p == 1)]
        frames.append(listed)
    return frames


def expected_with_gap() -> np.ndarray:
    expected = truth()
    expected[2, 1] = 0
    return expected


def test_link_people_then_left_to_right():
    linked = link_people(shuffled_frames())
    np.testing.assert_array_equal(left_to_right(linked), expected_with_gap())
    reversed_slots = truth()[:, ::-1]
    np.testing.assert_array_equal(left_to_right(reversed_slots), truth())


def test_people_seen_in_no_frame_go_last_and_no_hips_fall_back_to_all_joints():
    keypoints = truth()[:, [2, 0, 1]]
    keypoints[:, 0] = 0  # the rightmost person is never seen
    keypoints[:, 2, 11:13, 2] = 0  # the middle person's hips are never seen
    np.testing.assert_array_equal(left_to_right(keypoints), keypoints[:, [1, 2, 0]])


def _openpose(frames):
    return [
        {"people": [{"pose_keypoints_2d": p.ravel().tolist()} for p in people]} for people in frames
    ]


def _coco_results(frames):
    return [
        {"image_id": f, "category_id": 1, "keypoints": p.ravel().tolist(), "score": 1.0}
        for f, people in enumerate(frames)
        for p in people
    ]


def _mmpose(frames):
    return {
        "meta_info": {},
        "instance_info": [
            {
                "frame_id": f,
                "instances": [
                    {"keypoints": p[:, :2].tolist(), "keypoint_scores": p[:, 2].tolist()}
                    for p in people
                ],
            }
            for f, people in enumerate(frames)
        ],
    }


def _native(frames):
    return {"format": "fyp_jax.pose/1", "width": WIDTH, "height": HEIGHT, "fps": 8.0,
            "frames": [[p.tolist() for p in people] for people in frames]}  # fmt: skip


@pytest.mark.parametrize("document", [_openpose, _coco_results, _mmpose, _native])
def test_every_json_format_keeps_all_people_in_order(tmp_path, document):
    path = tmp_path / "people.json"
    path.write_text(json.dumps(document(shuffled_frames())))
    seq = load_keypoints(path, image_size=(HEIGHT, WIDTH))
    # COCO results have no image for frame 2's missing person to be absent from: same result.
    np.testing.assert_allclose(seq.keypoints, expected_with_gap(), atol=1e-5)


def test_arrays_keep_their_slots_and_come_left_to_right(tmp_path):
    np.save(tmp_path / "people.npy", truth()[:, [1, 2, 0]])
    np.testing.assert_array_equal(load_keypoints(tmp_path / "people.npy").keypoints, truth())


def test_skeleton_frames_draw_every_person(tmp_path):
    path = tmp_path / "people.json"
    path.write_text(json.dumps(_openpose(shuffled_frames())))
    frames = load_pose_frames(path, num_frames=NUM_FRAMES, stride=1, size=(HEIGHT, WIDTH))
    columns = frames.max(axis=(1, 3)) > 0.5  # [frames, width]: a line crosses this column
    for f in range(NUM_FRAMES):
        for p, x in enumerate(STARTS):
            drawn = columns[f, int(x) - 10 + 2 * f : int(x) + 12 + 2 * f].any()
            assert drawn == (not (f == 2 and p == 1)), (f, p)
    assert not columns[:, 95:105].any() and not columns[:, 175:185].any()  # people apart


def test_keypoints_are_what_the_skeleton_frames_draw(tmp_path):
    """load_pose_keypoints (Pipeline.people's input): the people left to right, in pixels of
    the asked frame, exactly the keypoints load_pose_frames draws."""
    from fyp_jax.pose import render_pose
    from fyp_jax.pose.video import load_pose_keypoints

    path = tmp_path / "people.json"
    path.write_text(json.dumps(_openpose(shuffled_frames())))
    size = (HEIGHT // 2, WIDTH // 2)
    keypoints = load_pose_keypoints(path, num_frames=NUM_FRAMES, stride=1, size=size)
    assert keypoints.shape == (NUM_FRAMES, 3, 17, 3)
    hips = keypoints[0, :, 11:13, 0].mean(axis=1)
    assert np.all(np.diff(hips) > 20) and 0 <= hips.min() and hips.max() < size[1]
    frames = load_pose_frames(path, num_frames=NUM_FRAMES, stride=1, size=size)
    drawn = np.stack([render_pose(k, *size) for k in keypoints]).astype(np.float32) / 255
    np.testing.assert_array_equal(drawn, frames)
