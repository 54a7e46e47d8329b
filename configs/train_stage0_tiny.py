"""Stage 0 (the small model we train ourselves): AutoencoderKL + 2-D UNet + CLIPTextEncoder
from scratch, tiny sizes. Run with train_stage1.py (it trains stages 0 and 1)."""

from configs.train_base import base_config, tiny_sizes


def get_config():
    c = tiny_sizes(base_config(stage=0))
    c.trainable.update(dict(unet=".", vae=".", text_encoder="."))
    c.optim.lr = 3e-4
    c.optim.warmup_steps = 5
    c.diffusion.prompt_dropout = 0.1
    return c
