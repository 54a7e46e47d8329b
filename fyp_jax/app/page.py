"""The demo's gradio page over a :class:`DemoService`, and its one public API endpoint.

``generate`` (``api_name="generate"``) takes ``prompt``, ``pose`` (a file), ``frames``, ``steps``,
``guidance``, ``seed`` and optionally ``negative_prompt``, ``stride``, ``start``, ``size``,
``scheduler`` by keyword, and returns the video file and the skeleton | video grid file. The
page's other events (pose preview, vocabulary check, downloads) are private.

Offline by construction: analytics off (the caller sets ``GRADIO_ANALYTICS_ENABLED=False`` before
gradio is imported, as app.py does), the default theme's fonts are served by gradio itself, and
``launch_options`` keeps ``share`` off and binds the configured host only.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import ml_collections

from fyp_jax.app.service import DemoService, Request
from fyp_jax.errors import FypError
from fyp_jax.schedulers import SCHEDULERS

POSE_FILE_TYPES = [".mp4", ".mov", ".webm", ".avi", ".mkv", ".gif", ".json", ".npy", ".npz"]
TITLE = "FollowYourPose in JAX: pose-guided text-to-video"
# gradio recognises a progress parameter by its default value, an instance of gr.Progress.
STEPS_PROGRESS = gr.Progress()
TQDM_PROGRESS = gr.Progress(track_tqdm=True)   # the pose extraction's tqdm bar, in the page
VIDEO_HEIGHT = 280


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A ``FypError`` becomes a ``gr.Error``: one line in the page, no traceback; the server goes
    on serving. (gradio reads the wrapped function's signature for the API's parameter names.)"""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FypError as error:
            raise gr.Error(str(error).split("\n")[0], print_exception=False) from None
    return wrapper


def build_page(service: DemoService, cfg: ml_collections.ConfigDict,
               examples: Sequence[Path]) -> gr.Blocks:
    """The Blocks of the demo: pose and settings on the left, results on the right."""
    d, lim = cfg.defaults, cfg.limits

    @user_errors
    def generate(prompt: str, pose: str | None, frames: int, steps: int, guidance: float,
                 seed: int, negative_prompt: str = d.negative_prompt, stride: int = d.stride,
                 start: int = d.start, size: str = d.size, scheduler: str = d.scheduler,
                 progress: gr.Progress = STEPS_PROGRESS) -> tuple[str, str, list[str]]:
        request = Request(prompt, pose, frames, steps, guidance, seed, negative_prompt, stride,
                          start, size, scheduler)
        service.check(request)
        progress((0, int(steps)), desc="denoising", unit="steps")
        # Steps may be reported from another thread; run the report in this request's context.
        context = contextvars.copy_context()
        result = service.generate(request, lambda i: context.run(
            progress, (i + 1, int(steps)), desc="denoising", unit="steps"))
        for note in result.notes:
            gr.Warning(note)
        return str(result.video), str(result.grid), [str(p) for p in result.downloads]

    @user_errors
    def preview(pose: str | None, frames: int, stride: int, start: int, size: str,
                progress: gr.Progress = TQDM_PROGRESS) -> str | None:
        if not pose:
            return None
        request = Request("preview", pose, frames, 1, 0.0, 0, stride=stride, start=start,
                          size=size)
        path, notes = service.preview(request)
        for note in notes:
            gr.Warning(note)
        return str(path)

    def vocabulary(prompt: str) -> str:
        note = service.vocabulary_note(prompt)
        return f"⚠ {note}" if note else ""

    with gr.Blocks(title=TITLE, analytics_enabled=False,
                   delete_cache=(lim.keep_outputs_s, lim.keep_outputs_s)) as page:
        gr.Markdown(f"## {TITLE}\nUpload a skeleton video, a keypoint JSON or a video of a person "
                    "(its skeleton is extracted), or pick an example; describe the video; "
                    "Generate.")
        with gr.Row():
            with gr.Column():
                pose = gr.File(label="Pose", file_types=POSE_FILE_TYPES, type="filepath",
                               height=160, elem_id="pose")
                gr.Examples([[str(p)] for p in examples], inputs=[pose], label="Example poses",
                            elem_id="examples")
            skeleton = gr.Video(label="Skeleton used (the chosen frames)", interactive=False,
                                autoplay=True, loop=True, height=VIDEO_HEIGHT, elem_id="skeleton")
        with gr.Row(equal_height=True):
            prompt = gr.Textbox(label="Prompt", value=d.prompt, scale=4, elem_id="prompt")
            button = gr.Button("Generate", variant="primary", scale=1, elem_id="generate")
        unknown_words = gr.Markdown(elem_id="unknown-words")
        if service.bundle.vocabulary:
            gr.Markdown("This model knows only these words: "
                        + " ".join(service.bundle.vocabulary))
        with gr.Accordion("Settings", open=False):
            negative = gr.Textbox(label="Negative prompt", value=d.negative_prompt)
            with gr.Row():
                frames = gr.Slider(1, lim.max_frames, value=d.frames, step=1, label="Frames")
                stride = gr.Slider(1, lim.max_stride, value=d.stride, step=1,
                                   label="Stride (every n-th pose frame)")
                start = gr.Slider(0, lim.max_start, value=d.start, step=1,
                                  label="Start (first pose frame)")
                size = gr.Dropdown(service.sizes, value=d.size, label="Size (HEIGHTxWIDTH)")
            with gr.Row():
                steps = gr.Slider(1, lim.max_steps, value=d.steps, step=1, label="Steps")
                guidance = gr.Slider(0, lim.max_guidance, value=d.guidance, step=0.5,
                                     label="Guidance")
                seed = gr.Number(value=d.seed, precision=0, label="Seed")
                scheduler = gr.Dropdown(list(SCHEDULERS), value=d.scheduler, label="Scheduler")
        with gr.Row():
            video = gr.Video(label="Video", interactive=False, autoplay=True, loop=True,
                             height=VIDEO_HEIGHT, elem_id="video")
            grid = gr.Video(label="Skeleton | video", interactive=False, autoplay=True,
                            loop=True, height=VIDEO_HEIGHT, elem_id="grid")
        downloads = gr.File(label="Downloads (mp4, gif)", file_count="multiple",
                            interactive=False, height=120)
        files = gr.State()

        inputs = [prompt, pose, frames, steps, guidance, seed, negative, stride, start, size,
                  scheduler]
        button.click(generate, inputs, [video, grid, files], api_name="generate",
                     concurrency_id="generate",
                     concurrency_limit=lim.concurrency_per_device).then(
            lambda paths: paths, files, downloads, api_visibility="private")
        gr.on([pose.change, frames.release, stride.release, start.release, size.change],
              preview, [pose, frames, stride, start, size], skeleton, api_visibility="private",
              concurrency_id="preview", concurrency_limit=2, trigger_mode="always_last")
        prompt.change(vocabulary, prompt, unknown_words, api_visibility="private",
                      queue=False)
    page.queue(max_size=lim.max_queue)
    return page


def launch_options(cfg: ml_collections.ConfigDict, examples: Sequence[Path]) -> dict[str, Any]:
    """``Blocks.launch`` keywords: bound to ``cfg.host`` only, never shared, uploads capped, the
    example files the only ones of ours it may serve besides its own outputs."""
    return dict(server_name=cfg.host, server_port=cfg.port, share=False,
                max_file_size=f"{cfg.limits.max_upload_mb}mb", show_error=False,
                allowed_paths=[str(p.resolve()) for p in examples], footer_links=["api"],
                theme=gr.themes.Default(), run_history=False, enable_monitoring=False,
                mcp_server=False, ssr_mode=False, pwa=False)
