"""JAX's persistent compilation cache, so a second run does not compile again."""

from __future__ import annotations

import os
from pathlib import Path

import jax


def enable_compilation_cache(path: str | os.PathLike | None = None) -> Path:
    """Cache compiled programs under ``path`` (default ``$FYP_JAX_CACHE`` or ~/.cache/fyp_jax/xla)."""
    path = Path(path or os.environ.get("FYP_JAX_CACHE") or Path.home() / ".cache" / "fyp_jax" / "xla")
    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path
