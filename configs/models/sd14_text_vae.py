"""Stable Diffusion 1.x text encoder (CLIP ViT-L/14 text tower) and VAE configs, as the
``text_encoder/config.json`` and ``vae/config.json`` of CompVis/stable-diffusion-v1-4 state them
(plus the diffusers defaults those files leave out: norm_num_groups, scaling_factor).

Plain dicts in the transformers / diffusers format: pass them to ``clip_text_from_torch``,
``vae_from_torch`` or ``CLIPTextEncoder.from_config`` / ``AutoencoderKL.from_config``.
"""

CLIP_TEXT_CONFIG = {
    "vocab_size": 49408,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "max_position_embeddings": 77,
    "hidden_act": "quick_gelu",
    "layer_norm_eps": 1e-5,
    "projection_dim": 768,
    "bos_token_id": 0,
    "eos_token_id": 2,  # the legacy value: pooling takes the highest token id (49407, end of text)
    "pad_token_id": 1,
}

VAE_CONFIG = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "block_out_channels": [128, 256, 512, 512],
    "layers_per_block": 2,
    "act_fn": "silu",
    "latent_channels": 4,
    "norm_num_groups": 32,
    "sample_size": 512,
    "scaling_factor": 0.18215,
}
