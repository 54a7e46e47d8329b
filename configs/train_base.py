"""Fields shared by every training config (train_stage1.py / train_stage2.py); the per-stage
files start from ``base_config(stage)`` and change what differs. Override any field on the
command line: ``--config.optim.lr=1e-4 --config.workdir=runs/x``.
"""

import ml_collections

from configs.models import tiny

WORDS = ("a", "figure", "person", "dancing", "waving", "walking", "jumping", "on", "the",
         "beach", "street", "stage", "red", "blue", "green", "background")


def base_config(stage: int) -> ml_collections.ConfigDict:
    components, scheduler = tiny.bundle_configs()
    c = ml_collections.ConfigDict()
    c.stage = stage
    c.workdir = ""                  # checkpoints/, tensorboard/, validation/, bundle/
    c.seed = 0
    c.distributed = False           # True: jax.distributed cluster auto-detection (TPU pod, SLURM)
    c.num_steps = 1000
    c.batch_size = 8                # GLOBAL batch (all processes, all micro-batches)
    c.accum_steps = 1               # gradient accumulation: micro-batches per optimizer step

    # Starting point: "random" (the component configs below), a bundle folder, or a diffusers
    # Stable Diffusion folder (+ fyp_checkpoint / pose_encoder, as infer.py's --model).
    c.init = ml_collections.ConfigDict(dict(
        model="random", fyp_checkpoint="", pose_encoder="", components=components,
        scheduler=scheduler, words=list(WORDS)))

    c.model = ml_collections.ConfigDict(dict(
        compute_dtype="float32",    # float32 | bfloat16
        frozen_dtype="float32",     # storage of frozen params: float32 | bfloat16
        remat_policy="",            # '' or a jax.checkpoint_policies name, per UNet block
    ))
    # Trainable params: component -> regex searched in the param path inside the component
    # (e.g. down_blocks_0/attentions_0/transformer_blocks_0/attn1/to_q/kernel).
    c.trainable = ml_collections.ConfigDict({"unet": "", "pose_encoder": "", "vae": "",
                                             "text_encoder": ""})
    c.stage0 = ml_collections.ConfigDict(dict(recon_weight=1.0, kl_weight=1e-6))
    c.stage1 = ml_collections.ConfigDict(dict(pose_encoder=dict(components["pose_encoder"])))
    # Stage 2: the share of clips trained WITH their skeletons' pose features (frozen pose
    # encoder; clips need keypoints). 0: the original's pose-free stage 2.
    c.stage2 = ml_collections.ConfigDict(dict(pose_fraction=0.0))
    c.diffusion = ml_collections.ConfigDict(dict(
        prediction_type="epsilon",  # epsilon | v_prediction
        prompt_dropout=0.0,         # probability of the empty prompt (classifier-free guidance)
        snr_gamma=0.0,              # > 0: Min-SNR-gamma loss weights (0: the original plain MSE)
    ))
    c.optim = ml_collections.ConfigDict(dict(
        lr=3e-5, warmup_steps=0, schedule="constant", final_lr_fraction=0.0, b1=0.9, b2=0.999,
        eps=1e-8, weight_decay=1e-2, max_grad_norm=1.0,
        ema_decay=0.0,              # > 0 keeps an EMA of the trainable params
        export_ema=True,            # with an EMA: export and validate the EMA params
    ))
    c.data = ml_collections.ConfigDict(dict(
        source="synthetic",         # synthetic | package.module:function (fyp_jax/train/data.py)
        num_examples=64,            # synthetic only
        shuffle=True,
        frames=8, height=512, width=512,
        cached=False,               # stage 2: examples are {latents, text_emb} from a latent cache
        vae_chunk=8,                # frames per VAE encoder call
    ))
    c.mesh = ml_collections.ConfigDict(dict(
        data=-1, fsdp=1,            # data x fsdp = number of devices; -1: the rest
        rules=(),                   # ((regex, (axis | None, ...)), ...) first match wins
        min_shard_size=2**14,       # default rule: smaller arrays are replicated
    ))
    c.checkpoint = ml_collections.ConfigDict(dict(every=500, keep=3, async_save=True))
    c.log = ml_collections.ConfigDict(dict(every=10, tensorboard=True, progress=True))
    c.validation = ml_collections.ConfigDict(dict(
        every=0,                    # 0: no validation videos
        prompts=["a figure dancing on the beach"], pose="", stride=5,
        frames=8, height=512, width=512, steps=25, guidance=12.5, seed=0, fps=8, format="gif"))
    return c


def tiny_sizes(c: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """The tiny random model (configs/models/tiny.py) at 64x64 pixels: a CPU smoke run."""
    c.data.height = c.data.width = 64
    c.data.frames = 4
    c.batch_size = 2
    c.num_steps = 20
    c.optim.lr = 1e-4
    c.checkpoint.every = 10
    c.log.every = 5
    c.validation.update(dict(height=64, width=64, frames=4, steps=4))
    return c
