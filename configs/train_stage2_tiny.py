"""Stage 2 (temporal layers + attention queries, pose-free clips) on the tiny random model."""

from configs.train_base import base_config, tiny_sizes
from fyp_jax.train.stage2 import WITH_NORM_TEMP


def get_config():
    c = tiny_sizes(base_config(stage=2))
    c.trainable.unet = WITH_NORM_TEMP
    return c
