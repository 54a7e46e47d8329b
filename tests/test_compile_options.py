"""The CPU compiler options and the jit that applies them."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from fyp_jax.compile_options import CPU_OPTIONS, cpu_compiler_options, tuned_jit


def test_options_only_for_cpu():
    assert cpu_compiler_options("cpu") == CPU_OPTIONS
    assert cpu_compiler_options("gpu") == {} and cpu_compiler_options("tpu") == {}


def test_tuned_jit_keeps_static_args_and_results():
    calls = []

    @tuned_jit(static_argnames="power")
    def f(x, *, power):
        calls.append(power)  # runs once per trace
        return jnp.exp(x) ** power

    x = jnp.linspace(-3, 3, 1000)
    np.testing.assert_allclose(f(x, power=2), np.exp(2 * np.asarray(x)), rtol=1e-5)
    f(x, power=2)
    f(x, power=3)
    assert calls == [2, 3]
