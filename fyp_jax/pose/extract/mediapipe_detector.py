"""The MediaPipe pose detector: up to `max_people` people per frame, tracked across frames, run
in a worker process inside MediaPipe's own environment (see `mediapipe_env`), frames streamed
over a pipe. The worker runs the Tasks API's PoseLandmarker on a bundle it packs from the
wheel's own BlazePose models (`worker/pose_task_bundle.py`): no download."""

import contextlib
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from fyp_jax.pose.extract import mediapipe_env
from fyp_jax.pose.extract.blazepose import blazepose_to_coco17
from fyp_jax.pose.extract.detector import DetectorUnavailableError
from fyp_jax.pose.extract.worker import frame_pipe

WORKER_SCRIPT = Path(__file__).parent / "worker" / "mediapipe_pose_worker.py"


class MediaPipeDetector:
    """MediaPipe PoseLandmarker (BlazePose full, as the legacy model_complexity=1) finding up to
    `max_people` people per frame. The environment is built on the first `detect` call, not at
    construction."""

    def __init__(
        self,
        max_people: int = 4,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ):
        self.max_people = max_people
        self.min_detection_confidence = min_detection_confidence
        self.min_tracking_confidence = min_tracking_confidence

    def detect(self, frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        python = mediapipe_env.ensure_mediapipe_python()
        command = [
            str(python),
            str(WORKER_SCRIPT),
            str(mediapipe_env.pose_bundle_path()),
            str(self.max_people),
            str(self.min_detection_confidence),
            str(self.min_tracking_confidence),
        ]
        with tempfile.TemporaryFile() as log_file:
            worker = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file
            )
            try:
                yield from _exchange(worker, frames, log_file)
            finally:
                _stop(worker)


def _exchange(
    worker: subprocess.Popen, frames: Iterable[np.ndarray], log_file
) -> Iterator[np.ndarray]:
    try:
        for frame in frames:
            frame_pipe.write_frame(worker.stdin, frame)
            landmarks = frame_pipe.read_result(worker.stdout)
            people = [blazepose_to_coco17(person, *frame.shape[:2]) for person in landmarks]
            yield np.asarray(people, np.float32).reshape(-1, 17, 3)
        frame_pipe.write_end(worker.stdin)
    except (BrokenPipeError, EOFError) as error:
        worker.wait(timeout=10)
        log_file.seek(0)
        lines = [
            line for line in log_file.read().decode(errors="replace").splitlines() if line.strip()
        ]
        raise DetectorUnavailableError(
            f"the MediaPipe worker stopped (exit status {worker.returncode}):"
            f" {lines[-1] if lines else error}; delete {mediapipe_env.mediapipe_venv_dir()} to"
            " have its environment rebuilt if this persists"
        ) from error


def _stop(worker: subprocess.Popen) -> None:
    """Close the worker's pipes (it exits at end of input) and reap it, killing it if it hangs."""
    with contextlib.suppress(BrokenPipeError):
        worker.stdin.close()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    worker.stdout.close()
