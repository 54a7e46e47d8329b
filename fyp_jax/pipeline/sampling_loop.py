"""The denoising loop: classifier-free guidance + a scheduler, as a loop over a range of steps.

The UNet is called once per step on the batch ``concat([uncond, cond])`` (unconditional first,
as the original). Pose features are computed by the caller once per video (the original
recomputes them at every step) and repeated for the two halves here.

The loop runs steps ``[start, stop)`` with TRACED bounds, and the guidance scale and eta are
traced too: one compiled program serves the whole loop (``start=0, stop=num_steps``) and a
progress bar (one call per step), whatever the guidance, eta or seed. Only the shapes, the
scheduler, the step count and whether guidance is on (``cfg``) are static. Nothing in it calls
back to the host, so JAX's persistent compilation cache can store it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
from jax.sharding import NamedSharding

from fyp_jax.compile_options import tuned_jit
from fyp_jax.errors import ConfigError
from fyp_jax.models.unet3d import UNet3DConditionModel
from fyp_jax.pipeline.editing import blend
from fyp_jax.pipeline.regions import compose
from fyp_jax.pipeline.windows import Windows, fused_prediction
from fyp_jax.sharding import rows_per_device


def guided_prediction(
    unet: UNet3DConditionModel,
    params: Any,
    latents: jax.Array,
    t: jax.Array,
    text_uncond: jax.Array,
    text_cond: jax.Array,
    pose_features: Sequence[jax.Array] | None,
    guidance_scale: float | jax.Array,
    cfg: bool = True,
    deep_features: jax.Array | None = None,
    return_deep: bool = False,
    split: NamedSharding | None = None,
) -> jax.Array | tuple[jax.Array, jax.Array]:
    """``u + g (c - u)``; with ``cfg=False`` only the conditional half is computed.

    The guided batch is ``[u_0, c_0, u_1, c_1, ...]``: row r's two halves side by side, so a
    batch split over devices keeps each prompt's rows where they are. ``split``: that batch's
    sharding over a mesh whose parameters are replicated: each device runs the UNet on its own
    rows (``shard_map``). XLA's partitioner cannot split the attention's ``lax.map`` loops and
    would run them whole on every device; this way the halves of one prompt run side by side
    (on a CPU with one device per core: both cores).
    ``deep_features`` / ``return_deep``: the UNet's DeepCache branch (for the whole guided batch).
    """
    if not cfg:
        return unet.apply({"params": params}, latents, t, text_cond, pose_features=pose_features,
                          deep_features=deep_features, return_deep=return_deep)
    feats = None if pose_features is None else [_pairs(f, f) for f in pose_features]
    out = _unet_on_shards(unet, split, return_deep)(
        params, _pairs(latents, latents), t, _pairs(text_uncond, text_cond), feats, deep_features)
    out, deep = out if return_deep else (out, None)
    pairs = out.reshape(latents.shape[0], 2, *out.shape[1:])
    uncond, cond = pairs[:, 0], pairs[:, 1]
    guided = uncond + guidance_scale * (cond - uncond)
    return (guided, deep) if return_deep else guided


def _pairs(a: jax.Array, b: jax.Array) -> jax.Array:
    """``[r, ...]``, ``[r, ...]`` -> ``[2r, ...]`` as ``a_0, b_0, a_1, b_1, ...``."""
    return jnp.stack([a, b], axis=1).reshape(-1, *a.shape[1:])


def _unet_on_shards(unet: UNet3DConditionModel, split: NamedSharding | None,
                    return_deep: bool) -> Callable:
    """``(params, x, t, text, feats, deep) -> the UNet's output``; with ``split``, each device
    of its mesh computes its own rows (``sharding.rows_per_device``: the parameters and the
    timestep replicated)."""
    def call(whole, x, text, feats, deep):
        params, t = whole
        return unet.apply({"params": params}, x, t, text, pose_features=feats,
                          deep_features=deep, return_deep=return_deep)

    run = call if split is None else rows_per_device(call, split.mesh)
    return lambda params, x, t, text, feats, deep: run((params, t), x, text, feats, deep)


def cached_prediction(predict: Callable[..., Any], i: jax.Array, deep: jax.Array,
                      interval: int) -> tuple[jax.Array, jax.Array]:
    """DeepCache (Ma et al. 2023) inside the loop: every ``interval``-th step runs the whole
    UNet and keeps its deep features; the steps between run only the shallow branch on them.
    ``lax.cond`` runs one branch per step, so a cached step costs only the shallow branch."""
    return jax.lax.cond(
        i % interval == 0,
        lambda: predict(return_deep=True),
        lambda: (predict(deep_features=deep, return_deep=True)[0], deep))


def deep_feature_shape(unet: UNet3DConditionModel, params: Any, latents: jax.ShapeDtypeStruct,
                       text: jax.ShapeDtypeStruct, pose_features: Any, cfg: bool
                       ) -> jax.ShapeDtypeStruct:
    """The shape of the deep features the loop carries (no compilation: ``eval_shape``)."""
    def deep(p, x, c, feats):
        return guided_prediction(unet, p, x, jnp.int32(0), c, c, feats, 1.0, cfg,
                                 return_deep=True)[1]

    return jax.eval_shape(deep, params, latents, text, pose_features)


def check_eta(scheduler: Any, eta: float, name: str | None = None) -> None:
    """ConfigError for a noise scale the scheduler (called ``name``) cannot take."""
    if eta and not scheduler.supports_eta:
        raise ConfigError(f"the {name or type(scheduler).__name__} scheduler is deterministic: "
                          "eta must be 0")


def uses_guidance(guidance_scale: float) -> bool:
    """Whether sampling runs the unconditional half (the static ``cfg`` switch)."""
    return float(guidance_scale) > 1.0


def run_steps(unet: UNet3DConditionModel, params: Any, state: tuple[jax.Array, Any],
              text_uncond: jax.Array, text_cond: jax.Array,
              pose_features: Sequence[jax.Array] | None, start: jax.Array, stop: jax.Array,
              guidance_scale: jax.Array, eta: jax.Array, seed: jax.Array,
              source: tuple[jax.Array, jax.Array, jax.Array] | None = None,
              regions: jax.Array | None = None, *, scheduler: Any,
              num_steps: int, cfg: bool, windows: Windows | None = None,
              cache_interval: int = 1, split: NamedSharding | None = None
              ) -> tuple[jax.Array, Any]:
    """Steps ``start .. stop-1`` of ``num_steps`` from ``state = (latents, scheduler carry)``
    (``+ (deep features,)`` with ``cache_interval > 1``: DeepCache, see :func:`cached_prediction`).

    ``seed`` (int32 scalar) keys the noise of a stochastic DDIM step (``eta > 0``): step i
    draws from ``fold_in(key(seed), i)``, so chunking the range never changes the result.
    ``windows``: a video longer than ``windows.size`` frames is predicted window by window and
    fused (:mod:`fyp_jax.pipeline.windows`); a shorter one exactly as without it.
    ``source = (trajectory, mask, until)``: an edit (:mod:`fyp_jax.pipeline.editing`): after
    step i < ``until`` (int32 scalar) the latents take ``trajectory[num_steps - 1 - i]`` (the
    source's inversion at the level step i reaches, ``[num_steps + 1, 1, f, h, w, c]``) where
    ``mask [1, f, h, w, 1]`` is 1; the steps from ``until`` on run free.
    ``regions [rows, f, h, w, 1]``: the rows are the people of one video, their predictions
    composed by these one-hot masks after every UNet call (:mod:`fyp_jax.pipeline.regions`).
    ``split``: the guided batch's sharding, see :func:`guided_prediction`.
    """
    ts = jnp.asarray(scheduler.timesteps(num_steps))
    step_kwargs = dict(eta=eta, key=jax.random.key(seed)) if scheduler.supports_eta else {}
    windowed = windows is not None and state[0].shape[1] > windows.size

    def body(i, carry):
        x, sched_carry, *deep = carry

        def predict(latents, feats, **cache):
            return guided_prediction(unet, params, latents, ts[i], text_uncond, text_cond, feats,
                                     guidance_scale, cfg, split=split, **cache)

        if windowed:
            eps = fused_prediction(predict, x, pose_features, i, windows)
        elif deep:
            eps, deep[0] = cached_prediction(partial(predict, x, pose_features), i, deep[0],
                                             cache_interval)
        else:
            eps = predict(x, pose_features)
        if regions is not None:
            eps = compose(eps, regions)
        x, sched_carry = scheduler.step(eps, i, ts, x, sched_carry, **step_kwargs)
        if source is not None:
            trajectory, mask, until = source
            x = blend(x, trajectory[num_steps - 1 - i], mask * (i < until))
        return (x, sched_carry, *deep)

    return jax.lax.fori_loop(start, stop, body, state)


run_steps_jit = tuned_jit(run_steps, static_argnames=("unet", "scheduler", "num_steps", "cfg",
                                                      "windows", "cache_interval", "split"))


def stepwise(advance: Callable[[int, int, Any], Any], state: Any, num_steps: int,
             progress: Callable[[int], None] | None, first: int = 0) -> Any:
    """Drive ``advance(start, stop, state) -> state`` over steps ``first .. num_steps - 1``.

    Without ``progress``: one call for the whole loop. With it: one call per step, the next step
    dispatched before waiting for the previous one (the device never waits for the host), and
    ``progress(i)`` called when step i is done.
    """
    if progress is None:
        return advance(first, num_steps, state)
    previous = None
    for i in range(first, num_steps):
        state = advance(i, i + 1, state)
        if previous is not None:
            jax.block_until_ready(previous)
            progress(i - 1)
        previous = state
    jax.block_until_ready(state)
    progress(num_steps - 1)
    return state


def denoise(
    unet: UNet3DConditionModel,
    unet_params: Any,
    latents: jax.Array,
    text_emb_uncond: jax.Array,
    text_emb_cond: jax.Array,
    pose_features: Sequence[jax.Array] | None,
    *,
    scheduler: Any,
    num_steps: int = 50,
    guidance_scale: float = 12.5,
    eta: float = 0.0,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> jax.Array:
    """Run ``num_steps`` sampler steps from ``latents [b, f, h, w, c]``; return final latents.

    Args:
      text_emb_uncond, text_emb_cond: ``[b, n, d]`` (uncond = empty or negative prompt).
      pose_features: the PoseEncoder's 4 maps for batch b, or None (no pose guidance).
      scheduler: a ``fyp_jax.schedulers`` sampler (DDIM, DPM-Solver++).
      eta: DDIM noise scale (its noise is keyed by ``seed``).
      progress: host function called with the step index after each step (a progress bar);
        the compiled program is the same with or without it.
    """
    check_eta(scheduler, eta)
    latents = latents * scheduler.init_noise_sigma
    static = dict(scheduler=scheduler, num_steps=num_steps, cfg=uses_guidance(guidance_scale))
    scalars = (jnp.float32(guidance_scale), jnp.float32(eta), jnp.int32(seed))

    def advance(start, stop, state):
        return run_steps_jit(unet, unet_params, state, text_emb_uncond, text_emb_cond,
                             pose_features, jnp.int32(start), jnp.int32(stop), *scalars, **static)

    state = (latents, scheduler.init_carry(latents))
    return stepwise(advance, state, num_steps, progress)[0]
