"""Tiny UNet3D + PoseEncoder configs (the fixture's shapes) for tests and CPU smoke runs.

The pose encoder unshuffles by 2 to match the tiny VAE of ``tiny_text_vae`` (one 2x downsample).
"""

UNET_CONFIG = {
    "in_channels": 4,
    "out_channels": 4,
    "block_out_channels": [32, 64, 64, 64],
    "down_block_types": ["CrossAttnDownBlock3D"] * 3 + ["DownBlock3D"],
    "up_block_types": ["UpBlock3D"] + ["CrossAttnUpBlock3D"] * 3,
    "layers_per_block": 2,
    "attention_head_dim": 8,
    "cross_attention_dim": 32,
    "norm_num_groups": 32,
}

POSE_ENCODER_CONFIG = {"channels": [32, 64, 64, 64], "nums_rb": 2, "ksize": 1, "unshuffle": 2}

SCHEDULER_CONFIG = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "clip_sample": False,
    "set_alpha_to_one": False,
    "steps_offset": 1,
}
