"""Stage 1 (PoseEncoder only, 2-D UNet frozen) on the tiny random model: a CPU smoke run."""

from configs.train_base import base_config, tiny_sizes


def get_config():
    c = tiny_sizes(base_config(stage=1))
    c.trainable.pose_encoder = "."
    return c
