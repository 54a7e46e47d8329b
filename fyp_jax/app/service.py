"""The web demo's work, without the page: one warm Pipeline serves every request; a request is
checked against the config's limits before anything runs; files are written into a private
temporary folder, whose entries older than ``limits.keep_outputs_s`` go as new requests come and
which is deleted by :meth:`DemoService.close`.

Every error a user can cause is a ``FypError`` with a one-line message; the page shows it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import ml_collections
import numpy as np

from fyp_jax.bundle import ModelBundle
from fyp_jax.errors import ConfigError, FypError
from fyp_jax.pipeline import Pipeline, SamplingOptions
from fyp_jax.pipeline.outputs import write_outputs
from fyp_jax.pipeline.pipeline import check_size
from fyp_jax.pose import load_pose_frames, write_video
from fyp_jax.sharding import local_mesh


@dataclasses.dataclass(frozen=True)
class Request:
    """One generation as the page or an API call asks for it. ``pose``: the path of an uploaded
    file (skeleton video, keypoint file or video of a person) or of a shipped example; ``size``:
    ``HEIGHTxWIDTH``."""

    prompt: str
    pose: str | None
    frames: int
    steps: int
    guidance: float
    seed: int
    negative_prompt: str = ""
    stride: int = 1
    start: int = 0
    size: str = "64x64"
    scheduler: str = "ddim"

    @property
    def height_width(self) -> tuple[int, int]:
        height, width = self.size.lower().split("x")
        return int(height), int(width)


@dataclasses.dataclass(frozen=True)
class Result:
    """What one generation wrote, and what the user should be told about it."""

    video: Path            # mp4
    grid: Path             # mp4: skeleton | video
    downloads: list[Path]  # video and grid, mp4 and gif
    notes: list[str]       # vocabulary and pose warnings


class DemoService:
    """Generation for the web demo with one model, over every local device (a CPU: its cores)."""

    def __init__(self, bundle: ModelBundle, cfg: ml_collections.ConfigDict) -> None:
        self.bundle = bundle
        self.limits = cfg.limits
        self.fps = cfg.fps
        self.pipeline = Pipeline(bundle, local_mesh())
        self.sizes = [s for s in self.limits.sizes if _fits(bundle, s)]
        if not self.sizes:
            raise ConfigError(f"none of the sizes {list(self.limits.sizes)} suits this model "
                              f"(multiples of {bundle.size_multiple}); set --config.limits.sizes")
        self.folder = Path(tempfile.mkdtemp(prefix="fyp_jax_app_"))   # every file it writes

    def check(self, request: Request) -> None:
        """ConfigError for a request outside the limits, before any work."""
        lim = self.limits
        if not request.prompt or not request.prompt.strip():
            raise ConfigError("the prompt is empty: describe the video to generate")
        if not request.pose:
            raise ConfigError("no pose: upload a skeleton video, a keypoint JSON or a video of a "
                              "person, or pick an example")
        for name, value, low, high in (("frames", request.frames, 1, lim.max_frames),
                                       ("steps", request.steps, 1, lim.max_steps),
                                       ("stride", request.stride, 1, lim.max_stride),
                                       ("start", request.start, 0, lim.max_start)):
            if value != int(value) or not low <= value <= high:
                raise ConfigError(f"{name} must be a whole number from {low} to {high}, got "
                                  f"{value}")
        if not (math.isfinite(request.guidance) and 0 <= request.guidance <= lim.max_guidance):
            raise ConfigError(f"guidance must be from 0 to {lim.max_guidance}, got "
                              f"{request.guidance}")
        if request.size not in self.sizes:
            raise ConfigError(f"size {request.size!r} is not offered; choose one of "
                              f"{', '.join(self.sizes)}")
        self._options(request).check()

    def vocabulary_note(self, prompt: str) -> str | None:
        """A warning for words the model never saw in training (None for an open vocabulary)."""
        unknown = self.bundle.unknown_words(prompt or "")
        if not unknown:
            return None
        return (f"{', '.join(unknown)}: outside this model's training vocabulary; expect little "
                f"or unpredictable effect")

    def skeleton(self, request: Request) -> tuple[np.ndarray, list[str]]:
        """The skeleton frames the request uses, float32 ``[frames, H, W, 3]`` in [0, 1], and the
        pose toolkit's warnings (a lowered stride, an extracted raw video)."""
        with _warnings_of("fyp_jax.pose") as notes:
            frames = load_pose_frames(request.pose, int(request.frames), stride=int(request.stride),
                                      start=int(request.start), size=request.height_width)
        return frames, notes

    def preview(self, request: Request) -> tuple[Path, list[str]]:
        """An mp4 of the skeleton the request would use, and the pose toolkit's warnings."""
        frames, notes = self.skeleton(request)
        return write_video(self._new_folder() / "skeleton.mp4", frames, self.fps), notes

    def generate(self, request: Request,
                 progress: Callable[[int], None] | None = None) -> Result:
        """Check the request, load its pose, sample; ``progress(i)`` after step i."""
        self.check(request)
        skeleton, notes = self.skeleton(request)
        vocabulary = self.vocabulary_note(request.prompt)
        height, width = request.height_width
        videos = self.pipeline([request.prompt], skeleton, frames=int(request.frames),
                               height=height, width=width, options=self._options(request),
                               progress=progress)
        video, gif, grid, grid_gif = write_outputs(self._new_folder(), [request.prompt], videos,
                                                   skeleton, self.fps)
        return Result(video, grid, [video, gif, grid, grid_gif],
                      ([vocabulary] if vocabulary else []) + notes)

    def close(self) -> None:
        """Delete every file this service wrote."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def _options(self, request: Request) -> SamplingOptions:
        return SamplingOptions(num_steps=int(request.steps), guidance_scale=float(request.guidance),
                               seed=int(request.seed), scheduler=request.scheduler,
                               negative_prompt=request.negative_prompt or "")

    def _new_folder(self) -> Path:
        """A fresh folder for one request's files, after deleting those of expired requests."""
        cutoff = time.time() - self.limits.keep_outputs_s
        for old in self.folder.iterdir():
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        folder = self.folder / uuid.uuid4().hex
        folder.mkdir()
        return folder


def _fits(bundle: ModelBundle, size: str) -> bool:
    height, width = (int(v) for v in size.lower().split("x"))
    try:
        check_size(bundle, height, width)
    except FypError:
        return False
    return True


@contextlib.contextmanager
def _warnings_of(logger_name: str) -> Iterator[list[str]]:
    """Collect the warnings that ``logger_name`` logs from this thread (requests run in threads
    side by side)."""
    notes: list[str] = []
    thread = threading.get_ident()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                notes.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield notes
    finally:
        logger.removeHandler(handler)
