"""Train stage 2 (temporal layers + attention queries on pose-free clips, everything else
frozen); writes a bundle infer.py loads.

    python train_stage2.py --config=configs/train_stage2_tiny.py --config.workdir=runs/s2
    python train_stage2.py --config=configs/train_stage2_sd14.py \
        --config.init.model=runs/stage1/bundle --config.workdir=runs/stage2

Rerunning the same command resumes from the latest checkpoint in the workdir. Several
processes: set JAX_COORDINATOR_ADDRESS, JAX_NUM_PROCESSES, JAX_PROCESS_ID in each, or
--config.distributed=True on a TPU pod / SLURM.
"""

import sys

from absl import flags, logging

from fyp_jax.cli_errors import exit_on_user_error
from fyp_jax.cli_flags import define_config, run_app

_CONFIG = define_config("config", "train_stage2_tiny.py",
                        "training config (configs/train_*.py)")
flags.DEFINE_string("original_config", None, "the original FollowYourPose's pose_train.yaml: "
                    "its fields onto this config (--config.x wins); unused ones named")


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)  # orbax reports every file it writes at INFO
    from fyp_jax.original_config import apply_original_config
    from fyp_jax.train.run import run

    if flags.FLAGS.original_config:
        exit_on_user_error(apply_original_config, _CONFIG.value, flags.FLAGS.original_config,
                           "train", sys.argv)
    exit_on_user_error(run, _CONFIG.value, stages=(2,))


def cli() -> None:
    """The console script."""
    run_app(main)


if __name__ == "__main__":
    cli()
