"""The bad-input battery: mistakes a new user makes with infer, evaluate, the trainers, convert,
pose and data, each run as the command line would run it (tests/bad_input_runner.py: one
process, a fork per case) from an empty folder outside the repository. Every case must exit
non-zero with exactly one `error:` line that says what is wrong, no traceback, and leave its
folder empty (no output written)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import POSE_EXAMPLES

PROJECT = Path(__file__).resolve().parents[1]
CONFIGS = PROJECT / "configs"
BUNDLE = PROJECT / "assets" / "poseworld"
RUNNER = Path(__file__).resolve().parent / "bad_input_runner.py"
RAW = str(POSE_EXAMPLES / "dancing_example_4.mp4")
TWO_DANCERS = PROJECT / "docs" / "two_dancers.json"
NOT_UTF8 = "a dancer \udcff"  # how Python hands over an argument with an undecodable byte

# (id, argv, what the error line must say, exit status); {in} = the folder of prepared inputs
CASES = [
    # infer: flags and config files
    ("infer-unknown-config-field", ["infer.py", "--config.stepz=3"],
     "unknown config field --config.stepz (did you mean --config.steps?)", 1),
    ("infer-config-is-a-folder", ["infer.py", f"--config={CONFIGS}"], "is a folder", 1),
    ("infer-config-missing", ["infer.py", "--config=nope.py"], "config file not found: nope.py", 1),
    ("infer-config-not-python", ["infer.py", f"--config={PROJECT / 'README.md'}"],
     "cannot load config file", 1),
    ("infer-unknown-flag", ["infer.py", "--framez=2"], "did you mean --frames?", 1),
    ("infer-flag-not-a-number", ["infer.py", "--steps=abc"], "--steps=abc", 1),
    ("infer-frames-not-a-number", ["infer.py", "--frames=abc"], "--frames 'abc'", 1),
    ("infer-stray-argument", ["infer.py", "dance.mp4"], "unexpected arguments", 1),
    # infer: numbers
    ("infer-guidance-nan", ["infer.py", "--guidance=nan"], "finite", 1),
    ("infer-guidance-inf", ["infer.py", "--guidance=inf"], "finite", 1),
    ("infer-steps-negative", ["infer.py", "--steps=-5"], "num_steps must be at least 1", 1),
    ("infer-config-steps-negative", ["infer.py", "--config.steps=-5"], "at least 1", 1),
    ("infer-frames-negative", ["infer.py", "--frames=-3"], "--frames must be at least 1", 1),
    ("infer-height-not-a-multiple", ["infer.py", "--height=100"], "multiple of 16", 1),
    ("infer-unknown-scheduler", ["infer.py", "--scheduler=euler_magic"], "euler_magic", 1),
    ("infer-stride-zero", ["infer.py", "--stride=0"], "--stride must be at least 1", 1),
    ("infer-start-negative", ["infer.py", "--start=-1"], "--start at least 0", 1),
    ("infer-batch-size-zero", ["infer.py", "--batch_size=0"], "--batch_size must be at least 1", 1),
    # infer: text
    ("infer-empty-prompt", ["infer.py", "--prompt="], "no prompt given", 1),
    ("infer-blank-prompt", ["infer.py", "--prompt=  "], "no prompt given", 1),
    ("infer-prompt-not-utf8", ["infer.py", f"--prompt={NOT_UTF8}"], "not valid UTF-8", 1),
    ("infer-negative-prompt-not-utf8", ["infer.py", f"--negative_prompt={NOT_UTF8}"],
     "--negative_prompt is not valid UTF-8", 1),
    # infer: pose sources
    ("infer-pose-empty", ["infer.py", "--pose="], "--pose is empty", 1),
    ("infer-pose-missing", ["infer.py", "--pose=/nonexistent/pose.mp4"],
     "not found: /nonexistent/pose.mp4", 1),
    ("infer-pose-not-a-video", ["infer.py", "--pose={in}/broken.mp4"], "cannot read video", 1),
    ("infer-pose-all-black", ["infer.py", "--pose={in}/black.mp4"],
     "black in every sampled frame", 1),
    ("infer-raw-video-no-extract", ["infer.py", f"--pose={RAW}", "--noextract"],
     "looks like a video of a person", 1),
    ("infer-pose-bad-json", ["infer.py", "--pose={in}/bad.json"], "bad.json", 1),
    ("infer-per-person-skeleton-video", ["infer.py", "--config.per_person=True"],
     "is a skeleton video, whose people cannot be told apart", 1),
    ("infer-per-person-unsplittable", ["infer.py", "--config.per_person=True",
                                       f"--pose={TWO_DANCERS}", "--prompt=two dancers"],
     "cannot split 'two dancers' into its figures", 1),
    ("infer-per-person-count", ["infer.py", "--config.per_person=True", f"--pose={TWO_DANCERS}",
                                "--config.person_prompts=('a red figure',)"],
     "1 person prompt(s) for the 2 people", 1),
    ("infer-person-prompts-alone", ["infer.py", "--config.person_prompts=('a red figure',)"],
     "go with --config.per_person=True", 1),
    ("infer-source-video-missing", ["infer.py", "--source_video=/nonexistent/v.mp4"],
     "not found: /nonexistent/v.mp4", 1),
    # infer: outputs and models
    ("infer-out-is-a-file", ["infer.py", "--out={in}/a_file"], "is an existing file", 1),
    ("infer-out-under-a-file", ["infer.py", "--out={in}/a_file/videos"], "cannot write in", 1),
    ("infer-model-empty", ["infer.py", "--model="], "--model is empty", 1),
    ("infer-model-missing", ["infer.py", "--model=/nonexistent/model"], "/nonexistent/model", 1),
    ("infer-model-empty-folder", ["infer.py", "--model={in}/empty"],
     "not a diffusers Stable Diffusion folder", 1),
    ("infer-truncated-safetensors", ["infer.py", "--model={in}/truncated"],
     "unet.safetensors is truncated", 1),
    ("infer-bundle-without-vae", ["infer.py", "--model={in}/no_vae"],
     "components missing ['vae']", 1),
    ("infer-bundle-json-corrupt", ["infer.py", "--model={in}/bad_json"],
     "bundle.json", 1),
    ("infer-prompts-file-missing", ["infer.py", "--prompts_file=/nonexistent/jobs.jsonl"],
     "/nonexistent/jobs.jsonl", 1),
    # evaluate
    ("evaluate-size-100", ["evaluate.py", "--size=100"], "multiple of 16", 1),
    ("evaluate-size-zero", ["evaluate.py", "--size=0"], "--size must be at least 1", 1),
    ("evaluate-unknown-variant", ["evaluate.py", "--variants=full,nope"], "unknown --variants", 1),
    ("evaluate-num-zero", ["evaluate.py", "--num=0"], "--num must be at least 1", 1),
    ("evaluate-guidance-nan", ["evaluate.py", "--guidance=nan"], "finite", 1),
    ("evaluate-truncated-bundle", ["evaluate.py", "--model={in}/truncated"], "truncated", 1),
    ("evaluate-not-a-bundle", ["evaluate.py", "--model={in}/empty"], "not a fyp_jax model bundle",
     1),
    ("evaluate-out-is-a-file", ["evaluate.py", "--out={in}/a_file"], "is an existing file", 1),
    ("evaluate-clip-missing", ["evaluate.py", "--clip=/nonexistent/clip"], "--clip", 1),
    # training
    ("train-num-steps-negative", ["train_stage2.py", "--config.workdir=w",
                                  "--config.num_steps=-5"], "num_steps=-5", 1),
    ("train-lr-nan", ["train_stage2.py", "--config.workdir=w", "--config.optim.lr=nan"],
     "optim.lr=nan", 1),
    ("train-unknown-field", ["train_stage2.py", "--config.workdir=w", "--config.optim.lrr=1"],
     "did you mean --config.optim.lr?", 1),
    ("train-no-workdir", ["train_stage2.py"], "set --config.workdir", 1),
    ("train-workdir-is-a-file", ["train_stage2.py", "--config.workdir={in}/a_file"],
     "is an existing file", 1),
    ("train-size-not-a-multiple", ["train_stage2.py", "--config.workdir=w",
                                   "--config.data.height=20"], "multiples of 8", 1),
    ("train-batch-size-zero", ["train_stage1.py", "--config.workdir=w", "--config.batch_size=0"],
     "batch_size=0", 1),
    ("train-wrong-stage-config", ["train_stage1.py", f"--config={CONFIGS / 'train_stage2_tiny.py'}",
                                  "--config.workdir=w"],
     "this script trains stage(s) [0, 1]", 1),
    ("train-config-missing", ["train_stage1.py", "--config=nope.py"], "config file not found", 1),
    ("train-init-missing", ["train_stage2.py", "--config.workdir=w",
                            "--config.init.model=/nonexistent/sd"], "/nonexistent/sd", 1),
    # convert
    ("convert-sd-missing", ["-m", "fyp_jax.convert", "--sd", "/nonexistent/sd", "--out", "b"],
     "/nonexistent/sd", 1),
    ("convert-sd-not-diffusers", ["-m", "fyp_jax.convert", "--sd", "{in}/empty", "--out", "b"],
     "not a diffusers Stable Diffusion folder", 1),
    ("convert-no-source", ["-m", "fyp_jax.convert", "--out", "b"], "is required", 2),
    ("convert-snapshot-missing", ["-m", "fyp_jax.convert", "--from-snapshot", "/nonexistent/s",
                                  "--out", "b"], "/nonexistent/s", 1),
    # pose
    ("pose-extract-nobody", ["-m", "fyp_jax.pose", "extract", "{in}/noise.mp4", "--out", "s.mp4",
                             "--no-progress"], "no person found", 1),
    ("pose-render-missing", ["-m", "fyp_jax.pose", "render", "/nonexistent/k.json", "--out",
                             "s.mp4"], "not found", 1),
    ("pose-render-bad-json", ["-m", "fyp_jax.pose", "render", "{in}/bad.json", "--out", "s.mp4"],
     "bad.json", 1),
    ("pose-show-missing", ["-m", "fyp_jax.pose", "show", "/nonexistent/v.mp4"], "not found", 1),
    ("pose-bad-size", ["-m", "fyp_jax.pose", "render", "{in}/bad.json", "--out", "s.mp4",
                       "--size", "0x5"], "expected HEIGHTxWIDTH", 2),
    # data
    ("data-laion-source-missing", ["-m", "fyp_jax.data", "build", "laion_pose", "/nonexistent/i",
                                   "--keypoints", "{in}/bad.json", "--data-dir", "d"],
     "/nonexistent/i", 1),
    ("data-video-table-missing", ["-m", "fyp_jax.data", "build", "video_text",
                                  "/nonexistent/t.csv", "--data-dir", "d"], "/nonexistent/t.csv", 1),
    ("data-latents-source-not-built", ["-m", "fyp_jax.data", "build", "latents", "{in}/empty",
                                       "--bundle", str(BUNDLE), "--data-dir", "d"],
     "no built dataset in", 1),
]


def make_inputs(folder: Path) -> None:
    from fyp_jax.pose import write_video

    folder.mkdir()
    (folder / "broken.mp4").write_bytes(b"\x00garbage" * 100)
    write_video(folder / "black.mp4", np.zeros((4, 32, 32, 3), np.uint8), fps=8)
    noise = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    write_video(folder / "noise.mp4", noise, fps=8)
    (folder / "bad.json").write_text('{"people": [')
    (folder / "a_file").write_text("not a folder")
    (folder / "empty").mkdir()
    for name in ("truncated", "no_vae", "bad_json"):
        shutil.copytree(BUNDLE, folder / name)
    unet = folder / "truncated" / "unet.safetensors"
    unet.write_bytes(unet.read_bytes()[: unet.stat().st_size // 2])
    meta = json.loads((folder / "no_vae" / "bundle.json").read_text())
    del meta["components"]["vae"]
    (folder / "no_vae" / "bundle.json").write_text(json.dumps(meta))
    (folder / "bad_json" / "bundle.json").write_text('{"format": "fyp_jax.bundle", ')


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_inputs")
    inputs = root / "in"
    make_inputs(inputs)
    cases = []
    for case_id, argv, _, _ in CASES:
        cwd = root / "cases" / case_id
        cwd.mkdir(parents=True)
        cases.append(dict(id=case_id, cwd=str(cwd),
                          argv=[a.replace("{in}", str(inputs)) for a in argv],
                          setup="nobody_detector" if case_id == "pose-extract-nobody" else None))
    (root / "cases.json").write_text(json.dumps(cases))
    done = subprocess.run([sys.executable, str(RUNNER), str(root / "cases.json"),
                           str(root / "results.json")], capture_output=True, text=True,
                          timeout=900, env=_env())
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads((root / "results.json").read_text())
    return {case["id"]: dict(found[case["id"]], cwd=Path(case["cwd"])) for case in cases}


def _env() -> dict:
    import os

    return dict(os.environ, JAX_PLATFORMS="cpu")


def test_the_battery_is_large_and_distinct():
    ids = [c[0] for c in CASES]
    inputs = [tuple(c[1]) for c in CASES]
    assert len(set(ids)) == len(ids) and len(set(inputs)) == len(inputs)
    tools = {"infer", "evaluate", "train", "convert", "pose", "data"}
    assert {i.split("-")[0] for i in ids} == tools and len(CASES) >= 40


@pytest.mark.parametrize(("case_id", "expected", "code"), [(c[0], c[2], c[3]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input(results, case_id, expected, code):
    result = results[case_id]
    output = result["output"]
    errors = [line for line in output.splitlines() if "error:" in line]
    assert "Traceback" not in output and "Fatal Python error" not in output, output[-3000:]
    assert result["code"] == code, output[-3000:]
    assert len(errors) == 1, output[-3000:]
    assert expected in errors[0], errors[0]
    assert list(result["cwd"].iterdir()) == [], f"left behind: {list(result['cwd'].iterdir())}"
