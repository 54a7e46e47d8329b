"""Sampling: the one-jit denoising loop, model bundles, prompt + pose -> video."""

from fyp_jax.pipeline.denoise import denoise

__all__ = ["denoise"]
