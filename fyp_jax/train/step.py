"""One optimizer step: gradients of the trainable subtree (optionally accumulated over
micro-batches), the optimizer update, the EMA, and a guard that keeps the state unchanged when
the loss or the gradient norm is not finite (so the last good state can still be saved).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from fyp_jax.compile_options import cpu_compiler_options
from fyp_jax.sharding import batch_sharding, replicated
from fyp_jax.train.optimizer import current_learning_rate
from fyp_jax.train.partition import merge_params
from fyp_jax.train.state import TrainState

# loss_fn(params {component: tree}, batch, key) -> (scalar float32 loss, {name: scalar})
LossFn = Callable[[Any, dict[str, jax.Array], jax.Array], tuple[jax.Array, dict[str, jax.Array]]]
StepFn = Callable[[TrainState, dict[str, jax.Array]], tuple[TrainState, dict[str, jax.Array]]]


def _micro_batches(batch: dict[str, jax.Array], n: int) -> dict[str, jax.Array]:
    """``[B, ...]`` -> ``[n, B/n, ...]`` taking every n-th row, so that each micro-batch is
    spread over all devices like the batch itself."""
    return jax.tree.map(lambda x: jnp.swapaxes(x.reshape(x.shape[0] // n, n, *x.shape[1:]), 0, 1),
                        batch)


def gradients(loss_fn: LossFn, state: TrainState, batch: dict[str, jax.Array], key: jax.Array,
              accum_steps: int = 1) -> tuple[jax.Array, dict[str, jax.Array], Any]:
    """(mean loss, mean loss terms, mean gradients w.r.t. ``state.trainable``)."""
    def loss_of_trainable(trainable, micro, k):
        return loss_fn(merge_params(trainable, state.frozen), micro, k)

    grad_fn = jax.value_and_grad(loss_of_trainable, has_aux=True)
    if accum_steps == 1:
        (loss, aux), grads = grad_fn(state.trainable, batch, key)
        return loss, aux, grads

    micro = _micro_batches(batch, accum_steps)
    shapes = jax.eval_shape(grad_fn, state.trainable, jax.tree.map(lambda x: x[0], micro), key)
    zeros = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)

    def body(total, xs):
        i, m = xs
        out = grad_fn(state.trainable, m, jax.random.fold_in(key, i))
        return jax.tree.map(jnp.add, total, out), None

    ((loss, aux), grads), _ = jax.lax.scan(body, zeros, (jnp.arange(accum_steps), micro))
    return jax.tree.map(lambda x: x / accum_steps, (loss, aux, grads))


def ema_warmup_decay(ema_decay: float, step: jax.Array) -> jax.Array:
    """``min(ema_decay, (1 + step) / (10 + step))``: early on the EMA follows the params, so it
    never keeps a large share of the starting point (with a fixed 0.999, a 1400-step run would
    still hold 25 % of its initial weights)."""
    step = step.astype(jnp.float32)
    return jnp.minimum(jnp.float32(ema_decay), (1.0 + step) / (10.0 + step))


def make_train_step(loss_fn: LossFn, optimizer: optax.GradientTransformation, *,
                    accum_steps: int = 1, ema_decay: float = 0.0) -> StepFn:
    """A pure ``step(state, batch) -> (state, metrics)`` to be jitted by the caller.

    ``batch``: the global batch; with ``accum_steps > 1`` it is split into that many equal
    micro-batches whose mean gradient makes one update (the loss is a mean, so this equals one
    big batch up to summation order). Metrics: loss, grad_norm (before clipping), lr, the loss
    function's own terms, and ``finite`` (0 when the update was skipped).
    """

    def step(state: TrainState, batch: dict[str, jax.Array]):
        key = jax.random.fold_in(state.rng, state.step)
        loss, aux, grads = gradients(loss_fn, state, batch, key, accum_steps)
        grad_norm = optax.tree.norm(grads)
        updates, opt_state = optimizer.update(grads, state.opt_state, state.trainable)
        trainable = optax.apply_updates(state.trainable, updates)
        ema = state.ema
        if ema is not None:
            decay = ema_warmup_decay(ema_decay, state.step)
            ema = jax.tree.map(lambda e, p: decay * e + (1.0 - decay) * p, ema, trainable)
        new = state.replace(step=state.step + 1, trainable=trainable, opt_state=opt_state, ema=ema)
        finite = jnp.isfinite(loss) & jnp.isfinite(grad_norm)
        new = jax.tree.map(lambda a, b: jnp.where(finite, a, b), new, state)
        metrics = dict(aux, loss=loss, grad_norm=grad_norm,
                       lr=current_learning_rate(opt_state), finite=finite.astype(jnp.float32))
        return new, metrics

    return step


def jit_step(step: StepFn, shardings: TrainState, mesh: jax.sharding.Mesh) -> StepFn:
    """``jax.jit`` of a train step: state in and out with ``shardings`` (and donated), the batch
    split over (data, fsdp), metrics replicated; the CPU compiler options on CPU meshes."""
    return jax.jit(step, in_shardings=(shardings, batch_sharding(mesh)),
                   out_shardings=(shardings, replicated(mesh)), donate_argnums=0,
                   compiler_options=cpu_compiler_options(mesh.devices.flat[0].platform))
