"""PoseWorld stage 0, from scratch on PoseWorld images, in two runs of train_stage1.py:

- ``part=vae``: the AutoencoderKL alone (reconstruction + KL);
- ``part=unet``: the 2-D UNet and the text encoder on the frozen VAE's latents (start from the
  part-vae bundle after calibrating its latent scale).

    python train_stage1.py --config=configs/poseworld/stage0.py:vae --config.workdir=runs/pw/s0a
    python train_stage1.py --config=configs/poseworld/stage0.py:unet \
        --config.init.model=runs/pw/s0a/bundle --config.workdir=runs/pw/s0b
"""

from configs.poseworld import model
from configs.train_base import base_config


def get_config(part: str = "unet"):
    c = base_config(stage=0)
    c.init.components = model.COMPONENTS
    c.init.scheduler = model.SCHEDULER_CONFIG
    c.init.words = list(model.WORDS)
    c.data.source = "fyp_jax.data.factories:poseworld_images"
    c.data.num_examples = 100_000
    c.data.height = c.data.width = model.SIZE
    c.data.frames = 1
    c.optim.weight_decay = 0.0
    c.optim.schedule = "cosine"
    c.optim.final_lr_fraction = 0.1
    c.checkpoint.every = 250
    c.log.every = 25
    if part == "vae":
        c.init.model = "random"
        c.trainable.update(dict(unet="", vae=".", text_encoder=""))
        c.num_steps = 2100
        c.batch_size = 8
        c.optim.lr = 1e-3
        c.optim.warmup_steps = 50
    else:
        c.init.model = "runs/poseworld/s0a/bundle_calibrated"
        c.trainable.update(dict(unet=".", vae="", text_encoder="."))
        c.num_steps = 4000
        c.batch_size = 16
        c.optim.lr = 8e-4
        c.optim.warmup_steps = 200
        c.optim.ema_decay = 0.999
        c.diffusion.prompt_dropout = 0.1
        c.diffusion.snr_gamma = 5.0
    return c
