"""DownBlock's pose feature: added after the block's LAST layer, whatever the layer count."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from fyp_jax.models.unet_blocks import DownBlock


@pytest.mark.parametrize("num_layers", [1, 3])
def test_pose_feature_added_after_last_layer(num_layers):
    block = DownBlock(8, num_layers, heads=2, cross_attention=False, groups=4,
                      add_downsample=False)
    x, temb, ctx, pose = (jax.random.normal(jax.random.key(i), s) for i, s in
                          enumerate([(1, 2, 4, 4, 8), (1, 16), (1, 3, 8), (1, 2, 4, 4, 8)]))
    params = block.init(jax.random.key(9), x, temb, ctx)
    out, skips = block.apply(params, x, temb, ctx)
    out_pose, skips_pose = block.apply(params, x, temb, ctx, pose)
    assert len(skips_pose) == num_layers
    np.testing.assert_allclose(out_pose, out + pose, atol=1e-5)
    np.testing.assert_allclose(skips_pose[-1], skips[-1] + pose, atol=1e-5)
    for a, b in zip(skips_pose[:-1], skips[:-1], strict=True):  # earlier layers see no pose
        np.testing.assert_array_equal(a, b)
