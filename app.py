"""The web demo: pose-guided video generation in a local page, offline.

    python app.py                                      # the default model, http://127.0.0.1:7860
    python app.py --model bundles/fyp_sd14 --config=configs/app_sd14.py    # SD 1.4 on a GPU
    python app.py --host 0.0.0.0 --port 8080           # serve the local network (only if meant)

Scripts call it with gradio_client: ``Client(url).predict(prompt=..., pose=handle_file(path),
frames=8, steps=20, guidance=7.5, seed=0, api_name="/generate")`` -> (video, grid).
"""

from __future__ import annotations

import sys
from pathlib import Path

from absl import flags

from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.cli_flags import PROJECT, define_config, project_path, run_app
from fyp_jax.errors import ConfigError

_CONFIG = define_config("config", "app.py", "app config")
flags.DEFINE_string("model", None, "bundle folder or diffusers SD folder (default: the config's)")
flags.DEFINE_string("host", None, "address to bind (default 127.0.0.1: this machine only)")
flags.DEFINE_integer("port", None, "port (default 7860)")


def resolved_config():
    """The config file's values with --model, --host, --port on top."""
    cfg = _CONFIG.value
    for name in ("model", "host", "port"):
        value = flags.FLAGS[name].value
        if value is not None:
            setattr(cfg, name, value)
    return cfg


def load(cfg):
    import jax.numpy as jnp

    from fyp_jax.pipeline.model_source import load_model

    dtypes = {"float32": None, "bfloat16": jnp.bfloat16}
    if cfg.dtype not in dtypes:
        raise ConfigError(f"unknown dtype {cfg.dtype!r}; known: {', '.join(dtypes)}")
    return load_model(project_path(cfg.model),
                      fyp_checkpoint=project_path(cfg.fyp_checkpoint) or None,
                      pose_encoder=project_path(cfg.pose_encoder) or None, dtype=dtypes[cfg.dtype])


def examples(cfg) -> list[Path]:
    """The config's example poses (relative to the project), each of which must exist."""
    paths = [PROJECT / p for p in cfg.examples]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ConfigError(f"example pose(s) not found: {', '.join(missing)}")
    return paths


def serve(cfg) -> None:
    from fyp_jax.app.page import build_page, launch_options
    from fyp_jax.app.service import DemoService
    from fyp_jax.pipeline.compile_cache import enable_compilation_cache

    shown = examples(cfg)
    enable_compilation_cache()
    service = DemoService(load(cfg), cfg)
    try:
        build_page(service, cfg, shown).launch(**launch_options(cfg, shown))
    finally:
        service.close()


def main(argv) -> None:
    if len(argv) > 1:
        print(f"error: unexpected arguments {argv[1:]}", file=sys.stderr)
        sys.exit(1)
    from fyp_jax.sharding import use_every_cpu_core

    use_every_cpu_core()  # before JAX starts: sampling splits over the cores
    exit_on_user_error(lambda: serve(resolved_config()))


def cli() -> None:
    """The console script."""
    run_app(main)


if __name__ == "__main__":
    cli()
