"""Analytic FLOP counts of the UNet3D and the PoseEncoder, for benchmarks and training TFLOP/s.

Convention: 2 FLOPs per multiply-add, counted over convolutions and matmuls only (dense layers,
attention's QK^T and AV); norms, softmax, activations and elementwise ops are free. The count is
the ORIGINAL model's work: e.g. the text keys/values of attn2 are counted once per frame, as the
original repeats the text per frame before projecting it.

Backward: reverse mode pays, for every counted op, one forward-sized product per operand that
needs a gradient: an input that depends on a trainable parameter, or a trainable weight. So
frozen layers before the first trainable one cost nothing and frozen layers after it cost 1x.
"""

from __future__ import annotations

import dataclasses
import re

from fyp_jax.models.pose_encoder import PoseEncoder
from fyp_jax.models.transformer3d import temporal_rank
from fyp_jax.models.unet3d import DOWN_TYPES, UP_TYPES, UNet3DConditionModel


@dataclasses.dataclass(frozen=True)
class Flops:
    forward: int
    backward: int = 0

    @property
    def total(self) -> int:
        return self.forward + self.backward


class FlopCounter:
    """Accumulates forward/backward FLOPs; ``trainable`` is a regex searched in layer paths
    such as ``down_blocks_0/attentions_0/transformer_blocks_0/attn1/to_q``."""

    def __init__(self, trainable: str | None = None):
        self._trainable = re.compile(trainable) if trainable else None
        self.forward = 0
        self.backward = 0

    def result(self) -> Flops:
        return Flops(self.forward, self.backward)

    def op(self, flops: int, *needs_grad: bool) -> bool:
        """Count one product whose operands need gradients as flagged; returns whether its
        output depends on a trainable parameter."""
        self.forward += flops
        self.backward += flops * sum(needs_grad)
        return any(needs_grad)

    def trains(self, path: str) -> bool:
        return bool(self._trainable and self._trainable.search(path))

    def dense(self, path: str, live: bool, rows: int, d_in: int, d_out: int) -> bool:
        return self.op(2 * rows * d_in * d_out, live, self.trains(path))

    def conv(self, path: str, live: bool, pixels: int, taps: int, c_in: int, c_out: int) -> bool:
        """A conv with ``taps`` kernel positions (9 for 3x3) producing ``pixels`` outputs."""
        return self.dense(path, live, pixels, taps * c_in, c_out)


@dataclasses.dataclass(frozen=True)
class _Geometry:
    batch: int
    frames: int
    text_len: int
    temporal: bool

    @property
    def images(self) -> int:
        return self.batch * self.frames

    @property
    def temb_rows(self) -> int:
        """Time embeddings are per video in 3-D mode, per (folded) frame in 2-D mode."""
        return self.batch if self.temporal else self.images


def _resnet(fc: FlopCounter, g: _Geometry, path: str, live: bool, hw: int, c_in: int, c_out: int,
            temb_dim: int) -> bool:
    n = g.images * hw
    h = fc.conv(f"{path}/conv1", live, n, 9, c_in, c_out)
    fc.dense(f"{path}/time_emb_proj", False, g.temb_rows, temb_dim, c_out)
    h = fc.conv(f"{path}/conv2", h, n, 9, c_out, c_out)
    if c_in != c_out:
        live = fc.conv(f"{path}/conv_shortcut", live, n, 1, c_in, c_out)
    return live or h


def _attention(fc: FlopCounter, path: str, live: bool, ctx_live: bool, seqs: int, lq: int,
               lk: int, c: int, d_ctx: int, ctx_rows: int) -> bool:
    """Projections plus QK^T and AV; keys/values projected on ``ctx_rows`` context rows."""
    q = fc.dense(f"{path}/to_q", live, seqs * lq, c, c)
    k = fc.dense(f"{path}/to_k", ctx_live, ctx_rows, d_ctx, c)
    v = fc.dense(f"{path}/to_v", ctx_live, ctx_rows, d_ctx, c)
    a = fc.op(2 * seqs * lq * lk * c, q, k)
    o = fc.op(2 * seqs * lq * lk * c, a, v)
    return fc.dense(f"{path}/to_out_0", o, seqs * lq, c, c)


def _transformer(fc: FlopCounter, g: _Geometry, path: str, live: bool, hw: int, c: int,
                 d_text: int, rank: int) -> bool:
    n = g.images * hw
    b = f"{path}/transformer_blocks_0"
    h = fc.conv(f"{path}/proj_in", live, n, 1, c, c)
    keys = 2 * hw if g.temporal else hw  # sparse-causal: frame 0 and frame i-1
    h = _attention(fc, f"{b}/attn1", h, h, g.images, hw, keys, c, c, n) or h
    text_rows = g.images * g.text_len
    h = _attention(fc, f"{b}/attn2", h, False, g.images, hw, g.text_len, c, d_text, text_rows) or h
    f = fc.dense(f"{b}/ff/net_0/proj", h, n, c, 8 * c)
    h = fc.dense(f"{b}/ff/net_2", f, n, 4 * c, c) or h
    if g.temporal:
        pixels = g.batch * hw
        h = _attention(fc, f"{b}/attn_temp", h, h, pixels, g.frames, g.frames, c, c, n) or h
        r = temporal_rank(c, rank)
        t = fc.conv(f"{b}/conv_temporal/down", h, n, 3, c, r)
        h = fc.conv(f"{b}/conv_temporal/up", t, n, 3, r, c) or h
    return fc.conv(f"{path}/proj_out", h, n, 1, c, c) or live


def unet_flops(
    unet: UNet3DConditionModel,
    *,
    batch: int,
    frames: int,
    height: int,
    width: int,
    text_len: int = 77,
    pose_encoder: PoseEncoder | None = None,
    trainable: str | None = None,
) -> Flops:
    """FLOPs of one ``unet.apply`` on latents ``[batch, frames, height, width, c]``.

    ``pose_encoder``: also count it on the matching skeleton (sample mode, as the original's
    UNet runs its adapter inside forward). ``trainable``: regex over layer paths (e.g.
    ``attn1/to_q|attn2/to_q|attn_temp|conv_temporal``) selecting the weights whose gradients the
    backward count includes; None counts the forward only.
    """
    fc = FlopCounter(trainable)
    g = _Geometry(batch, frames, text_len, unet.use_temporal)
    if pose_encoder is not None:
        _pose_encoder(fc, pose_encoder, g.images, height * width)
    ch = unet.block_out_channels
    n = len(ch)
    t = 4 * ch[0]
    fc.dense("time_embedding/linear_1", False, g.temb_rows, ch[0], t)
    fc.dense("time_embedding/linear_2", False, g.temb_rows, t, t)
    hw = [height * width // 4**i for i in range(n)]
    live = fc.conv("conv_in", False, g.images * hw[0], 9, unet.in_channels, ch[0])
    skips = [(live, ch[0])]
    c_prev = ch[0]
    for i, kind in enumerate(unet.down_block_types):
        p = f"down_blocks_{i}"
        for j in range(unet.layers_per_block):
            live = _resnet(fc, g, f"{p}/resnets_{j}", live, hw[i], c_prev, ch[i], t)
            if DOWN_TYPES[kind]:
                live = _transformer(fc, g, f"{p}/attentions_{j}", live, hw[i], ch[i],
                                    unet.cross_attention_dim, unet.temporal_rank)
            skips.append((live, ch[i]))
            c_prev = ch[i]
        if i < n - 1:
            live = fc.conv(f"{p}/downsamplers_0/conv", live, g.images * hw[i + 1], 9, ch[i], ch[i])
            skips.append((live, ch[i]))
    p = "mid_block"
    live = _resnet(fc, g, f"{p}/resnets_0", live, hw[-1], ch[-1], ch[-1], t)
    live = _transformer(fc, g, f"{p}/attentions_0", live, hw[-1], ch[-1],
                        unet.cross_attention_dim, unet.temporal_rank)
    live = _resnet(fc, g, f"{p}/resnets_1", live, hw[-1], ch[-1], ch[-1], t)
    for i, kind in enumerate(unet.up_block_types):
        level = n - 1 - i
        p = f"up_blocks_{i}"
        for j in range(unet.layers_per_block + 1):
            skip_live, skip_c = skips.pop()
            live = _resnet(fc, g, f"{p}/resnets_{j}", live or skip_live, hw[level],
                           c_prev + skip_c, ch[level], t)
            c_prev = ch[level]
            if UP_TYPES[kind]:
                live = _transformer(fc, g, f"{p}/attentions_{j}", live, hw[level], ch[level],
                                    unet.cross_attention_dim, unet.temporal_rank)
        if level > 0:
            live = fc.conv(f"{p}/upsamplers_0/conv", live, g.images * hw[level - 1], 9,
                           ch[level], ch[level])
    fc.conv("conv_out", live, g.images * hw[0], 9, ch[0], unet.out_channels)
    return fc.result()


def _pose_encoder(fc: FlopCounter, enc: PoseEncoder, images: int, hw: int) -> None:
    """The PoseEncoder on skeletons whose pixel-unshuffled size is the latent's ``hw``."""
    c_prev = 3 * enc.unshuffle**2
    fc.conv("pose/conv_in", False, images * hw, 9, c_prev, enc.channels[0])
    c_prev = enc.channels[0]
    k2 = enc.ksize**2
    for level, c in enumerate(enc.channels):
        hw_l = hw // 4**level
        if c != c_prev:
            fc.conv("pose/in_conv", False, images * hw_l, k2, c_prev, c)
        for _ in range(enc.nums_rb):
            fc.conv("pose/block1", False, images * hw_l, 9, c, c)
            fc.conv("pose/block2", False, images * hw_l, k2, c, c)
        c_prev = c
