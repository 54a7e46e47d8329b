"""PoseWorld stage 1: the pose encoder on (image, skeleton, caption), everything else frozen.

    python train_stage1.py --config=configs/poseworld/stage1.py \
        --config.init.model=runs/poseworld/s0b/bundle --config.workdir=runs/poseworld/s1
"""

from configs.poseworld import model
from configs.train_base import base_config


def get_config():
    c = base_config(stage=1)
    c.init.model = "runs/poseworld/s0b/bundle"
    c.trainable.pose_encoder = "."
    c.stage1.pose_encoder = dict(model.POSE_ENCODER_CONFIG)
    c.num_steps = 1000
    c.batch_size = 16
    c.optim.lr = 5e-4
    c.optim.warmup_steps = 50
    c.optim.schedule = "cosine"
    c.optim.final_lr_fraction = 0.1
    c.optim.weight_decay = 0.0
    c.diffusion.prompt_dropout = 0.05
    c.diffusion.snr_gamma = 5.0
    c.data.source = "fyp_jax.data.factories:poseworld_images"
    c.data.num_examples = 100_000
    c.data.height = c.data.width = model.SIZE
    c.data.frames = 1
    c.checkpoint.every = 300
    c.log.every = 25
    return c
