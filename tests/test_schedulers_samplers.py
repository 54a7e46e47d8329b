"""DDIM (+ inversion) and DPM-Solver++(2M): parity with diffusers over whole chains, jit/fori_loop."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import FIXTURE
from jax import lax

from configs.models.sd14_unet import SCHEDULER_CONFIG as SD_CONFIG
from fyp_jax.errors import ConfigError
from fyp_jax.schedulers import DDIMScheduler, DPMSolverMultistepScheduler, make_scheduler

diffusers = pytest.importorskip("diffusers")
torch = pytest.importorskip("torch")

# diffusers' DPM-Solver calls np.array on a torch tensor with copy=False (numpy 2 deprecation).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

SHAPE = (1, 4, 2, 8, 8)
_rng = np.random.default_rng(0)
X_INIT = _rng.standard_normal(SHAPE).astype(np.float32)
BASE = _rng.standard_normal(SHAPE).astype(np.float32)


def fake_model(x, t, xp=np):
    """A deterministic stand-in for the UNet: any smooth function of (sample, timestep)."""
    return 0.6 * x + 0.4 * BASE * xp.cos(xp.float32(t) / xp.float32(250.0))


def assert_close(ours, theirs, tol=1e-5):
    """max |ours - theirs| <= tol * max(1, max |theirs|) (chains grow to tens)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    scale = max(1.0, float(np.abs(theirs).max()))
    err = float(np.abs(ours - theirs).max())
    assert err <= tol * scale, f"max abs err {err:.3g} > {tol} x {scale:.3g}"


def run_ours(sched, num_steps, eta=0.0, key=None):
    ts = sched.timesteps(num_steps)
    ts_jnp = jnp.asarray(ts)
    x = jnp.asarray(X_INIT)
    carry = sched.init_carry(x)
    for i in range(num_steps):
        out = fake_model(np.asarray(x), ts[i])
        x, carry = sched.step(out, i, ts_jnp, x, carry, eta=eta, key=key)
    return np.asarray(x)


def run_diffusers(ref, num_steps, eta=None, noises=None):
    ref.set_timesteps(num_steps)
    x = torch.from_numpy(X_INIT)
    for k, t in enumerate(ref.timesteps):
        out = torch.from_numpy(fake_model(x.numpy(), int(t)))
        kwargs = {} if eta is None else {"eta": eta}
        if noises is not None:
            kwargs["variance_noise"] = torch.from_numpy(noises[k])
        x = ref.step(out, t, x, **kwargs).prev_sample
    return x.numpy()


# --- timesteps -------------------------------------------------------------------------------


@pytest.mark.parametrize("spacing", ["leading", "trailing", "linspace"])
@pytest.mark.parametrize("steps_offset", [0, 1])
def test_timesteps_match_diffusers(spacing, steps_offset):
    config = {**SD_CONFIG, "timestep_spacing": spacing, "steps_offset": steps_offset}
    for ours_cls, ref_cls in [
        (DDIMScheduler, diffusers.DDIMScheduler),
        (DPMSolverMultistepScheduler, diffusers.DPMSolverMultistepScheduler),
    ]:
        sched, ref = ours_cls.from_config(config), ref_cls.from_config(config)
        for num_steps in (1, 3, 4, 10, 20, 50, 1000):
            ref.set_timesteps(num_steps)
            ts = sched.timesteps(num_steps)
            assert ts.dtype == np.int64 and ts.shape == (num_steps,)
            np.testing.assert_array_equal(
                ts, ref.timesteps.numpy(), err_msg=f"{ours_cls.__name__} {num_steps}"
            )


def test_num_steps_out_of_range_raises():
    sched = DDIMScheduler.from_config(SD_CONFIG)
    for bad in (0, 1001):
        with pytest.raises(ConfigError, match="num_steps"):
            sched.timesteps(bad)


# --- DDIM ------------------------------------------------------------------------------------


def test_ddim_steps_reproduce_original_fixture():
    path = FIXTURE / "golden.npz"
    if not path.exists():
        pytest.skip(f"fixture {path} not available")
    golden = np.load(path)
    sched = DDIMScheduler.from_config(SD_CONFIG)
    ts = jnp.asarray(sched.timesteps(4))
    assert int(ts[0]) == 751
    latents = golden["ddim_latents_init"]
    for i in range(4):  # each step from the original's latents, with its guided noise prediction
        x, _ = sched.step(golden[f"ddim_noise_pred_step_{i}"], i, ts, latents, ())
        latents = golden[f"ddim_latents_step_{i}"]
        np.testing.assert_allclose(np.asarray(x), latents, rtol=0, atol=1e-4)


@pytest.mark.parametrize(
    "config",
    [
        SD_CONFIG,
        {**SD_CONFIG, "prediction_type": "v_prediction"},
        {**SD_CONFIG, "prediction_type": "sample", "set_alpha_to_one": True},
        {**SD_CONFIG, "timestep_spacing": "trailing", "steps_offset": 0},
        {},  # diffusers defaults: linear betas, clip_sample=True, set_alpha_to_one=True
    ],
    ids=["sd-eps", "v", "sample", "trailing", "defaults-clip"],
)
@pytest.mark.parametrize("num_steps", [4, 20])
def test_ddim_chain_matches_diffusers(config, num_steps):
    ours = run_ours(DDIMScheduler.from_config(config), num_steps)
    theirs = run_diffusers(diffusers.DDIMScheduler.from_config(config), num_steps, eta=0.0)
    assert_close(ours, theirs)


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
def test_ddim_eta_chain_matches_diffusers_with_same_noise(prediction_type):
    config = {**SD_CONFIG, "prediction_type": prediction_type}
    num_steps, eta, key = 10, 0.7, jax.random.key(3)
    noises = [
        np.array(jax.random.normal(jax.random.fold_in(key, i), SHAPE, jnp.float32))
        for i in range(num_steps)
    ]
    ours = run_ours(DDIMScheduler.from_config(config), num_steps, eta=eta, key=key)
    theirs = run_diffusers(diffusers.DDIMScheduler.from_config(config), num_steps, eta, noises)
    assert_close(ours, theirs)
    deterministic = run_ours(DDIMScheduler.from_config(config), num_steps)
    assert np.abs(ours - deterministic).max() > 0.1


def test_ddim_eta_without_key_raises():
    sched = DDIMScheduler.from_config(SD_CONFIG)
    ts = jnp.asarray(sched.timesteps(4))
    with pytest.raises(ConfigError, match="key"):
        sched.step(jnp.zeros(SHAPE), 0, ts, jnp.zeros(SHAPE), (), eta=0.5)


@pytest.mark.parametrize(
    "config",
    [SD_CONFIG, {**SD_CONFIG, "set_alpha_to_one": True, "prediction_type": "v_prediction"}],
    ids=["sd", "alpha-one-v"],
)
def test_ddim_inversion_matches_diffusers_inverse_scheduler(config):
    num_steps = 10
    sched = DDIMScheduler.from_config(config)
    ref = diffusers.DDIMInverseScheduler.from_config(config)
    ref.set_timesteps(num_steps)
    inv_ts = sched.inversion_timesteps(num_steps)
    np.testing.assert_array_equal(inv_ts, ref.timesteps.numpy())
    np.testing.assert_array_equal(inv_ts, sched.timesteps(num_steps)[::-1])
    x, x_ref = jnp.asarray(X_INIT), torch.from_numpy(X_INIT)
    for i, t in enumerate(inv_ts):
        x = sched.invert_step(fake_model(np.asarray(x), t), i, jnp.asarray(inv_ts), x)
        x_ref = ref.step(
            torch.from_numpy(fake_model(x_ref.numpy(), int(t))), int(t), x_ref
        ).prev_sample
    assert_close(x, x_ref.numpy())


def test_ddim_inversion_inverts_a_step_for_a_constant_prediction():
    # With a model whose epsilon does not depend on its input, inversion is exactly the inverse.
    sched = DDIMScheduler.from_config(SD_CONFIG)
    ts = jnp.asarray(sched.timesteps(10))
    inv_ts = jnp.asarray(sched.inversion_timesteps(10))
    eps = jnp.asarray(BASE)
    x_prev, _ = sched.step(eps, 3, ts, jnp.asarray(X_INIT), ())
    back = sched.invert_step(eps, 10 - 1 - 3, inv_ts, x_prev)
    assert_close(back, X_INIT)


# --- DPM-Solver++(2M) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "num_steps"),
    [
        (SD_CONFIG, 10),
        ({**SD_CONFIG, "prediction_type": "v_prediction"}, 10),
        ({**SD_CONFIG, "timestep_spacing": "leading"}, 10),
        (SD_CONFIG, 20),  # >= 15 steps: lower_order_final no longer applies
        ({**SD_CONFIG, "final_sigmas_type": "sigma_min"}, 20),  # second-order last step
        ({**SD_CONFIG, "final_sigmas_type": "sigma_min"}, 10),
        ({**SD_CONFIG, "final_sigmas_type": "sigma_min", "lower_order_final": False}, 10),
        ({**SD_CONFIG, "solver_order": 1, "prediction_type": "sample"}, 10),
        ({}, 4),
    ],
    ids=[
        "eps10",
        "v10",
        "leading10",
        "eps20",
        "sigmamin20",
        "sigmamin10",
        "no-lof10",
        "order1",
        "defaults4",
    ],
)
def test_dpm_solver_chain_matches_diffusers(config, num_steps):
    ours = run_ours(DPMSolverMultistepScheduler.from_config(config), num_steps)
    theirs = run_diffusers(diffusers.DPMSolverMultistepScheduler.from_config(config), num_steps)
    assert_close(ours, theirs)


@pytest.mark.parametrize(
    "option",
    [
        {"algorithm_type": "sde-dpmsolver++"},
        {"solver_type": "heun"},
        {"solver_order": 3},
        {"use_karras_sigmas": True},
        {"thresholding": True},
    ],
)
def test_dpm_solver_unsupported_options_raise(option):
    with pytest.raises(ConfigError):
        DPMSolverMultistepScheduler.from_config({**SD_CONFIG, **option})


def test_dpm_solver_rejects_eta():
    sched = DPMSolverMultistepScheduler.from_config(SD_CONFIG)
    ts = jnp.asarray(sched.timesteps(4))
    x = jnp.zeros(SHAPE)
    with pytest.raises(ConfigError, match="eta"):
        sched.step(x, 0, ts, x, sched.init_carry(x), eta=0.5)


# --- registry and jit ------------------------------------------------------------------------


def test_make_scheduler():
    assert make_scheduler("ddim", SD_CONFIG) == DDIMScheduler.from_config(SD_CONFIG)
    assert isinstance(make_scheduler("dpmpp_2m", SD_CONFIG), DPMSolverMultistepScheduler)
    with pytest.raises(ConfigError, match="ddim, dpmpp_2m"):
        make_scheduler("euler", SD_CONFIG)
    for name in ("ddim", "dpmpp_2m"):
        assert make_scheduler(name, SD_CONFIG).init_noise_sigma == 1.0


@functools.partial(jax.jit, static_argnames=("sched", "eta"))
def _sample_in_one_jit(sched, x, ts, key, eta):
    def body(i, state):
        x, carry = state
        out = fake_model(x, ts[i], xp=jnp)
        return sched.step(out, i, ts, x, carry, eta=eta, key=key)

    return lax.fori_loop(0, ts.shape[0], body, (x, sched.init_carry(x)))[0]


@pytest.mark.parametrize(
    ("name", "eta"),
    [("ddim", 0.0), ("ddim", 0.5), ("dpmpp_2m", 0.0)],
    ids=["ddim", "ddim-eta", "dpmpp"],
)
def test_step_in_fori_loop_under_jit_equals_python_loop(name, eta):
    sched = make_scheduler(name, SD_CONFIG)
    key = jax.random.key(0) if eta else None
    ts = jnp.asarray(sched.timesteps(10))
    jitted = _sample_in_one_jit(sched, jnp.asarray(X_INIT), ts, key, eta)
    assert_close(jitted, run_ours(sched, 10, eta=eta, key=key))


def test_inversion_in_fori_loop_under_jit_equals_python_loop():
    sched = make_scheduler("ddim", SD_CONFIG)
    inv_ts = jnp.asarray(sched.inversion_timesteps(10))

    @jax.jit
    def invert(x):
        def body(i, x):
            return sched.invert_step(fake_model(x, inv_ts[i], xp=jnp), i, inv_ts, x)

        return lax.fori_loop(0, inv_ts.shape[0], body, x)

    x = jnp.asarray(X_INIT)
    expected = x
    for i in range(10):
        expected = sched.invert_step(
            fake_model(np.asarray(expected), int(inv_ts[i])), i, inv_ts, expected
        )
    assert_close(invert(x), expected)


@pytest.mark.parametrize("name", ["ddim", "dpmpp_2m"])
def test_step_keeps_the_sample_dtype(name):
    sched = make_scheduler(name, SD_CONFIG)
    ts = jnp.asarray(sched.timesteps(4))
    x = jnp.asarray(X_INIT, jnp.bfloat16)
    carry = sched.init_carry(x)
    for i in range(4):
        x, carry = sched.step(fake_model(x, ts[i], xp=jnp).astype(jnp.bfloat16), i, ts, x, carry)
        assert x.dtype == jnp.bfloat16
    assert bool(jnp.all(jnp.isfinite(x)))
