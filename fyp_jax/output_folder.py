"""Where a CLI writes: the folder the user named, checked writable before any work, or a new
run folder, so a run never overwrites an earlier one silently."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fyp_jax.errors import ConfigError


def output_folder(given: str, root: str | os.PathLike = "out", flag: str = "--out",
                  prefix: str = "") -> Path:
    """`given` when set (ConfigError when it is a file or cannot be created), else a new folder
    `root/<prefix><YYYYmmdd-HHMMSS>` (with `-2`, `-3`, ... when taken). Nothing is created here: a run
    that fails before writing leaves no folder behind."""
    if given:
        folder = Path(given).expanduser()
    else:
        stamp = prefix + time.strftime("%Y%m%d-%H%M%S")
        folder = Path(root) / stamp
        n = 2
        while folder.exists():
            folder, n = Path(root) / f"{stamp}-{n}", n + 1
    check_writable(folder, flag)
    return folder


def check_writable(folder: Path, flag: str = "--out") -> None:
    """ConfigError unless `folder` is (or can be created as) a writable folder."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{flag} {folder} is an existing file, not a folder; name a folder")
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{flag} {folder}: cannot write in {existing}; name a writable folder")
