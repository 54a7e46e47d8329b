"""Forward diffusion q(x_t | x0) and the training targets, as pure functions of `alphas_cumprod`.

`t` holds one integer timestep per batch element (shape [b], or a scalar for the whole batch);
abar[t] is broadcast over every trailing axis, so the layout of the data (channels-last video
[b, f, h, w, c] here) does not matter. Math in float32, as diffusers does for float32 inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fyp_jax.schedulers.parametrization import check_prediction_type


def noise_scales(
    alphas_cumprod: np.ndarray | jax.Array, t: jax.Array, ndim: int
) -> tuple[jax.Array, jax.Array]:
    """(sqrt(abar[t]), sqrt(1 - abar[t])), shaped to broadcast against data of rank `ndim`."""
    abar = jnp.asarray(alphas_cumprod, dtype=jnp.float32)[jnp.asarray(t)]
    abar = abar.reshape(abar.shape + (1,) * (ndim - abar.ndim))
    return jnp.sqrt(abar), jnp.sqrt(1.0 - abar)


def add_noise(
    alphas_cumprod: np.ndarray | jax.Array, x0: jax.Array, noise: jax.Array, t: jax.Array
) -> jax.Array:
    """x_t = sqrt(abar[t]) x0 + sqrt(1 - abar[t]) noise (diffusers `add_noise`)."""
    alpha, sigma = noise_scales(alphas_cumprod, t, jnp.ndim(x0))
    return alpha * x0 + sigma * noise


def get_velocity(
    alphas_cumprod: np.ndarray | jax.Array, x0: jax.Array, noise: jax.Array, t: jax.Array
) -> jax.Array:
    """v = sqrt(abar[t]) noise - sqrt(1 - abar[t]) x0, the v-prediction target (Imagen Video 2.4)."""
    alpha, sigma = noise_scales(alphas_cumprod, t, jnp.ndim(x0))
    return alpha * noise - sigma * x0


def training_target(
    alphas_cumprod: np.ndarray | jax.Array,
    x0: jax.Array,
    noise: jax.Array,
    t: jax.Array,
    prediction_type: str,
) -> jax.Array:
    """What the model regresses on: `noise` (epsilon), `x0` (sample) or the velocity."""
    check_prediction_type(prediction_type)
    if prediction_type == "epsilon":
        return noise
    if prediction_type == "sample":
        return x0
    return get_velocity(alphas_cumprod, x0, noise, t)
