"""A micro model and configs for trainer tests: a 2-level UNet on 8x8 latents (16x16 pixels),
small enough that a train step compiles in seconds on a CPU."""

from __future__ import annotations

import importlib

import ml_collections

UNET = dict(in_channels=4, out_channels=4, block_out_channels=[32, 32],
            down_block_types=["CrossAttnDownBlock3D", "DownBlock3D"],
            up_block_types=["UpBlock3D", "CrossAttnUpBlock3D"], layers_per_block=2,
            attention_head_dim=4, cross_attention_dim=32, norm_num_groups=8)
POSE_ENCODER = dict(channels=[32, 32], nums_rb=1, ksize=1, unshuffle=2)
TEXT_ENCODER = dict(vocab_size=49408, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                    num_attention_heads=4, max_position_embeddings=16, hidden_act="quick_gelu",
                    layer_norm_eps=1e-5, bos_token_id=49406, eos_token_id=49407,
                    pad_token_id=49407)
VAE = dict(in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 2,
           up_block_types=["UpDecoderBlock2D"] * 2, block_out_channels=[16, 16],
           layers_per_block=1, latent_channels=4, norm_num_groups=8, scaling_factor=0.18215)


def micro_config(stage: int, workdir: str = "") -> ml_collections.ConfigDict:
    """configs/train_stage<stage>_tiny.py with the micro model, 16x16 pixels, 2 frames, batch 8."""
    c = importlib.import_module(f"configs.train_stage{stage}_tiny").get_config()
    c.init.components = ml_collections.ConfigDict(dict(
        unet=UNET, pose_encoder=POSE_ENCODER, text_encoder=TEXT_ENCODER, vae=VAE))
    c.stage1.pose_encoder = POSE_ENCODER
    c.workdir = workdir
    c.data.update(dict(height=16, width=16, frames=2, num_examples=16))
    c.batch_size = 8
    c.mesh.min_shard_size = 0  # shard every divisible array over fsdp: exercises the rules
    c.log.progress = False
    c.log.tensorboard = False
    c.checkpoint.async_save = True
    return c


def start_bundle(folder) -> str:
    """The micro model with random weights, written once as a bundle folder (loads in a blink,
    also in subprocesses); returns its path."""
    from pathlib import Path

    folder = Path(folder)
    if not (folder / "bundle.json").is_file():
        from fyp_jax.bundle import save_bundle
        from fyp_jax.train.start import load_start

        save_bundle(folder, load_start(micro_config(2).init, seed=0))
    return str(folder)
