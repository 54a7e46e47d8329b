"""Stage 2 at the paper's settings: SD 1.4 inflated, 8 frames at 512x512, AdamW lr 3e-5
(betas 0.9/0.999, weight decay 1e-2, eps 1e-8), clip 1.0, constant lr, batch 1 per GPU on 8
GPUs, the original's trainable modules (norm_temp frozen, as in the original).

    python train_stage2.py --config=configs/train_stage2_sd14.py \
        --config.init.model=runs/stage1/bundle --config.workdir=runs/stage2 \
        --config.data.source=package.module:function
    # or from the released FollowYourPose weights:
    #   --config.init.model=checkpoints/stable-diffusion-v1-4
    #   --config.init.fyp_checkpoint=checkpoints/followyourpose_checkpoint-1000
"""

from configs.train_base import base_config
from fyp_jax.train.stage2 import ORIGINAL_TRAINABLE


def get_config():
    c = base_config(stage=2)
    c.init.model = ""                       # required: stage-1 bundle, SD folder (+ checkpoint)
    c.trainable.unet = ORIGINAL_TRAINABLE
    c.batch_size = 8
    c.num_steps = 1000                      # the released checkpoint is "checkpoint-1000"
    c.model.compute_dtype = "bfloat16"
    c.model.frozen_dtype = "bfloat16"
    c.checkpoint.every = 200
    c.validation.every = 200
    c.validation.prompts = ["Iron man on the beach", "A Stormtrooper on the sea"]
    return c
