"""The tiny random-weight model (``--model=random-tiny``): component configs of a bundle.

Its VAE downsamples by 8 like SD's (four blocks of 32 channels), so the pose encoder keeps the
original's PixelUnshuffle(8) and a 64x64 video has 8x8 latents: a fast smoke test on a CPU.
"""

from configs.models import tiny_text_vae, tiny_unet

VAE_CONFIG = dict(tiny_text_vae.VAE_CONFIG, block_out_channels=[32, 32, 32, 32],
                  down_block_types=["DownEncoderBlock2D"] * 4,
                  up_block_types=["UpDecoderBlock2D"] * 4)
POSE_ENCODER_CONFIG = dict(tiny_unet.POSE_ENCODER_CONFIG, unshuffle=8)


def bundle_configs() -> tuple[dict[str, dict], dict]:
    """(component configs, scheduler config)."""
    return (dict(unet=tiny_unet.UNET_CONFIG, pose_encoder=POSE_ENCODER_CONFIG,
                 text_encoder=tiny_text_vae.CLIP_TEXT_CONFIG, vae=VAE_CONFIG),
            tiny_unet.SCHEDULER_CONFIG)
