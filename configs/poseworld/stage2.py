"""PoseWorld stage 2: temporal layers + attention queries on pose-free PoseWorld clips.

    python train_stage2.py --config=configs/poseworld/stage2.py \
        --config.init.model=runs/poseworld/s1/bundle --config.workdir=runs/poseworld/s2
"""

from configs.poseworld import model
from configs.train_base import base_config
from fyp_jax.train.stage2 import WITH_NORM_TEMP


def get_config():
    c = base_config(stage=2)
    c.init.model = "runs/poseworld/s1/bundle"
    c.trainable.unet = WITH_NORM_TEMP
    c.num_steps = 400
    c.batch_size = 4
    c.optim.lr = 1e-4
    c.optim.warmup_steps = 25
    c.optim.weight_decay = 1e-2
    c.diffusion.snr_gamma = 5.0
    c.data.source = "fyp_jax.data.factories:poseworld_clips"
    c.data.num_examples = 100_000
    c.data.height = c.data.width = model.SIZE
    c.data.frames = model.FRAMES
    c.checkpoint.every = 250
    c.log.every = 25
    return c
