"""The training state and its placement on the mesh.

Trainable params, optimizer state and the EMA are float32; frozen params may be stored in a
narrower dtype (``frozen_dtype``, e.g. bfloat16). Checkpoints hold everything except the frozen
params, which are reloaded from the starting point on resume.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import flax.struct
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh

from fyp_jax import sharding
from fyp_jax.errors import ConfigError
from fyp_jax.train.partition import split_params

FROZEN_DTYPES = ("float32", "bfloat16", "float16")


@flax.struct.dataclass
class TrainState:
    step: jax.Array        # int32 []: optimizer steps done
    trainable: Any         # {component: params} subtree that trains (float32)
    frozen: Any            # the rest of the params (frozen_dtype)
    opt_state: Any
    ema: Any               # EMA of ``trainable`` or None
    rng: jax.Array         # uint32 [2]: raw key; step s uses fold_in(rng, s)

    def without_frozen(self) -> TrainState:
        return self.replace(frozen=None)


def _cast_floats(tree: Any, dtype: Any) -> Any:
    def cast(x):
        x = np.asarray(x)
        return x.astype(dtype) if np.issubdtype(x.dtype, np.floating) else x

    return jax.tree.map(cast, tree)


def host_parts(params: Mapping[str, Any], patterns: Mapping[str, str], frozen_dtype: str
               ) -> tuple[Any, Any]:
    """(trainable float32, frozen in ``frozen_dtype``) numpy trees."""
    if frozen_dtype not in FROZEN_DTYPES:
        raise ConfigError(f"model.frozen_dtype={frozen_dtype!r}: choose one of {FROZEN_DTYPES}")
    trainable, frozen = split_params(dict(params), patterns)
    return _cast_floats(trainable, np.float32), _cast_floats(frozen, jnp.dtype(frozen_dtype))


def abstract_state(trainable: Any, frozen: Any, optimizer: optax.GradientTransformation,
                   use_ema: bool) -> TrainState:
    """Shapes and dtypes of the full state (nothing computed)."""
    spec = lambda x: jax.ShapeDtypeStruct(np.shape(x), np.asarray(x).dtype)  # noqa: E731
    t = jax.tree.map(spec, trainable)
    return TrainState(
        step=jax.ShapeDtypeStruct((), jnp.int32), trainable=t, frozen=jax.tree.map(spec, frozen),
        opt_state=jax.eval_shape(optimizer.init, t), ema=t if use_ema else None,
        rng=jax.ShapeDtypeStruct((2,), jnp.uint32))


def state_shardings(abstract: TrainState, mesh: Mesh, rules: Sequence[sharding.Rule],
                    min_shard_size: int) -> TrainState:
    return sharding.tree_shardings(abstract, mesh, rules, min_shard_size)


def create_state(trainable: Any, frozen: Any, optimizer: optax.GradientTransformation, *,
                 seed: int, use_ema: bool, shardings: TrainState) -> TrainState:
    """Place host params on the mesh and initialise the optimizer there (step 0)."""
    trainable_dev = sharding.put(trainable, shardings.trainable)
    init = jax.jit(optimizer.init, out_shardings=shardings.opt_state)
    ema = jax.jit(lambda t: jax.tree.map(jnp.copy, t), out_shardings=shardings.ema)
    return TrainState(
        step=sharding.put(np.int32(0), shardings.step),
        trainable=trainable_dev,
        frozen=sharding.put(frozen, shardings.frozen),
        opt_state=init(trainable_dev),
        ema=ema(trainable_dev) if use_ema else None,
        rng=sharding.put(np.asarray(jax.random.PRNGKey(seed), np.uint32), shardings.rng),
    )
