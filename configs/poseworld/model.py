"""The PoseWorld model: a small FollowYourPose trained from scratch here (README "PoseWorld model").

64x64 videos; the VAE downsamples by 4 (16x16x4 latents), so the pose encoder unshuffles by 4.
"""

from configs.models import sd14_unet
from fyp_jax.data.poseworld.vocabulary import POSEWORLD_WORDS

SIZE = 64
FRAMES = 8

VAE_CONFIG = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 3,
    "up_block_types": ["UpDecoderBlock2D"] * 3,
    "block_out_channels": [32, 32, 64],
    "layers_per_block": 1,
    "act_fn": "silu",
    "latent_channels": 4,
    "norm_num_groups": 32,
    "sample_size": SIZE,
    "scaling_factor": 1.0,  # calibrated after stage 0a (scripts/calibrate_vae_scale.py)
}

TEXT_CONFIG = {
    "vocab_size": 768,  # the PoseWorld tokenizer: 512 byte symbols + caption word pieces + 2 (660)
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "max_position_embeddings": 24,  # the longest caption: 3 figures, 23 tokens
    "hidden_act": "quick_gelu",
    "layer_norm_eps": 1e-5,
    "bos_token_id": 0,
    "eos_token_id": 1,
}

UNET_CONFIG = {
    "in_channels": 4,
    "out_channels": 4,
    "block_out_channels": [64, 96, 128],
    "down_block_types": ["CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "DownBlock3D"],
    "up_block_types": ["UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D"],
    "layers_per_block": 2,
    "attention_head_dim": 4,
    "cross_attention_dim": 64,
    "norm_num_groups": 32,
}

POSE_ENCODER_CONFIG = {"channels": [64, 96, 128], "nums_rb": 1, "ksize": 1, "unshuffle": 4}

SCHEDULER_CONFIG = sd14_unet.SCHEDULER_CONFIG  # SD 1.x noise schedule

COMPONENTS = dict(unet=UNET_CONFIG, pose_encoder=POSE_ENCODER_CONFIG, text_encoder=TEXT_CONFIG,
                  vae=VAE_CONFIG)
WORDS = POSEWORLD_WORDS
