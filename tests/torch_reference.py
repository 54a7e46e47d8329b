"""Helpers for parity tests against PyTorch reference modules (diffusers / transformers)."""

from __future__ import annotations

import numpy as np


def randomize_(module, seed: int = 0, scale: float = 1.0) -> None:
    """Re-draw every parameter so that no path is trivially zero or identity.

    Weights ~ N(0, (scale / sqrt(fan_in))^2), biases ~ N(0, 0.05^2), norm weights 1 + N(0, 0.05^2).
    """
    import torch

    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.ndim == 1 and ("norm" in name or name.endswith("weight")):
                p.copy_(1 + 0.05 * torch.randn(p.shape, generator=g))
            elif p.ndim == 1:
                p.copy_(0.05 * torch.randn(p.shape, generator=g))
            else:
                fan_in = int(np.prod(p.shape[1:]))
                p.copy_(scale / fan_in**0.5 * torch.randn(p.shape, generator=g))


def state_dict_numpy(module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
