"""CLIPTextEncoder against transformers' CLIPTextModel (tiny config, random weights, float32)."""

from __future__ import annotations

import runpy
from pathlib import Path

import jax
import numpy as np
import pytest
import torch
from torch_reference import randomize_, state_dict_numpy

from fyp_jax.convert.clip_text import clip_text_from_torch
from fyp_jax.models.clip_text import pooled_output

CONFIG = runpy.run_path(str(Path(__file__).parents[1] / "configs/models/tiny_text_vae.py"))[
    "CLIP_TEXT_CONFIG"
]
# Two prompts of different lengths, padded with end-of-text (49407) as SD's tokenizer pads.
IDS = np.array(
    [
        [49406, 320, 1125, 539, 320, 2368, 49407] + [49407] * 9,
        [49406, 1929, 49407] + [49407] * 13,
    ]
)


@pytest.fixture(scope="module", params=["quick_gelu", "gelu"])
def pair(request):
    """(transformers model, our module, our params) for one hidden_act."""
    from transformers import CLIPTextConfig, CLIPTextModel

    config = {**CONFIG, "hidden_act": request.param}
    torch.manual_seed(0)
    reference = CLIPTextModel(CLIPTextConfig(**config)).eval()
    randomize_(reference, seed=0)
    return (reference, *clip_text_from_torch(state_dict_numpy(reference), config))


def _reference(model, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with torch.no_grad():
        out = model(torch.from_numpy(ids))
    return out.last_hidden_state.numpy(), out.pooler_output.numpy()


def test_matches_transformers(pair):
    reference, module, params = pair
    want, want_pooled = _reference(reference, IDS)
    got = np.asarray(jax.jit(module.apply)({"params": params}, IDS))
    err = np.abs(got - want).max()
    print(
        f"CLIP {module.hidden_act} last_hidden_state max-abs {err:.2e} (|ref| max {np.abs(want).max():.2f})"
    )
    assert err <= 1e-4
    pooled = pooled_output(got, IDS, module.eos_token_id)
    assert np.abs(pooled - want_pooled).max() <= 1e-4


def test_legacy_eos_pools_at_highest_id(pair):
    """eos_token_id 2 (SD 1.x configs): the pooled token is the highest id, not the first 2."""
    reference, module, params = pair
    ids = np.array([[5, 40, 7, 2, 2, 2], [9, 3, 2, 1, 1, 1]])
    reference.eos_token_id = 2
    try:
        want_pooled = _reference(reference, ids)[1]
    finally:
        reference.eos_token_id = module.eos_token_id
    got = pooled_output(module.apply({"params": params}, ids), ids, 2)
    assert np.abs(got - want_pooled).max() <= 1e-4


def test_transformers4_prefix_and_buffer_accepted(pair):
    reference, module, params = pair
    legacy = {f"text_model.{k}": v for k, v in state_dict_numpy(reference).items()}
    legacy["text_model.embeddings.position_ids"] = np.arange(77)[None]
    _, converted = clip_text_from_torch(legacy, {**CONFIG, "hidden_act": module.hidden_act})
    assert jax.tree.all(jax.tree.map(np.array_equal, converted, params))
