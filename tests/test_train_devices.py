"""The same training on 1 device, on 2 simulated devices (data 2: each device runs the UNet on
its own rows, ``sharding.rows_per_device``), on 8 (data 2 x fsdp 4: XLA's partitioner), and on two
processes joined by jax.distributed (4 simulated devices each) ends with the same params."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from train_micro import start_bundle
from train_processes import load_params, max_abs_diff, run_multi_process, run_worker

STEPS = 5


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    return dict(start=start_bundle(base / "micro_start"), cache=str(base / "xla_cache"),
                tmp=tmp_path_factory.mktemp("devices"))


def spec(shared, name: str, **overrides) -> dict:
    """Stage 2 from raw video + captions (VAE and text encoder in the step), 5 steps."""
    return dict(stage=2, start=shared["start"], workdir=str(shared["tmp"] / name), steps=STEPS,
                overrides=dict({"checkpoint.every": STEPS}, **overrides),
                out=str(shared["tmp"] / f"{name}.npz"))


@pytest.fixture(scope="module")
def one_device(shared):
    return run_worker(spec(shared, "one"), 1, shared["cache"])


@pytest.mark.slow  # two training processes, ~80 s; tests/test_rows_per_device.py is the quick check
def test_two_devices_rows_per_device_match_one(shared, one_device):
    two = run_worker(spec(shared, "two", **{"mesh.data": 2, "mesh.fsdp": 1}), 2, shared["cache"])
    err = max_abs_diff(one_device, two)
    print(f"1 device vs 2 devices (data 2, the UNet per device), {STEPS} steps: max abs diff "
          f"{err:.3g}")
    assert err <= 1e-5


@pytest.mark.slow
def test_eight_devices_match_one(shared, one_device):
    eight = run_worker(spec(shared, "eight", **{"mesh.data": 2, "mesh.fsdp": 4}), 8,
                       shared["cache"])
    err = max_abs_diff(one_device, eight)
    print(f"1 device vs 8 devices (data 2 x fsdp 4), {STEPS} steps: max abs diff {err:.3g}")
    assert err <= 1e-5


@pytest.mark.slow
def test_two_processes_match_one(shared, one_device):
    s = spec(shared, "two_proc", **{"mesh.data": 2, "mesh.fsdp": 4})
    run_multi_process(s, processes=2, devices_each=4, cache_dir=shared["cache"])
    err = max_abs_diff(one_device, load_params(s["out"]))
    print(f"1 process vs 2 processes x 4 devices, {STEPS} steps: max abs diff {err:.3g}")
    assert err <= 1e-5
    reads = [json.loads(Path(f"{s['out']}.reads{p}.json").read_text()) for p in (0, 1)]
    single = json.loads(Path(f"{shared['tmp'] / 'one.npz'}.reads0.json").read_text())
    for step in range(STEPS):
        assert not set(reads[0][step]) & set(reads[1][step])      # disjoint shares
        assert reads[0][step] + reads[1][step] == single[step]     # together: the global batch
        assert len(reads[0][step]) == len(single[step]) // 2

