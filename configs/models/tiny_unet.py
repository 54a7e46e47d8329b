"""Tiny UNet3D + PoseEncoder configs (the fixture's shapes) for tests and CPU smoke runs.

The pose encoder unshuffles by 2 to match the tiny VAE of ``tiny_text_vae`` (one 2x downsample).
"""

from configs.models import sd14_unet

UNET_CONFIG = dict(sd14_unet.UNET_CONFIG, block_out_channels=[32, 64, 64, 64],
                   cross_attention_dim=32, sample_size=16)

POSE_ENCODER_CONFIG = {"channels": [32, 64, 64, 64], "nums_rb": 2, "ksize": 1, "unshuffle": 2}

SCHEDULER_CONFIG = sd14_unet.SCHEDULER_CONFIG
