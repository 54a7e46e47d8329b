"""The Pipeline: what recompiles (nothing but shapes and static switches), sizes, sharding over
simulated devices, batch jobs over two processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import jax
import numpy as np
import pytest

from fyp_jax.errors import ConfigError
from fyp_jax.pipeline import Pipeline, SamplingOptions

REPO = Path(__file__).resolve().parents[1]
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


class CompileCounter:
    """Counts XLA compilations (JAX's backend-compile event) while active."""

    def __init__(self) -> None:
        self.count = 0
        self.active = False
        jax.monitoring.register_event_duration_secs_listener(self._on_event)

    def _on_event(self, event: str, duration: float, **kwargs) -> None:
        if self.active and event == COMPILE_EVENT:
            self.count += 1

    def __enter__(self) -> CompileCounter:
        self.count, self.active = 0, True
        return self

    def __exit__(self, *exc) -> None:
        self.active = False


@pytest.fixture(scope="module")
def tiny_pipe():
    from configs.models.tiny import bundle_configs
    from fyp_jax.pipeline.random_bundle import random_bundle

    return Pipeline(random_bundle(*bundle_configs()))


def test_calls_that_change_only_values_compile_nothing(tiny_pipe):
    skeleton = np.random.default_rng(0).random((2, 64, 64, 3)).astype(np.float32)
    kw = dict(frames=2, height=64, width=64)
    base = SamplingOptions(num_steps=2, guidance_scale=7.5, seed=0)
    counter = CompileCounter()
    with counter:
        jax.jit(lambda x: x * 3 + 1)(np.zeros(3))  # a new function: always compiled
    assert counter.count == 1  # the counter sees compilations
    # The first call compiles prepare, the step loop and decode (unless an earlier test of the
    # session already compiled the same programs for the same tiny model).
    first = tiny_pipe(["a figure"], skeleton, options=base, **kw)
    assert first.shape == (1, 2, 64, 64, 3) and first.dtype == np.uint8
    seen = []
    variants = [
        dict(prompts=["a red figure dancing"]),
        dict(options=SamplingOptions(num_steps=2, guidance_scale=7.5, seed=11)),
        dict(options=SamplingOptions(num_steps=2, guidance_scale=8.0)),
        dict(options=SamplingOptions(num_steps=2, guidance_scale=7.5, eta=0.5)),
        dict(options=SamplingOptions(num_steps=2, guidance_scale=7.5, negative_prompt="blue")),
        dict(progress=seen.append),
    ]
    outputs = []
    for change in variants:
        args = dict(prompts=["a figure"], options=base, progress=None) | change
        with counter:
            outputs.append(tiny_pipe(args.pop("prompts"), skeleton, **args, **kw))
        assert counter.count == 0, f"{change} compiled {counter.count} program(s)"
    assert seen == [0, 1]
    # Each change reached the program (the videos differ), except progress, which changes nothing.
    for change, out in zip(variants[:-1], outputs[:-1], strict=True):
        assert not np.array_equal(out, first), change
    assert np.array_equal(outputs[-1], first)


def test_eta_zero_is_the_deterministic_step():
    import jax.numpy as jnp

    from fyp_jax.schedulers import DDIMScheduler

    sched = DDIMScheduler.from_config(dict(num_train_timesteps=1000, clip_sample=False))
    ts = jnp.asarray(sched.timesteps(10))
    x, eps = (jax.random.normal(jax.random.key(k), (1, 2, 4, 4, 4)) for k in (0, 1))
    step = jax.jit(lambda eta: sched.step(eps, 3, ts, x, (), eta=eta, key=jax.random.key(5))[0])
    plain = sched.step(eps, 3, ts, x)[0]
    # No noise at all: equal up to the rounding of a fused (jitted) vs eager evaluation.
    np.testing.assert_allclose(np.asarray(step(jnp.float32(0.0))), np.asarray(plain), atol=1e-6)
    assert not np.allclose(np.asarray(step(jnp.float32(1.0))), np.asarray(plain))


def test_sizes_checked_against_the_model():
    from fyp_jax.bundle import load_bundle
    from fyp_jax.pipeline.pipeline import check_size

    bundle = load_bundle(REPO / "assets" / "poseworld")  # VAE x4, three down blocks: 16
    assert bundle.size_multiple == 16
    check_size(bundle, 48, 80)
    for height, width in ((72, 64), (64, 0), (100, 64)):
        with pytest.raises(ConfigError, match="multiple of 16"):
            check_size(bundle, height, width)


def test_user_errors_before_any_work(tiny_pipe):
    skeleton = np.zeros((2, 64, 64, 3), np.float32)
    kw = dict(frames=2, height=64, width=64)
    bad = [
        (dict(prompts=[]), "no prompt"),
        (dict(prompts=["  "]), "non-empty"),
        (dict(options=SamplingOptions(guidance_scale=float("nan"))), "guidance"),
        (dict(options=SamplingOptions(num_steps=0)), "num_steps"),
        (dict(options=SamplingOptions(scheduler="dpmpp_2m", eta=0.5)), "deterministic"),
        (dict(options=SamplingOptions(scheduler="euler")), "unknown scheduler"),
        (dict(skeleton=np.zeros((3, 64, 64, 3), np.float32)), "skeleton of shape"),
        (dict(seeds=[1, 2]), "2 seeds for 1 prompts"),
    ]
    for change, message in bad:
        args = dict(prompts=["a figure"], skeleton=skeleton) | change
        with pytest.raises(ConfigError, match=message):
            tiny_pipe(args.pop("prompts"), args.pop("skeleton"), **args, **kw)


def _run(spec: dict, devices: int, tmp: Path) -> np.ndarray:
    env = dict(os.environ, JAX_PLATFORMS="cpu",
               XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}")
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "sample_worker.py"),
                           json.dumps(spec)], env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with np.load(spec["out"]) as z:
        assert int(z["devices"]) == devices
        return z["videos"]


@pytest.mark.slow  # three fresh processes compiling the tiny model: ~1.5 min on 2 idle cores
def test_eight_devices_give_the_videos_of_one(tmp_path):
    """8 prompts on a data=8 mesh, 5 prompts padded to 8, and 1 prompt on 2 devices (the guided
    batch's halves split), against one device."""
    prompts = [f"a {c} figure dancing" for c in ("red", "blue", "green", "white", "black",
                                                 "yellow", "pink", "grey")]
    one = _run(dict(prompts=prompts, frames=2, mesh=False, out=str(tmp_path / "one.npz")), 1,
               tmp_path)
    eight = _run(dict(prompts=prompts, frames=2, mesh=True, out=str(tmp_path / "eight.npz")), 8,
                 tmp_path)
    padded = _run(dict(prompts=prompts[:5], frames=2, mesh=True,
                       out=str(tmp_path / "padded.npz")), 8, tmp_path)
    assert one.shape == eight.shape == (8, 2, 64, 64, 3) and padded.shape == (5, 2, 64, 64, 3)
    diff = np.abs(one.astype(int) - eight.astype(int))
    assert diff.max() <= 2, diff.max()
    assert np.abs(one[:5].astype(int) - padded.astype(int)).max() <= 2
    assert len({v.tobytes() for v in one}) == 8  # eight different videos, not one repeated
    # One prompt on two devices (a CPU's two cores): each runs one half of the guided batch.
    halves = _run(dict(prompts=prompts[:1], frames=2, mesh=True,
                       out=str(tmp_path / "halves.npz")), 2, tmp_path)
    assert halves.shape == (1, 2, 64, 64, 3)
    assert np.abs(one[:1].astype(int) - halves.astype(int)).max() <= 2


def test_padded_rows():
    from fyp_jax.pipeline.pipeline import padded_rows

    assert [padded_rows(b, 2, True) for b in (1, 2, 3)] == [1, 2, 3]  # halves on the 2 devices
    assert [padded_rows(b, 2, False) for b in (1, 2, 3)] == [2, 2, 4]
    assert [padded_rows(b, 8, True) for b in (1, 4, 5)] == [4, 4, 8]
    assert padded_rows(5, 1, True) == padded_rows(5, 1, False) == 5
    assert padded_rows(5, 3, False) == 6


def _infer_jobs(out: Path, processes: int, jobs_file: Path) -> list[str]:
    args = [sys.executable, str(REPO / "infer.py"), "--model", "random-tiny", "--frames", "2",
            "--steps", "2", "--height", "64", "--width", "64", "--batch_size", "2",
            "--prompts_file", str(jobs_file), "--out", str(out)]
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    procs = []
    for i in range(processes):
        env = dict(os.environ, JAX_PLATFORMS="cpu")
        if processes > 1:
            env.update(JAX_COORDINATOR_ADDRESS=f"localhost:{port}",
                       JAX_NUM_PROCESSES=str(processes), JAX_PROCESS_ID=str(i))
        procs.append(subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True))
    logs = []
    for p in procs:
        log, _ = p.communicate(timeout=900)
        assert p.returncode == 0, log[-3000:]
        logs.append(log)
    return logs


@pytest.mark.slow  # five infer.py processes: ~2 min on 2 idle cores
def test_two_processes_split_a_prompts_file(tmp_path):
    jobs_file = tmp_path / "jobs.jsonl"
    jobs_file.write_text("\n".join(json.dumps(j) for j in (
        {"prompt": "a red figure waving", "seed": 4},
        {"prompt": "a blue figure dancing"},
        {"prompt": "a person", "name": "third"},
        {"prompt": "a figure on a background", "negative_prompt": "red"})) + "\n")
    logs = _infer_jobs(tmp_path / "two", 2, jobs_file)
    assert all("wrote 2 job(s)" in log for log in logs), logs  # each process its share
    _infer_jobs(tmp_path / "one", 1, jobs_file)
    two = sorted(p.name for p in (tmp_path / "two").iterdir())
    assert two == sorted(p.name for p in (tmp_path / "one").iterdir())
    assert len(two) == 8 and not [n for n in two if "partial" in n]
    for name in two:
        if name.endswith(".gif"):
            a = iio.imread(tmp_path / "two" / name).astype(int)
            b = iio.imread(tmp_path / "one" / name).astype(int)
            assert a.shape == b.shape and np.abs(a - b).mean() < 1.0, name
    # A rerun finds every job done and writes nothing.
    rerun = _infer_jobs(tmp_path / "one", 1, jobs_file)
    assert "wrote 0 job(s)" in rerun[0] and "(4 already done)" in rerun[0]
