"""The paper's CLIP metrics from a local CLIP checkpoint folder (transformers ``CLIPModel``):

- CLIP score: ``100 * max(cos(image, text), 0)`` averaged over frames and videos;
- CLIP frame consistency: mean cosine similarity of consecutive frames' image embeddings.

Runs the PyTorch CLIP (needs ``fyp_jax[torch]``), so real SD-based models are scored exactly as
the paper's tooling does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from fyp_jax.errors import ConfigError


class ClipScorer:
    def __init__(self, folder: str | os.PathLike):
        try:
            import torch
            from transformers import CLIPModel, CLIPProcessor
        except ImportError as e:
            raise ConfigError("--clip needs torch: pip install 'fyp_jax[torch]'") from e
        try:
            self.model = CLIPModel.from_pretrained(str(folder)).eval()
            self.processor = CLIPProcessor.from_pretrained(str(folder))
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot load a CLIP model and processor from {folder}: {e}") from e
        self._torch = torch

    @staticmethod
    def _normalised(features) -> np.ndarray:
        """Projected embeddings, unit length. transformers 5 returns an output object whose
        ``pooler_output`` is the projection; older versions return the tensor itself."""
        f = getattr(features, "pooler_output", features).detach().numpy()
        return f / np.linalg.norm(f, axis=-1, keepdims=True)

    def score(self, videos: np.ndarray, prompts: Sequence[str]) -> dict[str, float]:
        """``videos`` uint8 ``[n, F, H, W, 3]``, one prompt per video."""
        scores, consistency = [], []
        with self._torch.no_grad():
            for video, prompt in zip(videos, prompts, strict=True):
                inputs = self.processor(text=[prompt], images=list(video), return_tensors="pt",
                                        padding=True)
                image = self._normalised(self.model.get_image_features(
                    pixel_values=inputs["pixel_values"]))
                text = self._normalised(self.model.get_text_features(
                    input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]))
                scores.append(100.0 * np.maximum(image @ text[0], 0.0).mean())
                if len(image) > 1:
                    consistency.append(float(np.mean(np.sum(image[1:] * image[:-1], axis=-1))))
        return dict(clip_score=float(np.mean(scores)),
                    clip_frame_consistency=float(np.mean(consistency)) if consistency else 1.0)
