"""AdamW with torch's gradient clipping and a warmup + constant/cosine learning-rate schedule.

Matches ``torch.nn.utils.clip_grad_norm_`` followed by ``torch.optim.AdamW`` (decoupled weight
decay ``p <- p - lr * wd * p`` on every tensor it sees, eps outside the square root), which is
what the original trainer runs. The optimizer only ever sees the trainable subtree.

The numeric hyper-parameters live in the optimizer state (``optax.inject_hyperparams``): the
current learning rate can be read from it, and one compiled train step serves any values.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax

from fyp_jax.errors import ConfigError

TORCH_CLIP_EPS = 1e-6
SCHEDULES = ("constant", "cosine")


def clip_by_global_norm_torch(max_norm: float | jax.Array) -> optax.GradientTransformation:
    """Scale all gradients by ``min(1, max_norm / (norm + 1e-6))`` (torch's formula; optax's
    ``clip_by_global_norm`` divides by ``max(norm, max_norm)`` instead). ``inf`` disables it."""

    def update(updates, state, params=None):
        del params
        coef = jnp.minimum(1.0, max_norm / (optax.tree.norm(updates) + TORCH_CLIP_EPS))
        return jax.tree.map(lambda g: (g * coef).astype(g.dtype), updates), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def learning_rate_schedule(lr: float, *, warmup_steps: int = 0, schedule: str = "constant",
                           total_steps: int = 0, final_fraction: float = 0.0
                           ) -> float | optax.Schedule:
    """Linear warmup from 0 over ``warmup_steps``, then constant or cosine decay to
    ``final_fraction * lr`` at ``total_steps``. A constant without warmup is the plain number."""
    if schedule not in SCHEDULES:
        raise ConfigError(f"optim.schedule={schedule!r}: choose one of {', '.join(SCHEDULES)}")
    if schedule == "constant":
        if warmup_steps <= 0:
            return lr
        return optax.join_schedules(
            [optax.linear_schedule(0.0, lr, warmup_steps), optax.constant_schedule(lr)],
            [warmup_steps])
    if total_steps <= warmup_steps:
        raise ConfigError(f"cosine schedule: num_steps ({total_steps}) must exceed warmup_steps "
                          f"({warmup_steps})")
    return optax.warmup_cosine_decay_schedule(0.0, lr, warmup_steps, total_steps,
                                              end_value=final_fraction * lr)


def _adamw_clipped(learning_rate, b1, b2, eps, weight_decay, max_grad_norm):
    return optax.chain(clip_by_global_norm_torch(max_grad_norm),
                       optax.adamw(learning_rate, b1, b2, eps, weight_decay=weight_decay))


def make_optimizer(cfg: Any, total_steps: int) -> optax.GradientTransformation:
    """From ``config.optim``: lr, warmup_steps, schedule, final_lr_fraction, b1, b2, eps,
    weight_decay, max_grad_norm (<= 0: no clipping)."""
    lr = learning_rate_schedule(cfg.lr, warmup_steps=cfg.warmup_steps, schedule=cfg.schedule,
                                total_steps=total_steps, final_fraction=cfg.final_lr_fraction)
    max_norm = cfg.max_grad_norm if cfg.max_grad_norm > 0 else float("inf")
    return optax.inject_hyperparams(_adamw_clipped)(
        learning_rate=lr, b1=cfg.b1, b2=cfg.b2, eps=cfg.eps, weight_decay=cfg.weight_decay,
        max_grad_norm=max_norm)


def current_learning_rate(opt_state: Any) -> jax.Array:
    """The learning rate of the last update (read from the injected hyper-parameters)."""
    return opt_state.hyperparams["learning_rate"]
