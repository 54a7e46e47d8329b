"""The web demo (app.py): its service called directly, then a real server on a free localhost port
driven with gradio_client. Every generation is 4 frames at 64x64 with 2 steps of the default model,
so the session compiles one program."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest

gr = pytest.importorskip("gradio", reason="the web demo needs gradio (pip install -e '.[app]')")
gradio_client = pytest.importorskip("gradio_client")

from app_server import free_port  # noqa: E402
from conftest import POSE_EXAMPLES  # noqa: E402

from configs.app import get_config  # noqa: E402
from fyp_jax.app.page import build_page, launch_options  # noqa: E402
from fyp_jax.app.service import DemoService, Request  # noqa: E402
from fyp_jax.bundle import load_bundle  # noqa: E402
from fyp_jax.errors import ConfigError, PoseInputError  # noqa: E402
from fyp_jax.pose import read_video  # noqa: E402
from fyp_jax.pose.classify import measure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [ROOT / p for p in get_config().examples]
POSE = EXAMPLES[0]             # assets/poseworld_pose.gif: 16 frames at 64x64
FRAMES, STEPS = 4, 2
GOOD = dict(prompt="a red figure waving on a beach background", frames=FRAMES, steps=STEPS,
            guidance=7.5, seed=0)


def request(**changes) -> Request:
    return Request(**{**GOOD, "pose": str(POSE), **changes})


def frame_count(path: str | Path) -> int:
    return len(read_video(path))


@pytest.fixture(scope="module")
def cfg():
    return get_config()


@pytest.fixture(scope="module")
def service(cfg):
    service = DemoService(load_bundle(ROOT / "assets/poseworld"), cfg)
    yield service
    service.close()
    assert not service.folder.exists()


@pytest.fixture(scope="module")
def server(service, cfg):
    cfg = cfg.copy_and_resolve_references()
    cfg.port = free_port()
    page = build_page(service, cfg, EXAMPLES)
    _, url, _ = page.launch(prevent_thread_lock=True, quiet=True, **launch_options(cfg, EXAMPLES))
    yield url                  # http://127.0.0.1:PORT/
    page.close()


@pytest.fixture(scope="module")
def client(server):
    return gradio_client.Client(server, verbose=False)


@pytest.mark.parametrize("changes, message", [
    (dict(prompt="  "), "the prompt is empty"),
    (dict(frames=0), "frames must be a whole number from 1 to 32, got 0"),
    (dict(frames=33), "frames must be a whole number from 1 to 32"),
    (dict(steps=0), "steps must be a whole number from 1 to 100"),
    (dict(stride=2.5), "stride must be a whole number"),
    (dict(guidance=float("nan")), "guidance must be from 0 to 30.0"),
    (dict(size="100x100"), "size '100x100' is not offered"),
    (dict(scheduler="euler"), "unknown scheduler 'euler'"),
    (dict(pose=None), "no pose"),
])
def test_requests_outside_the_limits_are_refused_before_any_work(service, changes, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        service.check(request(**changes))


def test_only_sizes_the_model_takes_are_offered(cfg):
    cfg = cfg.copy_and_resolve_references()
    cfg.limits.sizes = ("64x64", "72x72", "128x96")     # PoseWorld needs multiples of 16
    service = DemoService(load_bundle(ROOT / "assets/poseworld"), cfg)
    service.close()
    assert service.sizes == ["64x64", "128x96"]


def test_out_of_vocabulary_words_get_a_note(service):
    assert service.vocabulary_note("a red figure waving on a beach background") is None
    note = service.vocabulary_note("an astronaut waving on the moon")
    assert note.startswith("an, astronaut, the, moon: outside this model's training vocabulary")


def test_a_text_file_is_not_a_pose(service, tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("not a video\n")
    with pytest.raises(PoseInputError, match="notes.mp4"):
        service.skeleton(request(pose=str(fake)))


def test_preview_shows_the_chosen_frames_and_says_when_the_stride_was_lowered(service):
    path, notes = service.preview(request(frames=FRAMES, stride=10))
    assert read_video(path).shape == (FRAMES, 64, 64, 3)
    assert any("using stride 5" in n for n in notes)     # 16 frames: 4 at stride 10 do not fit


@pytest.mark.slow
def test_a_video_of_a_person_is_extracted_and_its_skeleton_shown(service, tmp_path):
    dance = POSE_EXAMPLES / "dancing_example_4.mp4"
    if not dance.exists():
        pytest.skip(f"{dance} not here")
    upload = tmp_path / "dance.mp4"         # as gradio stores an upload: a copy, writable folder
    shutil.copy(dance, upload)
    path, notes = service.preview(request(pose=str(upload), frames=8, stride=4, size="256x256"))
    assert any("extracting its skeleton" in n for n in notes)
    assert read_video(path).shape == (8, 256, 256, 3)
    assert measure(read_video(path)).is_skeleton


def test_generate_writes_video_grid_and_downloads(service):
    result = service.generate(request(prompt="a red astronaut waving on a beach background"))
    assert read_video(result.video).shape == (FRAMES, 64, 64, 3)
    assert read_video(result.grid).shape == (FRAMES, 64, 128, 3)        # skeleton | video
    assert [p.suffix for p in result.downloads] == [".mp4", ".gif", ".mp4", ".gif"]
    assert frame_count(result.downloads[1]) == FRAMES
    assert result.notes[0].startswith("astronaut: outside")


def test_the_page_loads_nothing_from_the_internet(server):
    html = httpx.get(server).text
    external = re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []
    css = httpx.get(f"{server}theme.css").text
    assert "@font-face" in css                                # fonts, served by gradio itself
    assert re.findall(r"""(?:url\(|@import)\s*["']?(https?://[^"')]+)""", css) == []


def test_client_generate_returns_a_playable_video_of_the_requested_length(client):
    video, grid = client.predict(pose=gradio_client.handle_file(POSE), api_name="/generate",
                                 **GOOD)
    assert read_video(video).shape == (FRAMES, 64, 64, 3)
    assert read_video(grid).shape == (FRAMES, 64, 128, 3)


def test_bad_inputs_give_one_line_errors_and_the_server_keeps_serving(client, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a video\n")
    disguised = tmp_path / "notes.mp4"
    disguised.write_text("not a video\n")
    pose = gradio_client.handle_file(POSE)
    cases = [
        (dict(pose=gradio_client.handle_file(text)), "Invalid file type"),
        (dict(pose=gradio_client.handle_file(disguised)), "cannot read video"),
        (dict(pose=pose, frames=0), "Value 0 is less than minimum value 1"),
        (dict(pose=pose, prompt=""), "the prompt is empty"),
    ]
    for changes, message in cases:
        with pytest.raises(gradio_client.exceptions.AppError) as error:
            client.predict(api_name="/generate", **{**GOOD, **changes})
        assert message in str(error.value)
        assert "\n" not in str(error.value) and "Traceback" not in str(error.value)
    video, _ = client.predict(pose=pose, api_name="/generate", **GOOD)
    assert frame_count(video) == FRAMES


def test_a_server_path_that_was_not_uploaded_is_never_read(server, service):
    """gradio_client would upload a local file itself, so this call is made over plain HTTP."""
    before = set(service.folder.iterdir())
    data = [GOOD["prompt"], {"path": str(POSE), "meta": {"_type": "gradio.FileData"}},
            FRAMES, STEPS, 7.5, 0, "", 1, 0, "64x64", "ddim"]
    event = httpx.post(f"{server}gradio_api/call/generate", json={"data": data}).json()
    answer = httpx.get(f"{server}gradio_api/call/generate/{event['event_id']}", timeout=60).text
    assert answer.startswith("event: error")
    assert set(service.folder.iterdir()) == before          # nothing was generated


def test_launch_is_local_and_private(cfg):
    options = launch_options(cfg, EXAMPLES)
    assert options["server_name"] == "127.0.0.1" and options["share"] is False
    assert options["allowed_paths"] == [str(p.resolve()) for p in EXAMPLES]
    assert options["max_file_size"] == "50mb"
