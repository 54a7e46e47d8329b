"""``sharding.rows_per_device`` on 2 simulated CPU devices (a fresh process: the device count
must be set before JAX starts): each device computes its own rows under ``shard_map``, values and
parameter gradients equal the plain function's, a tuple output works, and a mesh that splits
parameters (fsdp > 1) or no mesh leaves the function as it is."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np
    from fyp_jax.sharding import batch_sharding, make_mesh, rows_per_device

    def fn(w, x, scale):  # a lax.map over rows, as the attention kernels have; a tuple out
        y = jax.lax.map(lambda r: jnp.tanh(r @ w), x) * scale[:, None]
        return y, y.sum(axis=1)

    split = rows_per_device(fn)
    w = jax.random.normal(jax.random.key(0), (5, 3))
    x = jax.random.normal(jax.random.key(1), (4, 5))
    scale = jnp.arange(1.0, 5.0)
    loss = lambda f: lambda w, x, s: f(w, x, s)[0].sum() + f(w, x, s)[1].prod()
    want, want_grad = fn(w, x, scale), jax.grad(loss(fn))(w, x, scale)

    mesh = make_mesh(-1, 1)
    assert mesh.size == 2, mesh
    xs, ss = (jax.device_put(a, batch_sharding(mesh)) for a in (x, scale))
    with jax.set_mesh(mesh):
        assert "shard_map" in str(jax.make_jaxpr(split)(w, xs, ss))
        got = jax.jit(split)(w, xs, ss)
        got_grad = jax.jit(jax.grad(loss(split)))(w, xs, ss)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-5, atol=1e-6)
    assert got[0].sharding.is_equivalent_to(batch_sharding(mesh), 2)  # rows stay on their devices

    assert "shard_map" not in str(jax.make_jaxpr(split)(w, x, scale))  # no mesh
    with jax.set_mesh(make_mesh(1, 2)):
        assert "shard_map" not in str(jax.make_jaxpr(split)(w, x, scale))  # fsdp splits params
    print("ok")
""")


def test_rows_per_device_matches_the_plain_function():
    env = dict(os.environ, JAX_PLATFORMS="cpu", JAX_NUM_CPU_DEVICES="2")
    env.pop("XLA_FLAGS", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]
