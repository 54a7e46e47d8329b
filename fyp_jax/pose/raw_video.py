"""Keypoints of a video of people, extracted once and cached by the video's content.

The cache file `<video stem>.pose-<hash>.npz` lies beside the video; when that folder is not
writable, in `$XDG_CACHE_HOME/fyp_jax/poses/` (default ~/.cache). `<hash>` is the SHA-256 of the
video's bytes and the extraction settings, so an edited video is extracted again and a renamed
copy is not.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
from pathlib import Path

from fyp_jax.errors import PoseInputError
from fyp_jax.pose.extract import create_detector, extract_keypoints
from fyp_jax.pose.keypoints import PoseSequence, load_keypoints, save_keypoints
from fyp_jax.pose.render import DEFAULT_MIN_CONFIDENCE
from fyp_jax.pose.smoothing import smooth_keypoints

DETECTOR = "mediapipe"
# One-Euro smoothing as `python -m fyp_jax.pose extract` does it by default.
SMOOTHING = dict(min_cutoff=1.0, beta=0.05)
# v2: the detector finds every person (up to its default, 4), not one.
_SETTINGS = f"{DETECTOR} smooth {SMOOTHING['min_cutoff']} {SMOOTHING['beta']} v2".encode()

log = logging.getLogger(__name__)


def extract_command(path: str | Path) -> str:
    """The command that turns the raw video `path` into a skeleton video (written beside it, or in
    the working folder when its folder is read-only)."""
    path = Path(path)
    out = path.stem + "_skeleton.mp4"
    if writable(path.parent):
        out = path.with_name(out)
    return f"python -m fyp_jax.pose extract {path} --out {out}"


def content_hash(path: Path) -> str:
    """SHA-256 (16 hex digits) of a file's bytes, or of a folder's file names and bytes, plus
    the extraction settings."""
    digest = hashlib.sha256(_SETTINGS)
    for file in sorted(path.iterdir()) if path.is_dir() else [path]:
        if file.is_file():
            digest.update(file.name.encode() if path.is_dir() else b"")
            with open(file, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def writable(folder: Path) -> bool:
    """Whether files may be added to `folder`: its mode allows it (also for root, who could
    write anyway: a read-only folder is meant to stay as it is) and the OS agrees."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IWUSR) and os.access(folder, os.W_OK | os.X_OK)


def cache_path(path: Path, key: str) -> Path:
    """Where the keypoints of `path` are cached: beside it when its folder is writable."""
    folder = path.parent
    if not writable(folder):
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = root / "fyp_jax" / "poses"
    return folder / f"{path.stem}.pose-{key}.npz"


def extracted_keypoints(path: str | Path, progress: bool = True) -> PoseSequence:
    """COCO-17 keypoints of every frame of the raw video `path` (smoothed), from the cache or
    extracted now with the MediaPipe detector (with a progress bar) and cached. PoseInputError
    when no frame shows a person."""
    path = Path(path)
    cached = cache_path(path, content_hash(path))
    if cached.is_file():
        log.info("%s: skeleton extracted earlier, from %s", path, cached)
        return load_keypoints(cached)
    log.warning("%s is a video of a person, not a skeleton video: extracting its skeleton with %s "
                "(once; cached in %s)", path, DETECTOR, cached)
    seq = extract_keypoints(path, create_detector(DETECTOR), progress=progress)
    require_person(seq, path)
    seq = smooth_keypoints(seq, SMOOTHING["min_cutoff"], SMOOTHING["beta"], DEFAULT_MIN_CONFIDENCE)
    _save_atomically(seq, cached)
    return seq


def require_person(seq: PoseSequence, path: str | Path) -> None:
    """PoseInputError when no frame of `seq` has a confident joint; a warning when few do."""
    found = int((seq.keypoints[..., 2].max(axis=(1, 2), initial=0) >= DEFAULT_MIN_CONFIDENCE).sum())
    if found == 0:
        raise PoseInputError(f"no person found in any of the {seq.num_frames} frames of {path}; "
                             "pass a video in which one person is clearly visible")
    if found < seq.num_frames / 2:
        log.warning("%s: a person was found in only %d of %d frames; the others stay blank",
                    path, found, seq.num_frames)


def _save_atomically(seq: PoseSequence, target: Path) -> None:
    """Write the cache file through a temporary name, so an interrupted run leaves none."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".npz", dir=target.parent, prefix=".partial-")
    os.close(handle)
    try:
        save_keypoints(seq, temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as error:
        raise PoseInputError(f"cannot write the skeleton cache {target}: {error}") from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
