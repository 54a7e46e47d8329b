"""`python -m fyp_jax.data`: builds print their folder and counts; user errors are one line."""

import pytest

from fyp_jax.data import open_split
from fyp_jax.data.cli import main


def test_build_pose_world_prints_the_folder(tmp_path, capsys):
    args = ["--data-dir", str(tmp_path), "--kind", "clip", "--size", "32", "--num-frames", "2"]
    assert main(["build", "pose_world", *args, "--num-train", "2", "--num-eval", "1"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    folder, counts = printed.split(": ")
    assert counts == "train 2, eval 1, eval_style 1, eval_multi 1"
    assert open_split(folder, "eval")[0]["frames"].shape == (2,)
    multi = open_split(folder, "eval_multi")[0]
    assert len(multi["color"].split()) == multi["keypoints"].shape[1] >= 2


def test_user_error_is_one_line_and_status_1(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "video_text", str(tmp_path / "missing.csv"), "--data-dir", str(tmp_path)])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.startswith("error: video table not found")


def test_sheet_writes_three_pictures(tmp_path):
    assert main(["sheet", "--out", str(tmp_path), "--size", "32"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "poseworld_eval.png",
        "poseworld_held_out.png",
        "poseworld_train.png",
    ]
