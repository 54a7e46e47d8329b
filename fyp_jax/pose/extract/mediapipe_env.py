"""The separate Python environment MediaPipe Pose runs in, created on first use.

mediapipe 0.10.21 (the last release whose wheel carries the pose landmark model) needs numpy<2
and protobuf<5, which the main environment cannot have, so it lives in its own virtual
environment: `$FYP_JAX_MEDIAPIPE_VENV`, default `<cache>/fyp_jax/mediapipe-venv` (cache =
`$XDG_CACHE_HOME` or ~/.cache). It is built with `python -m venv` and pip (about 1 GB, needs the
package index once) by `$FYP_JAX_MEDIAPIPE_PYTHON` (default: this interpreter; mediapipe 0.10.21
has wheels for CPython 3.9-3.12). The build happens in a temporary folder renamed into place,
so an interrupted build leaves nothing half-made behind.
"""

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from fyp_jax.pose.extract.detector import DetectorUnavailableError

VENV_VARIABLE = "FYP_JAX_MEDIAPIPE_VENV"
PYTHON_VARIABLE = "FYP_JAX_MEDIAPIPE_PYTHON"
REQUIREMENTS = ("mediapipe==0.10.21", "numpy<2", "protobuf<5", "opencv-contrib-python<4.12")
_READY_MARKER = "fyp_jax-ready.txt"
_IMPORT_CHECK = (
    "import numpy; from mediapipe.tasks.python.vision import PoseLandmarker; "
    "from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer"
)
_BUNDLE_NAME = "pose_landmarker_full.task"

log = logging.getLogger(__name__)


def mediapipe_venv_dir() -> Path:
    if os.environ.get(VENV_VARIABLE):
        return Path(os.environ[VENV_VARIABLE]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "fyp_jax" / "mediapipe-venv"


def pose_bundle_path() -> Path:
    """Where the worker keeps the PoseLandmarker bundle it packs from the wheel: in the
    environment's folder, so deleting it takes the bundle too."""
    return mediapipe_venv_dir() / _BUNDLE_NAME


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_mediapipe_python() -> Path:
    """The Python interpreter of a ready MediaPipe environment, building it when there is none."""
    venv = mediapipe_venv_dir()
    if (venv / _READY_MARKER).exists():
        return venv_python(venv)
    if venv.exists():
        python = venv_python(venv)
        if python.exists() and _run([python, "-c", _IMPORT_CHECK]).returncode == 0:
            return python
        raise DetectorUnavailableError(
            f"{venv} exists but is not a working MediaPipe environment; delete it to have it rebuilt,"
            f" or set {VENV_VARIABLE} to a virtual environment with {' '.join(REQUIREMENTS)}"
        )
    _build(venv)
    return venv_python(venv)


def _build(venv: Path) -> None:
    base_python = os.environ.get(PYTHON_VARIABLE) or sys.executable
    staging = venv.with_name(f"{venv.name}.building-{os.getpid()}")
    log.info(
        "first use of the MediaPipe detector: installing %s into %s (about 1 GB, one time)",
        " ".join(REQUIREMENTS),
        venv,
    )
    try:
        venv.parent.mkdir(parents=True, exist_ok=True)
        _check(_run([base_python, "-m", "venv", staging]), f"{base_python} -m venv")
        install = [
            venv_python(staging),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            *REQUIREMENTS,
        ]
        _check(_run(install), "pip install")
        _check(_run([venv_python(staging), "-c", _IMPORT_CHECK]), "importing mediapipe")
        (staging / _READY_MARKER).write_text("\n".join(REQUIREMENTS) + "\n")
        try:
            staging.rename(venv)
        except OSError:
            if not (venv / _READY_MARKER).exists():  # not built by a concurrent process either
                raise
    except OSError as error:
        raise DetectorUnavailableError(
            f"cannot create the MediaPipe environment {venv}: {error}"
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _run(command: list) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, check=False)


def _check(result: subprocess.CompletedProcess, step: str) -> None:
    if result.returncode == 0:
        return
    lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
    reason = lines[-1] if lines else f"exit status {result.returncode}"
    raise DetectorUnavailableError(
        f"cannot set up the MediaPipe detector ({step} failed: {reason}). It needs the package index"
        f" once and a CPython 3.9-3.12 (set {PYTHON_VARIABLE} to one); or build a virtual"
        f" environment with {' '.join(REQUIREMENTS)} yourself and set {VENV_VARIABLE} to it"
    )
