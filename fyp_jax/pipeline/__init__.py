"""Sampling: the compiled, device-resident Pipeline (prompt + pose -> video), its step loop.

``Pipeline(bundle, mesh)(prompts, skeleton, frames=, height=, width=, options=)`` is what users
and services run (``Pipeline.people``: one video of several people, a prompt each);
``generate`` is one call of it; ``denoise`` runs the step loop alone on given
embeddings and pose features.
"""

from fyp_jax.pipeline.pipeline import Pipeline, SamplingOptions, generate
from fyp_jax.pipeline.sampling_loop import denoise

__all__ = ["Pipeline", "SamplingOptions", "denoise", "generate"]
