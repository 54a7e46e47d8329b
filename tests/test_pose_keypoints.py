"""Keypoint readers and writers: every format on small files written here."""

import json

import numpy as np
import pytest

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.keypoints import PoseSequence, load_keypoints, save_keypoints

RNG = np.random.default_rng(0)
# A COCO-17 person: x = 10 * index, y = 100 + index, confidence 0.5 + index / 100.
PERSON = np.stack([np.arange(17) * 10.0, 100.0 + np.arange(17), 0.5 + np.arange(17) / 100], axis=1)
PERSON = PERSON.astype(np.float32)

# Where each COCO-17 joint sits in OpenPose's BODY_25 and COCO-18 layouts.
BODY25_INDEX = [0, 16, 15, 18, 17, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14, 11]
COCO18_INDEX = [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10]


def openpose_frame(people: list[np.ndarray], layout: list[int], num_points: int) -> dict:
    encoded = []
    for person in people:
        flat = np.zeros((num_points, 3), np.float32)
        flat[layout] = person
        flat[1] = (5.0, 5.0, 0.9)  # neck, which COCO-17 has not
        encoded.append({"person_id": [-1], "pose_keypoints_2d": flat.ravel().tolist()})
    return {"version": 1.3, "people": encoded}


def write_json(path, document):
    path.write_text(json.dumps(document))
    return path


def test_openpose_body25_folder_of_frames(tmp_path):
    folder = tmp_path / "openpose"
    folder.mkdir()
    frames = [[PERSON], [], [PERSON, PERSON + 1]]
    for i, people in enumerate(frames):  # names sort naturally: 2 before 10
        write_json(
            folder / f"clip_{[0, 2, 10][i]}_keypoints.json",
            openpose_frame(people, BODY25_INDEX, 25),
        )
    seq = load_keypoints(folder, image_size=(480, 640))
    assert seq.keypoints.shape == (3, 2, 17, 3) and (seq.num_frames, seq.num_people) == (3, 2)
    assert (seq.height, seq.width) == (480, 640)
    np.testing.assert_allclose(seq.keypoints[0, 0], PERSON, atol=1e-5)
    assert (seq.keypoints[1, :, :, 2] == 0).all()  # nobody in frame 1
    np.testing.assert_allclose(seq.keypoints[2, 1], PERSON + 1, atol=1e-5)


def test_openpose_coco18_single_file_infers_size(tmp_path, caplog):
    path = write_json(tmp_path / "frame.json", openpose_frame([PERSON], COCO18_INDEX, 18))
    seq = load_keypoints(path)
    np.testing.assert_allclose(seq.keypoints[0, 0], PERSON, atol=1e-5)
    assert (seq.width, seq.height) == (161, 117)  # extent of the joints, pixel centres inclusive
    assert "stores no image size" in caplog.text


def test_openpose_list_of_frames_in_one_file(tmp_path):
    document = [openpose_frame([PERSON], BODY25_INDEX, 25), openpose_frame([], BODY25_INDEX, 25)]
    seq = load_keypoints(write_json(tmp_path / "all.json", document), image_size=(200, 200))
    assert seq.keypoints.shape == (2, 1, 17, 3)


def test_openpose_unknown_layout_is_refused(tmp_path):
    document = {"people": [{"pose_keypoints_2d": [0.0] * 60}]}
    with pytest.raises(PoseInputError, match="BODY_25"):
        load_keypoints(write_json(tmp_path / "bad.json", document))


def test_mmpose_topdown_demo_layout(tmp_path):
    instance = {
        "keypoints": PERSON[:, :2].tolist(),
        "keypoint_scores": PERSON[:, 2].tolist(),
        "bbox": [[0, 0, 9, 9]],
    }
    document = {
        "meta_info": {"dataset_name": "coco"},
        "instance_info": [
            {"frame_id": 2, "instances": []},
            {"frame_id": 1, "instances": [instance]},
        ],
    }
    seq = load_keypoints(write_json(tmp_path / "mmpose.json", document), image_size=(300, 400))
    np.testing.assert_allclose(seq.keypoints[0, 0], PERSON, atol=1e-6)  # sorted by frame_id
    assert (seq.keypoints[1, ..., 2] == 0).all()


def test_mmpose_inferencer_frames_and_wholebody_points(tmp_path):
    wholebody = np.concatenate([PERSON, np.full((116, 3), 7.0, np.float32)])
    frames = [
        [{"keypoints": wholebody[:, :2].tolist(), "keypoint_scores": wholebody[:, 2].tolist()}],
        [],
    ]
    seq = load_keypoints(write_json(tmp_path / "pred.json", frames), image_size=(300, 400))
    assert seq.keypoints.shape == (2, 1, 17, 3)
    np.testing.assert_allclose(seq.keypoints[0, 0], PERSON, atol=1e-6)


def test_mmpose_0x_xy_score_triples_single_frame(tmp_path):
    document = [
        {"bbox": [0, 0, 5, 5], "keypoints": PERSON.tolist()},
        {"keypoints": (PERSON + 2).tolist()},
    ]
    seq = load_keypoints(write_json(tmp_path / "frame.json", document), image_size=(300, 400))
    assert seq.keypoints.shape == (1, 2, 17, 3)
    np.testing.assert_allclose(seq.keypoints[0, 1], PERSON + 2, atol=1e-6)


def test_coco_results_grouped_by_image_id(tmp_path):
    document = [
        {"image_id": 7, "category_id": 1, "keypoints": PERSON.ravel().tolist(), "score": 0.9},
        {"image_id": 3, "category_id": 1, "keypoints": (PERSON + 1).ravel().tolist(), "score": 0.8},
        {"image_id": 7, "category_id": 1, "keypoints": (PERSON + 2).ravel().tolist(), "score": 0.7},
    ]
    seq = load_keypoints(write_json(tmp_path / "results.json", document), image_size=(300, 400))
    assert seq.keypoints.shape == (2, 2, 17, 3)
    np.testing.assert_allclose(seq.keypoints[0, 0], PERSON + 1, atol=1e-6)
    np.testing.assert_allclose(seq.keypoints[1, 1], PERSON + 2, atol=1e-6)


def test_coco_annotations_visibility_flags_and_image_size(tmp_path):
    flags = PERSON.copy()
    flags[:, 2] = 2
    flags[3, 2] = 0
    document = {
        "images": [{"id": 1, "width": 640, "height": 360, "file_name": "a.jpg"}],
        "annotations": [
            {"id": 5, "image_id": 1, "category_id": 1, "keypoints": flags.ravel().tolist()}
        ],
        "categories": [{"id": 1, "name": "person"}],
    }
    seq = load_keypoints(write_json(tmp_path / "person_keypoints.json", document))
    assert (seq.width, seq.height) == (640, 360)
    expected = np.ones(17, np.float32)
    expected[3] = 0
    np.testing.assert_array_equal(seq.keypoints[0, 0, :, 2], expected)


@pytest.mark.parametrize("shape", [(4, 2, 17, 3), (4, 17, 3), (4, 17, 2)])
def test_npy_layouts(tmp_path, shape):
    array = RNG.uniform(0, 50, size=shape).astype(np.float32)
    if len(shape) == 4:
        array[:, 1, :, 0] += 60  # people come back left to right: the second stands on the right
    np.save(tmp_path / "k.npy", array)
    seq = load_keypoints(tmp_path / "k.npy", image_size=(64, 64))
    assert seq.keypoints.shape == (4, shape[1] if len(shape) == 4 else 1, 17, 3)
    np.testing.assert_allclose(
        seq.keypoints.reshape(4, -1, 17, 3)[..., :2], array.reshape(4, -1, 17, shape[-1])[..., :2]
    )
    if shape[-1] == 2:
        assert (seq.keypoints[..., 2] == 1).all()


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_writer_round_trip(tmp_path, suffix):
    keypoints = RNG.uniform(0, 49, size=(5, 2, 17, 3)).astype(np.float32)
    keypoints[:, 1, :, 0] += 50  # the second person on the right, where the loader puts them
    keypoints[2, 1] = 0  # an empty person slot
    seq = PoseSequence(keypoints, width=100, height=80, fps=12.5)
    back = load_keypoints(save_keypoints(seq, tmp_path / f"out{suffix}"))
    assert (back.width, back.height, back.fps) == (100, 80, 12.5)
    np.testing.assert_allclose(back.keypoints, keypoints, atol=1e-3)


def test_image_size_argument_overrides_the_file(tmp_path):
    seq = PoseSequence(np.ones((1, 1, 17, 3), np.float32), width=100, height=80)
    back = load_keypoints(save_keypoints(seq, tmp_path / "k.json"), image_size=(10, 20), fps=5)
    assert (back.height, back.width, back.fps) == (10, 20, 5)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read keypoint JSON"),
        ('{"hello": 1}', "unrecognised keypoint JSON"),
        ('{"people": [{"pose_keypoints_2d": "x"}]}', "BODY_25|malformed"),
        ('[{"keypoints": [[1, 2]]}]', "not COCO-17"),
    ],
)
def test_bad_json_raises_pose_input_error(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(PoseInputError, match=message):
        load_keypoints(path, image_size=(10, 10))


def test_missing_path_and_bad_array_and_bad_writer_suffix(tmp_path):
    with pytest.raises(PoseInputError, match="not found"):
        load_keypoints(tmp_path / "nope.json")
    np.save(tmp_path / "k.npy", np.zeros((3, 5)))
    with pytest.raises(PoseInputError, match=r"\[frames, people, 17, 3\]"):
        load_keypoints(tmp_path / "k.npy")
    seq = PoseSequence(np.zeros((1, 1, 17, 3), np.float32), width=4, height=4)
    with pytest.raises(PoseInputError, match=".json or .npz"):
        save_keypoints(seq, tmp_path / "k.txt")


def test_pose_sequence_validates():
    with pytest.raises(PoseInputError, match="shape"):
        PoseSequence(np.zeros((2, 17, 3)), width=4, height=4)
    with pytest.raises(PoseInputError, match="NaN"):
        PoseSequence(np.full((1, 1, 17, 3), np.nan), width=4, height=4)
    with pytest.raises(PoseInputError, match="no frame"):
        PoseSequence(np.zeros((0, 1, 17, 3)), width=4, height=4)
