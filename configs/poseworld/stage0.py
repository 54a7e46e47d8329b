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

PARTS = {
    "vae": dict(init="random", trainable=dict(unet="", vae=".", text_encoder=""),
                num_steps=2100, batch_size=8, lr=1e-3, warmup_steps=50),
    "unet": dict(init="runs/poseworld/s0a/bundle_calibrated",
                 trainable=dict(unet=".", vae="", text_encoder="."),
                 num_steps=4000, batch_size=16, lr=8e-4, warmup_steps=200),
    # Continuing from a trained PoseWorld bundle (grown to the current vocabulary by
    # scripts/grow_vocabulary.py): the VAE, then the UNet and text encoder, fine-tuned.
    "vae_continue": dict(init="runs/poseworld/grown", trainable=dict(unet="", vae=".", text_encoder=""),
                         num_steps=600, batch_size=8, lr=3e-4, warmup_steps=30),
    "unet_continue": dict(init="runs/poseworld/s0a/bundle",
                          trainable=dict(unet=".", vae="", text_encoder="."),
                          num_steps=1500, batch_size=16, lr=4e-4, warmup_steps=50),
}


def get_config(part: str = "unet"):
    if part not in PARTS:
        raise ValueError(f"configs/poseworld/stage0.py:{part}: the parts are {', '.join(PARTS)}")
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
    run = PARTS[part]
    c.init.model = run["init"]
    c.trainable.update(run["trainable"])
    c.num_steps, c.batch_size = run["num_steps"], run["batch_size"]
    c.optim.lr, c.optim.warmup_steps = run["lr"], run["warmup_steps"]
    if part.startswith("unet"):
        c.optim.ema_decay = 0.999
        c.diffusion.prompt_dropout = 0.1
        c.diffusion.snr_gamma = 5.0
    return c
