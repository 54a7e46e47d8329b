"""The TFDS builders, built from small files made here, and read back in a process where
TensorFlow cannot be imported; bad source files skipped and listed."""

import json
import subprocess
import sys
import textwrap

import imageio.v3 as iio
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fyp_jax.data import PoseWorldSource, open_split
from fyp_jax.data.builders import build_laion_pose, build_pose_world, build_video_text
from fyp_jax.data.codec import decode_image
from fyp_jax.errors import DataError
from fyp_jax.pose import register_detector, write_video

READ_BACK = textwrap.dedent(
    """
    import importlib.abc, importlib.machinery, json, sys

    class PoisonedTensorFlow(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        # TensorFlow looks installed to anyone who checks, and importing it fails (remembered).
        imports = []
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "tensorflow":
                return importlib.machinery.ModuleSpec(name, self)
        def create_module(self, spec):
            return None
        def exec_module(self, module):
            self.imports.append(module.__name__)
            raise ImportError(f"{module.__name__} may not be imported here")

    sys.meta_path.insert(0, PoisonedTensorFlow())
    from fyp_jax.data import (ClipTransform, EvalTransform, ImageTransform, make_loader,
                              open_split)

    folders = json.loads(sys.argv[1])
    jobs = {
        "laion_pose": (folders["laion_pose"], "train", ImageTransform(32)),
        "video_text": (folders["video_text"], "train", ClipTransform()),
        "pose_world": (folders["pose_world"], "eval", EvalTransform()),
    }
    out = {}
    for name, (folder, split, transform) in jobs.items():
        source = open_split(folder, split)
        def loader():
            return make_loader(source, global_batch_size=2, seed=1, transform=transform)
        first, second = loader(), loader()
        a = [next(first) for _ in range(3)]
        state = json.loads(json.dumps(first.get_state()))
        rest = [next(first) for _ in range(2)]
        second.set_state(state)
        resumed = [next(second) for _ in range(2)]
        again = [next(loader()) for _ in range(1)]
        key = "caption"
        out[name] = {
            "shapes": {k: list(v.shape) for k, v in a[0].items()},
            "dtypes": {k: str(v.dtype) for k, v in a[0].items()},
            "same_seed_same_order": a[0][key].tolist() == again[0][key].tolist(),
            "resumed_equal": all(
                (x[k] == y[k]).all() for x, y in zip(rest, resumed) for k in x
            ),
        }
    out["tensorflow_in_sys_modules"] = "tensorflow" in sys.modules
    out["tensorflow_import_attempts"] = PoisonedTensorFlow.imports
    print(json.dumps(out))
    """
)


def _coco(images: dict[str, np.ndarray | None]) -> dict:
    """COCO person-keypoint annotations: one person per image given keypoints, none for None."""
    document = {"images": [], "annotations": []}
    for i, (name, keypoints) in enumerate(images.items()):
        document["images"].append({"id": i, "file_name": name})
        if keypoints is not None:
            flat = np.concatenate([keypoints[:, :2], 2 * np.ones((17, 1))], axis=1).ravel()
            document["annotations"].append({"image_id": i, "keypoints": flat.tolist()})
    return document


def write_sources(root) -> dict:
    """Source files with one of each kind of bad item: 6 images (one truncated, one without a
    caption, one with nobody in it, one 128 x 128) with COCO keypoints; 2 videos listed by 4
    rows of a table (one broken file, one span too short)."""
    world = PoseWorldSource("image", "train", size=64, length=6, seed=2)
    images = root / "images"
    images.mkdir()
    annotations = {}
    for k in range(6):
        image = world[k]["image"]
        if k == 5:
            image = np.kron(image, np.ones((2, 2, 1), np.uint8))  # 128 x 128: stored at 64
        iio.imwrite(images / f"img_{k}.jpg", image, quality=95)
        (images / f"img_{k}.txt").write_text(world[k]["caption"])
        scale = 2.0 if k == 5 else 1.0
        annotations[f"img_{k}.jpg"] = (world[k]["keypoints"][0][:, :2] + 0.5) * scale - 0.5
    (images / "img_1.jpg").write_bytes((images / "img_1.jpg").read_bytes()[:300])  # truncated
    (images / "img_2.txt").unlink()  # no caption
    annotations["img_3.jpg"] = None  # nobody in it
    keypoints = root / "keypoints.json"
    keypoints.write_text(json.dumps(_coco(annotations)))

    videos = root / "videos"
    clips = PoseWorldSource("clip", "train", size=48, num_frames=20, length=2, seed=3)
    for k in range(2):
        write_video(videos / f"clip_{k}.mp4", clips[k]["frames"], fps=10)
    (videos / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    (videos / "clips.csv").write_text(
        "path,caption,start,end\n"
        f"clip_0.mp4,{clips[0]['caption']},,\n"
        f"clip_1.mp4,{clips[1]['caption']},0.5,00:00:01.9\n"
        "broken.mp4,a broken video,,\n"
        "clip_0.mp4,too short a span,0,0.3\n"
    )
    return {"images": images, "keypoints": keypoints, "world": world, "table": videos / "clips.csv"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    sources = write_sources(root)
    images, keypoints = sources["images"], sources["keypoints"]
    data = root / "built"
    return {
        "root": root,
        **sources,
        "laion_pose": build_laion_pose(data, images, keypoints=keypoints, max_size=64),
        "video_text": build_video_text(
            data, sources["table"], num_frames=4, frame_stride=2, size=32, clips_per_row=2
        ),
        "pose_world": build_pose_world(
            data, kind="clip", size=32, num_frames=3, num_train=4, num_eval=3, seed=1
        ),
    }


def _metadata(folder) -> dict:
    return json.loads((folder / "metadata.json").read_text())


def test_laion_pose_keeps_good_images_and_lists_bad_ones(built):
    source = open_split(built["laion_pose"])
    assert [r["path"].decode().rsplit("/", 1)[1] for r in source] == [
        "img_0.jpg",
        "img_4.jpg",
        "img_5.jpg",
    ]
    skipped = {
        e["path"].rsplit("/", 1)[1]: e["reason"]
        for e in _metadata(built["laion_pose"])["skipped"]["train"]
    }
    assert set(skipped) == {"img_1.jpg", "img_2.jpg", "img_3.jpg"}
    assert "no caption" in skipped["img_2.jpg"] and "no person" in skipped["img_3.jpg"]
    record = source[2]  # img_5: 128 x 128, stored with its shorter side at 64
    assert decode_image(record["image"]).shape == (64, 64, 3)
    np.testing.assert_allclose(
        record["keypoints"][0, :, :2], built["world"][5]["keypoints"][0, :, :2], atol=1e-3
    )
    assert record["caption"].decode() == built["world"][5]["caption"]


def test_video_text_clips_spans_and_skips(built):
    source = open_split(built["video_text"])
    clips = [(r["path"].decode().rsplit("/", 1)[1], int(r["start_frame"])) for r in source]
    # clip_0 (20 frames): two clips spread over it; clip_1 from 0.5 s to 1.9 s at 10 fps.
    assert clips == [("clip_0.mp4", 0), ("clip_0.mp4", 13), ("clip_1.mp4", 5), ("clip_1.mp4", 12)]
    assert len(source[0]["frames"]) == 4
    assert decode_image(source[0]["frames"][0]).shape == (32, 32, 3)
    assert float(source[0]["fps"]) == pytest.approx(5.0)
    reasons = [e["reason"] for e in _metadata(built["video_text"])["skipped"]["train"]]
    assert len(reasons) == 2 and any("too few" in r for r in reasons)


def test_pose_world_files_hold_the_in_memory_examples(built):
    source = open_split(built["pose_world"], "eval")
    memory = PoseWorldSource("clip", "eval", size=32, num_frames=3, length=3, seed=1)
    assert len(source) == 3 and len(open_split(built["pose_world"], "train")) == 4
    for k in range(3):
        frames = np.stack([decode_image(f) for f in source[k]["frames"]])
        np.testing.assert_array_equal(frames, memory[k]["frames"])  # PNG: lossless
        np.testing.assert_array_equal(source[k]["keypoints"], memory[k]["keypoints"])
        assert source[k]["motion"].decode() == memory[k]["motion"]


def test_read_back_without_tensorflow(built):
    folders = {k: str(built[k]) for k in ("laion_pose", "video_text", "pose_world")}
    result = subprocess.run(
        [sys.executable, "-c", READ_BACK, json.dumps(folders)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["tensorflow_in_sys_modules"] is False
    assert out["tensorflow_import_attempts"] == []
    assert out["laion_pose"]["shapes"] == {
        "image": [2, 32, 32, 3],
        "skeleton": [2, 32, 32, 3],
        "caption": [2],
    }
    assert out["video_text"]["shapes"] == {"video": [2, 4, 32, 32, 3], "caption": [2]}
    assert out["pose_world"]["shapes"]["skeleton"] == [2, 3, 32, 32, 3]
    assert out["pose_world"]["dtypes"]["keypoints"] == "float32"
    for name in ("laion_pose", "video_text", "pose_world"):
        assert out[name]["same_seed_same_order"] and out[name]["resumed_equal"], name


def test_detector_extracts_keypoints_at_build_time(built, tmp_path):
    world = built["world"]

    class Oracle:
        """Answers with PoseWorld's own keypoints, whichever image it is shown."""

        def detect(self, frames):
            for _ in frames:
                yield world[0]["keypoints"]

    register_detector("test-oracle", Oracle)
    table = tmp_path / "images.parquet"
    columns = {"image": ["img_0.jpg", "img_4.jpg", "img_0.jpg"], "text": ["first", "", "again"]}
    pq.write_table(pa.table(columns), table)
    folder = build_laion_pose(
        tmp_path / "out", table, detector="test-oracle", image_root=built["images"]
    )
    source = open_split(folder)
    assert [r["caption"].decode() for r in source] == ["first", "again"]
    np.testing.assert_array_equal(source[0]["keypoints"], world[0]["keypoints"])


def test_nothing_valid_is_an_error_and_nothing_is_left_behind(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"garbage")
    (tmp_path / "a.txt").write_text("a caption")
    (tmp_path / "kp.json").write_text(json.dumps({"a.jpg": [[[1, 2, 1]] * 17]}))
    with pytest.raises(DataError, match="no valid example.*a.jpg"):
        build_laion_pose(tmp_path / "out", tmp_path, keypoints=tmp_path / "kp.json")
    assert not list((tmp_path / "out").rglob("*.array_record*"))


def test_existing_dataset_is_not_overwritten_silently(tmp_path):
    folder = build_pose_world(tmp_path, size=32, num_train=2, num_eval=1)
    with pytest.raises(DataError, match="built already"):
        build_pose_world(tmp_path, size=32, num_train=2, num_eval=1)
    build_pose_world(tmp_path, size=32, num_train=3, num_eval=1, overwrite=True)
    assert len(open_split(folder)) == 3


def test_bad_inputs_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="exactly one"):
        build_laion_pose(tmp_path, tmp_path)
    with pytest.raises(DataError, match="not found"):
        build_video_text(tmp_path, tmp_path / "missing.csv")
    (tmp_path / "t.csv").write_text("file,words\nx.mp4,hello\n")
    with pytest.raises(DataError, match="no caption column"):
        build_video_text(tmp_path, tmp_path / "t.csv")
    with pytest.raises(DataError, match="no built dataset"):
        open_split(tmp_path / "nothing")
