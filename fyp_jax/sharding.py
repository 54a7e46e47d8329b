"""The device mesh (axes ``data``, ``fsdp``), parameter shardings by regex rules, global batches.

Every array of the training state gets a ``PartitionSpec`` from the first rule whose regex is
found in its path (``trainable/unet/.../kernel``, ``opt_state/.../mu/unet/...``): a tuple with one
entry per array axis (None or a mesh axis name). Arrays no rule names fall to the default:
arrays of at least ``min_shard_size`` scalars are split along their largest axis that the
``fsdp`` size divides, the rest are replicated. The batch is split over both axes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec

from fyp_jax.errors import ConfigError

AXES = ("data", "fsdp")
BATCH_SPEC = PartitionSpec(AXES)

Rule = tuple[str, Sequence[str | None]]


def use_every_cpu_core() -> None:
    """Make JAX's CPU backend one device per core this process may run on, so that a mesh over
    them runs the rows of a batch side by side: XLA runs the attention's ``lax.map`` loops (over
    half of a small UNet's time) on one thread, and a 2-core CPU idles half the time otherwise.
    Call it before JAX runs anything; a CPU device count already chosen (``JAX_NUM_CPU_DEVICES``,
    ``--xla_force_host_platform_device_count`` in ``XLA_FLAGS``) is kept, and so is one device
    per process in a multi-process run (``JAX_COORDINATOR_ADDRESS``, see
    :func:`fyp_jax.train.distributed.initialize`: each process is one share of every batch).
    Other backends are unaffected."""
    from jax._src import xla_bridge

    chosen = (jax.config.jax_num_cpu_devices != -1
              or "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", "")
              or "JAX_COORDINATOR_ADDRESS" in os.environ)
    if not chosen and not xla_bridge.backends_are_initialized():
        jax.config.update("jax_num_cpu_devices", cpu_cores())


def rows_per_device(fn: Callable[..., Any], mesh: Mesh | None = None) -> Callable[..., Any]:
    """``fn(whole, *batched) -> [b, ...]`` (or a tuple of such), each device of ``mesh`` (None:
    the mesh in context, ``jax.set_mesh``) computing its own rows of the batch (the arrays of
    ``batched``: batch first, None allowed) with its own copy of ``whole`` (the parameters, and
    anything else without a batch axis; ``shard_map``, whose backward sums their gradients over
    devices). XLA's partitioner cannot split the attention's ``lax.map`` loops and would run
    them whole on every device. Plain ``fn`` without a mesh of several devices, or when the mesh
    splits parameters (``fsdp`` > 1)."""
    def call(whole: Any, *batched: Any) -> Any:
        devices = jax.sharding.get_abstract_mesh() if mesh is None else mesh
        if devices.empty or devices.size == 1 or devices.shape.get("fsdp", 1) != 1:
            return fn(whole, *batched)
        specs = jax.tree.map(lambda _: BATCH_SPEC, batched)
        return jax.shard_map(fn, mesh=devices, in_specs=(PartitionSpec(), *specs),
                             out_specs=BATCH_SPEC, check_vma=False)(whole, *batched)

    return call


def cpu_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0))


def local_mesh() -> Mesh | None:
    """A ``data`` mesh over every device (None with one device): what the sampling CLIs use."""
    return None if jax.device_count() == 1 else make_mesh(-1, 1)


def make_mesh(data: int, fsdp: int, devices: Sequence[jax.Device] | None = None) -> Mesh:
    """A ``data x fsdp`` mesh over all devices (of every process); -1 means "the rest"."""
    devices = list(jax.devices() if devices is None else devices)
    n = len(devices)
    if data == -1 and fsdp == -1:
        raise ConfigError("mesh: at most one of data and fsdp may be -1")
    if data == -1:
        data = n // fsdp if fsdp > 0 and n % fsdp == 0 else 0
    if fsdp == -1:
        fsdp = n // data if data > 0 and n % data == 0 else 0
    if data < 1 or fsdp < 1 or data * fsdp != n:
        raise ConfigError(f"mesh data x fsdp must multiply to the {n} devices; got data={data}, "
                          f"fsdp={fsdp}")
    # Auto axes: shardings are given at jit boundaries and XLA propagates them inside.
    return jax.make_mesh((data, fsdp), AXES, (AxisType.Auto,) * 2, devices=devices)


def default_spec(shape: Sequence[int], fsdp: int, min_shard_size: int) -> PartitionSpec:
    """Shard the largest axis ``fsdp`` divides, for arrays of at least ``min_shard_size``."""
    if fsdp == 1 or int(np.prod(shape, dtype=np.int64)) < min_shard_size:
        return PartitionSpec()
    axes = sorted(range(len(shape)), key=lambda i: (-shape[i], -i))
    for i in axes:
        if shape[i] % fsdp == 0:
            return PartitionSpec(*[("fsdp" if j == i else None) for j in range(len(shape))])
    return PartitionSpec()


def spec_for(path: str, shape: Sequence[int], mesh: Mesh, rules: Sequence[Rule],
             min_shard_size: int) -> PartitionSpec:
    for pattern, spec in rules:
        if re.search(pattern, path):
            if len(spec) > len(shape):
                raise ConfigError(f"sharding rule {pattern!r} gives {len(spec)} axes to {path} "
                                  f"of shape {tuple(shape)}")
            return PartitionSpec(*spec)
    return default_spec(shape, mesh.shape["fsdp"], min_shard_size)


def tree_shardings(tree: Any, mesh: Mesh, rules: Sequence[Rule] = (),
                   min_shard_size: int = 2**14) -> Any:
    """A NamedSharding for every array leaf of ``tree`` (arrays or ShapeDtypeStructs)."""
    def one(path, leaf):
        name = "/".join(_key_name(k) for k in path)
        return NamedSharding(mesh, spec_for(name, leaf.shape, mesh, rules, min_shard_size))

    return jax.tree_util.tree_map_with_path(one, tree)


def _key_name(key: Any) -> str:
    for attr in ("key", "name", "idx"):
        if hasattr(key, attr):
            return str(getattr(key, attr))
    return str(key)


def batch_sharding(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, BATCH_SPEC)


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, PartitionSpec())


def global_batch(local: Mapping[str, np.ndarray], mesh: Mesh) -> dict[str, jax.Array]:
    """This process's rows of the global batch -> global arrays split over (data, fsdp).

    Every process passes its own consecutive share (process p holds rows p*n .. (p+1)*n-1).
    """
    sharding = batch_sharding(mesh)
    return {k: jax.make_array_from_process_local_data(sharding, np.asarray(v))
            for k, v in local.items()}


def put(tree: Any, shardings: Any) -> Any:
    """Host arrays (the same full value on every process) -> global arrays with ``shardings``."""
    def one(value, sharding):
        value = np.asarray(value)
        return jax.make_array_from_callback(value.shape, sharding, lambda idx: value[idx])

    return jax.tree.map(one, tree, shardings)
