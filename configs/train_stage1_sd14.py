"""Stage 1 at Stable Diffusion 1.4 size: a PoseEncoder (T2I-Adapter sizes) on 512x512 (image,
skeleton, caption) triples, SD frozen. The original's stage-1 code was never released; the
batch, lr and step count follow its stage-2 settings.

    python train_stage1.py --config=configs/train_stage1_sd14.py \
        --config.init.model=checkpoints/stable-diffusion-v1-4 --config.workdir=runs/stage1 \
        --config.data.source=package.module:function
"""

from configs.models import sd14_unet
from configs.train_base import base_config


def get_config():
    c = base_config(stage=1)
    c.init.model = ""                       # required: SD folder or converted bundle
    c.trainable.pose_encoder = "."
    c.stage1.pose_encoder = dict(sd14_unet.POSE_ENCODER_CONFIG)
    c.batch_size = 8
    c.num_steps = 10000
    c.model.compute_dtype = "bfloat16"
    c.model.frozen_dtype = "bfloat16"
    c.model.remat_policy = "nothing_saveable"
    c.diffusion.prompt_dropout = 0.05
    c.checkpoint.every = 500
    c.validation.every = 1000
    c.validation.frames = 1
    return c
