"""Train stage 1 (the PoseEncoder on image/skeleton/caption triples, SD frozen) or stage 0 (the
small model from scratch: VAE + 2-D UNet + text encoder); writes a bundle infer.py loads.

    python train_stage1.py --config=configs/train_stage1_tiny.py --config.workdir=runs/s1
    python train_stage1.py --config=configs/train_stage0_tiny.py --config.workdir=runs/s0
    python train_stage1.py --config=configs/train_stage1_sd14.py \
        --config.init.model=checkpoints/stable-diffusion-v1-4 --config.workdir=runs/stage1

Rerunning the same command resumes from the latest checkpoint in the workdir.
"""

from absl import logging

from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.cli_flags import define_config, run_app

_CONFIG = define_config("config", "train_stage1_tiny.py",
                        "training config (configs/train_*.py)")


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)  # orbax reports every file it writes at INFO
    from fyp_jax.train.run import run

    exit_on_user_error(run, _CONFIG.value, stages=(0, 1))


def cli() -> None:
    """The console script."""
    run_app(main)


if __name__ == "__main__":
    cli()
