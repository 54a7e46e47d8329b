"""Every attention of every model goes through :func:`attention` or
:func:`sparse_causal_attention`.

Layout is ``[batch, tokens, heads, head_dim]`` (what ``jax.nn.dot_product_attention`` takes).
Swapping a kernel happens here and nowhere else. Logits and softmax are computed in float32.

Kernels, chosen by ``impl`` (a model's ``attention_impl``, see :func:`resolve_impl`) and the
call's shapes:
- ``"xla"``: ``jax.nn.dot_product_attention(implementation="xla")`` for every call, scores
  materialised;
- ``"cudnn"``: cuDNN's fused flash attention where it applies (half precision, head size a
  multiple of 8 up to 128, both lengths multiples of 64), ``"xla"`` for every other call: float32
  on a GPU never reaches a ``lax.map`` loop;
- ``"blockwise"``: :mod:`attention_blockwise` (query chunks against key blocks read in place,
  one L2-sized block of scores at a time, flash-attention-style backward) for every call with
  more than ``CPU_DENSE_MAX_SCORES`` scores and ``CPU_DENSE_MAX_KEYS`` keys, ``"xla"`` for the
  small ones (the temporal attention over a handful of frames). On CPU it is 2-7x faster per
  call than materialising the scores (whose fresh GiB-sized buffers cost more in page faults
  than the arithmetic), and it is what makes 4096-token frames (sparse-causal keys 8192) fit in
  memory at all;
- ``"auto"``: ``"cudnn"`` on GPUs, ``"blockwise"`` on CPUs, ``"xla"`` elsewhere (TPU).
Causal calls (CLIP's text transformer) are always one fused call.

The sparse-causal keys (frame 0 and frame i-1) are read in place by the blockwise kernel; only
the small-score path gathers them. The head split ``[b, n, h, d] -> [b*h, n, d]`` costs one
activation-sized transpose per q/k/v/output (about 3% of a forward); nothing score-sized is
ever transposed.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.typing import DTypeLike

from fyp_jax.errors import ConfigError
from fyp_jax.models.attention_blockwise import blockwise_attention

IMPLS = ("auto", "xla", "cudnn", "blockwise")
AUTO_IMPL = {"gpu": "cudnn", "cpu": "blockwise"}  # other backends: "xla"
# With "blockwise", blocks win on a CPU from about this many score elements (and for keys
# beyond a few frames).
CPU_DENSE_MAX_SCORES = 2**16
CPU_DENSE_MAX_KEYS = 16
# Queries per block in the chunked kernel: enough that each block's scores fit in L2 (256 KiB
# of float32, which is what matters when the softmax dominates, i.e. small heads), but at least
# QUERIES_PER_HEAD_DIM * head_dim so that wide heads amortise each block's key/value reads
# (both measured on a Zen 5 core, 1 MiB L2); never more than MAX_BLOCK_SCORES (VAE: d = 512).
BLOCK_SCORES = 2**16
QUERIES_PER_HEAD_DIM = 6
MAX_BLOCK_SCORES = 2**21


def resolve_impl(impl: str, backend: str | None = None) -> str:
    """A model's ``attention_impl`` as a concrete kernel choice: ``"auto"`` becomes the one for
    ``backend`` (JAX's default backend when None), see the module docstring. Models resolve
    it when they are built, so tracing never consults the global backend."""
    if impl not in IMPLS:
        raise ConfigError(f"attention_impl {impl!r} is not one of {IMPLS}")
    if impl != "auto":
        return impl
    return AUTO_IMPL.get(backend or jax.default_backend(), "xla")


def attention(
    q: jnp.ndarray,
    k: jnp.ndarray,
    v: jnp.ndarray,
    *,
    impl: str = "auto",
    causal: bool = False,
) -> jnp.ndarray:
    """Scaled dot-product attention, scale ``head_dim ** -0.5``.

    Args:
      q: ``[b, lq, h, d]``; k, v: ``[b, lk, h, d]``.
      impl: one of :data:`IMPLS` (``"auto"`` is resolved here, at trace time: models pass a
        resolved one).
      causal: mask key j > query i (CLIP's text transformer).
    Returns:
      ``[b, lq, h, d]`` in q's dtype.
    """
    impl = resolve_impl(impl)
    b, lq, h, d = q.shape
    if causal or not _blockwise_pays(impl, b * h * lq * k.shape[1], k.shape[1]):
        kernel = "cudnn" if impl == "cudnn" and _cudnn_applies(q, k.shape[1]) else "xla"
        return jax.nn.dot_product_attention(q, k, v, is_causal=causal, implementation=kernel)
    return _blockwise(q[:, None], k[:, None], v[:, None], sparse_causal=False)[:, 0]


def sparse_causal_attention(q: jnp.ndarray, k: jnp.ndarray, v: jnp.ndarray, *,
                            impl: str = "auto") -> jnp.ndarray:
    """FollowYourPose's attn1 on videos: frame i attends to the keys of frame 0 followed by
    those of frame i-1 (frame 0 to its own keys twice, as the original).

    Args:
      q, k, v: ``[b, f, n, h, d]``.
      impl: as in :func:`attention`.
    Returns:
      ``[b, f, n, h, d]``.
    """
    impl = resolve_impl(impl)
    b, f, n, h, d = q.shape
    if _blockwise_pays(impl, b * f * h * n * 2 * n, 2 * n):
        return _blockwise(q, k, v, sparse_causal=True)
    prev = jnp.maximum(jnp.arange(f) - 1, 0)
    k = jnp.concatenate([jnp.broadcast_to(k[:, :1], k.shape), k[:, prev]], axis=2)
    v = jnp.concatenate([jnp.broadcast_to(v[:, :1], v.shape), v[:, prev]], axis=2)
    fold = lambda x: x.reshape(b * f, *x.shape[2:])  # noqa: E731
    return attention(fold(q), fold(k), fold(v), impl=impl).reshape(q.shape)


def _blockwise_pays(impl: str, scores: int, keys: int) -> bool:
    """The blockwise kernel for this call: ``impl == "blockwise"`` and neither the score tensor
    nor the key count is small."""
    return impl == "blockwise" and scores > CPU_DENSE_MAX_SCORES and keys > CPU_DENSE_MAX_KEYS


def _cudnn_applies(q: jnp.ndarray, keys: int) -> bool:
    """cuDNN's fused attention: half precision, head size a multiple of 8 up to 128, and
    query and key lengths multiples of 64: its backward refuses other lengths (seen with jax
    0.11.2 on an H200: "Unsupported sequence length Q 4096, KV 77" for the text cross-attention),
    and whether a call will be differentiated is unknown here."""
    lq, d = q.shape[-3], q.shape[-1]
    return (q.dtype in (jnp.bfloat16, jnp.float16)
            and d % 8 == 0 and d <= 128 and lq % 64 == 0 and keys % 64 == 0)


def _heads_first(x: jnp.ndarray) -> jnp.ndarray:
    """``[b, (f,) n, h, d]`` -> ``[b*h, (f,) n, d]``: every (video, head) pair contiguous."""
    x = jnp.moveaxis(x, -2, 1)
    return x.reshape(-1, *x.shape[2:])


def _heads_last(x: jnp.ndarray, batch: int) -> jnp.ndarray:
    """Inverse of :func:`_heads_first`."""
    x = x.reshape(batch, -1, *x.shape[1:])
    return jnp.moveaxis(x, 1, -2)


def _largest_divisor(n: int, at_most: int) -> int:
    return max(c for c in range(1, min(n, max(at_most, 1)) + 1) if n % c == 0)


def _blockwise(q: jnp.ndarray, k: jnp.ndarray, v: jnp.ndarray, sparse_causal: bool
               ) -> jnp.ndarray:
    """:func:`blockwise_attention` on ``[b, f, n, h, d]``, with this CPU's block size."""
    b, f, n, h, d = q.shape
    keys = n * (2 if sparse_causal else 1)
    queries = min(max(BLOCK_SCORES // keys, QUERIES_PER_HEAD_DIM * d), MAX_BLOCK_SCORES // keys)
    chunk = _largest_divisor(n, queries)
    out = blockwise_attention(*(_heads_first(x) for x in (q, k, v)), sparse_causal, chunk)
    return _heads_last(out, b)


def split_heads(x: jnp.ndarray, heads: int) -> jnp.ndarray:
    """``[..., n, h*d]`` -> ``[..., n, h, d]`` (head-major channel split, as torch's reshape)."""
    return x.reshape(*x.shape[:-1], heads, x.shape[-1] // heads)


def merge_heads(x: jnp.ndarray) -> jnp.ndarray:
    return x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])


class Attention(nn.Module):
    """diffusers-style attention with params ``to_q``, ``to_k``, ``to_v``, ``to_out_0``.

    ``features`` is the query/output width, ``heads`` the NUMBER of heads (head size
    ``features // heads``), as the original reads SD's ``attention_head_dim``.
    """

    features: int
    heads: int
    qkv_bias: bool = False
    attention_impl: str = "auto"  # see :func:`resolve_impl`
    dtype: DTypeLike | None = None
    param_dtype: DTypeLike = jnp.float32

    def setup(self):
        kw = dict(dtype=self.dtype, param_dtype=self.param_dtype)
        self.to_q = nn.Dense(self.features, use_bias=self.qkv_bias, **kw)
        self.to_k = nn.Dense(self.features, use_bias=self.qkv_bias, **kw)
        self.to_v = nn.Dense(self.features, use_bias=self.qkv_bias, **kw)
        self.to_out_0 = nn.Dense(self.features, use_bias=True, **kw)

    def __call__(self, x: jnp.ndarray, context: jnp.ndarray | None = None) -> jnp.ndarray:
        """x ``[b, n, c]``; context ``[b, m, d]`` for cross-attention, None for self-attention."""
        context = x if context is None else context
        h = self.heads
        q, k, v = (split_heads(p(y), h) for p, y in
                   ((self.to_q, x), (self.to_k, context), (self.to_v, context)))
        return self.to_out_0(merge_heads(attention(q, k, v, impl=self.attention_impl)))

    def sparse_causal(self, x: jnp.ndarray) -> jnp.ndarray:
        """FollowYourPose's attn1 on a video ``[b, f, n, c]``; see
        :func:`sparse_causal_attention`. Keys/values are projected once per frame."""
        h = self.heads
        q, k, v = (split_heads(p(x), h) for p in (self.to_q, self.to_k, self.to_v))
        return self.to_out_0(merge_heads(sparse_causal_attention(q, k, v, impl=self.attention_impl)))
