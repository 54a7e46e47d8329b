"""DeepCache's shallow branch: with the deep features of the same inputs it is the full UNet."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from conftest import skeleton_channels_last, to_channels_last


def test_shallow_branch_with_its_own_deep_features_is_the_full_prediction(fyp_tiny, golden):
    unet, params, pose_encoder, pose_params = fyp_tiny
    x = to_channels_last(golden["ddim_latents_init"])
    text = golden["ddim_text_embeddings"][1:]
    feats = pose_encoder.apply({"params": pose_params},
                               skeleton_channels_last(golden["ddim_skeleton"]))
    apply = jax.jit(unet.apply, static_argnames="return_deep")
    full = apply({"params": params}, x, jnp.int32(501), text, pose_features=feats)
    same, deep = apply({"params": params}, x, jnp.int32(501), text, pose_features=feats,
                       return_deep=True)
    assert np.array_equal(np.asarray(same), np.asarray(full))
    shallow = apply({"params": params}, x, jnp.int32(501), text, pose_features=feats,
                    deep_features=deep)
    np.testing.assert_allclose(np.asarray(shallow), np.asarray(full), atol=1e-5)
    # The deep features matter: those of another timestep give another prediction.
    _, other = apply({"params": params}, x, jnp.int32(901), text, pose_features=feats,
                     return_deep=True)
    moved = apply({"params": params}, x, jnp.int32(501), text, pose_features=feats,
                  deep_features=other)
    assert float(jnp.max(jnp.abs(moved - full))) > 1e-3
