"""The blockwise (query-chunked, custom-VJP) attention equals plain softmax attention."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.extend.core import jaxprs_in_params

from fyp_jax.models import attention as attn
from fyp_jax.models.attention_blockwise import blockwise_attention


def reference(q, k, v):
    """Materialised softmax(q k^T / sqrt(d)) v on ``[b, l, h, d]``."""
    logits = jnp.einsum("bqhd,bkhd->bhqk", q, k) * q.shape[-1] ** -0.5
    return jnp.einsum("bhqk,bkhd->bqhd", jax.nn.softmax(logits, -1), v)


def reference_sparse_causal(q, k, v):
    """The original's formulation: gather [frame 0, frame i-1] keys, then plain attention."""
    b, f = q.shape[:2]
    prev = np.maximum(np.arange(f) - 1, 0)
    k = jnp.concatenate([jnp.broadcast_to(k[:, :1], k.shape), k[:, prev]], axis=2)
    v = jnp.concatenate([jnp.broadcast_to(v[:, :1], v.shape), v[:, prev]], axis=2)
    fold = lambda x: x.reshape(b * f, *x.shape[2:])  # noqa: E731
    return reference(fold(q), fold(k), fold(v)).reshape(q.shape)


def randn(*shapes, seed=0):
    keys = jax.random.split(jax.random.key(seed), len(shapes))
    return [jax.random.normal(key, s) for key, s in zip(keys, shapes, strict=True)]


@pytest.fixture
def always_blockwise(monkeypatch):
    monkeypatch.setattr(attn, "CPU_DENSE_MAX_SCORES", 0)
    monkeypatch.setattr(attn, "CPU_DENSE_MAX_KEYS", 0)


def grads(fn, *args, argnums=(0, 1, 2)):
    w = randn(fn(*args).shape, seed=9)[0]
    return jax.grad(lambda *a: jnp.sum(fn(*a) * w), argnums=argnums)(*args)


def assert_close(got, want, tol):
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
        np.testing.assert_allclose(np.asarray(g, np.float32), np.asarray(w, np.float32),
                                   atol=tol, rtol=0)


@pytest.mark.parametrize("lq,lk", [(96, 96), (96, 7)])  # self-attention; cross with odd length
def test_attention_blockwise_matches_reference(always_blockwise, lq, lk):
    q, k, v = randn((2, lq, 3, 8), (2, lk, 3, 8), (2, lk, 3, 8))
    assert_close(attn.attention(q, k, v), reference(q, k, v), 1e-5)
    assert_close(grads(attn.attention, q, k, v), grads(reference, q, k, v), 1e-4)


@pytest.mark.parametrize("frames", [1, 3])
def test_sparse_causal_blockwise_matches_gathered_keys(always_blockwise, frames):
    q, k, v = randn(*[(2, frames, 40, 2, 8)] * 3)
    got = attn.sparse_causal_attention(q, k, v)
    assert_close(got, reference_sparse_causal(q, k, v), 1e-5)
    assert_close(grads(attn.sparse_causal_attention, q, k, v),
                 grads(reference_sparse_causal, q, k, v), 1e-4)


def test_sparse_causal_dense_path_matches(monkeypatch):
    monkeypatch.setattr(attn, "CPU_DENSE_MAX_SCORES", 2**62)
    q, k, v = randn(*[(1, 3, 16, 2, 8)] * 3)
    assert_close(attn.sparse_causal_attention(q, k, v), reference_sparse_causal(q, k, v), 1e-5)


def test_query_only_gradient_skips_keys_but_matches():
    """k and v not differentiated (symbolic zeros): dq is the same as in the full backward."""
    q, k, v = randn(*[(4, 3, 32, 8)] * 3)
    fn = lambda q, k, v: blockwise_attention(q, k, v, True, 8)  # noqa: E731
    (dq,) = grads(fn, q, k, v, argnums=(0,))
    assert_close(dq, grads(fn, q, k, v)[0], 1e-6)


def test_chunk_sizes_agree():
    q, k, v = randn(*[(2, 2, 48, 8)] * 3)
    outs = [blockwise_attention(q, k, v, True, c) for c in (1, 16, 48)]
    assert_close(outs[0], outs[1], 1e-5)
    assert_close(outs[0], outs[2], 1e-5)


def test_bfloat16_stays_bfloat16(always_blockwise):
    q, k, v = (x.astype(jnp.bfloat16) for x in randn(*[(1, 2, 64, 2, 16)] * 3))
    out = attn.sparse_causal_attention(q, k, v)
    assert out.dtype == jnp.bfloat16
    want = reference_sparse_causal(*(x.astype(jnp.float32) for x in (q, k, v)))
    assert_close(out, want, 3e-2)
    dq = grads(attn.sparse_causal_attention, q, k, v)[0]
    assert dq.dtype == jnp.bfloat16


def loop_primitives(fn, *args) -> set[str]:
    """Names of the loop primitives (``lax.map`` is a scan) anywhere in ``fn``'s jaxpr."""
    found = set()

    def walk(jaxpr):
        for eqn in jaxpr.eqns:
            if eqn.primitive.name in ("scan", "while"):
                found.add(eqn.primitive.name)
            for sub in jaxprs_in_params(eqn.params):
                walk(sub)

    walk(jax.make_jaxpr(fn)(*args).jaxpr)
    return found


@pytest.mark.parametrize("backend, impl", [("cpu", "blockwise"), ("gpu", "cudnn"),
                                           ("tpu", "xla")])
def test_auto_impl_per_backend(backend, impl):
    assert attn.resolve_impl("auto", backend) == impl
    assert attn.resolve_impl("xla", backend) == "xla"


def test_unknown_impl_is_a_config_error():
    from fyp_jax.errors import ConfigError

    with pytest.raises(ConfigError, match="attention_impl"):
        attn.resolve_impl("flash")


@pytest.mark.parametrize("impl, loops", [("blockwise", True), ("xla", False), ("cudnn", False)])
def test_impl_picks_the_kernel_and_matches(impl, loops):
    """Float32 with "cudnn" (a GPU's "auto") is one XLA call, never the lax.map kernel."""
    q, k, v = randn(*[(1, 2, 256, 2, 8)] * 3)
    fn = lambda q, k, v: attn.sparse_causal_attention(q, k, v, impl=impl)  # noqa: E731
    assert bool(loop_primitives(fn, q, k, v)) == loops
    assert_close(fn(q, k, v), reference_sparse_causal(q, k, v), 1e-5)


def test_unet_resolves_impl_when_built(fixture_config, monkeypatch):
    """"auto" becomes the backend's kernel at construction; tracing never asks the backend."""
    from fyp_jax.models.unet3d import UNet3DConditionModel

    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    assert UNet3DConditionModel.from_config(fixture_config).attention_impl == "cudnn"
    monkeypatch.undo()
    unet = UNet3DConditionModel.from_config(fixture_config)
    assert unet.attention_impl == "blockwise"
    assert unet.clone(attention_impl="xla").attention_impl == "xla"

    def no_backend():
        raise AssertionError("the backend was looked up while tracing")

    monkeypatch.setattr(jax, "default_backend", no_backend)
    x, text = jnp.zeros((1, 2, 8, 8, 4)), jnp.zeros((1, 77, 32))
    jax.eval_shape(unet.init, jax.random.key(0), x, 0, text)
