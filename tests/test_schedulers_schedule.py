"""DDPM noise schedule and forward process: parity with diffusers and the original's fixtures."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import FIXTURE

from configs.models.sd14_unet import SCHEDULER_CONFIG as SD_CONFIG
from fyp_jax.errors import ConfigError
from fyp_jax.schedulers import DDIMScheduler, DDPMSchedule, add_noise, get_velocity, training_target

diffusers = pytest.importorskip("diffusers")
torch = pytest.importorskip("torch")



def _fixture(name: str) -> np.lib.npyio.NpzFile:
    path = FIXTURE / name
    if not path.exists():
        pytest.skip(f"fixture {path} not available")
    return np.load(path)


@pytest.mark.parametrize(
    "config",
    [
        SD_CONFIG,
        {},  # diffusers' defaults: linear 1e-4 .. 0.02
        {"beta_schedule": "squaredcos_cap_v2"},
        {
            "beta_schedule": "linear",
            "beta_start": 0.0015,
            "beta_end": 0.0195,
            "num_train_timesteps": 777,
        },
        {"trained_betas": list(np.linspace(1e-4, 0.03, 50)), "num_train_timesteps": 50},
    ],
    ids=["sd", "default", "cosine", "linear777", "trained"],
)
def test_alphas_cumprod_match_diffusers(config):
    ours = DDPMSchedule.from_config(config).alphas_cumprod
    theirs = diffusers.DDPMScheduler.from_config(config).alphas_cumprod.numpy()
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


def test_sd_config_matches_original_fixtures():
    golden = _fixture("golden.npz")
    train = _fixture("train_step_golden.npz")
    sched = DDIMScheduler.from_config(SD_CONFIG)
    np.testing.assert_array_equal(sched.timesteps(4), [751, 501, 251, 1])
    np.testing.assert_array_equal(sched.timesteps(4), golden["ddim_timesteps"])
    np.testing.assert_allclose(
        sched.alphas_cumprod, golden["ddim_alphas_cumprod"], rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(sched.alphas_cumprod, train["alphas_cumprod"], rtol=0, atol=1e-6)


def test_add_noise_reproduces_training_fixture():
    train = _fixture("train_step_golden.npz")
    schedule = DDPMSchedule.from_config(SD_CONFIG)
    noisy = schedule.add_noise(train["x0"], train["noise"], jnp.asarray(train["timesteps"]))
    np.testing.assert_allclose(np.asarray(noisy), train["noisy"], rtol=0, atol=1e-6)
    target = schedule.training_target(train["x0"], train["noise"], train["timesteps"])
    np.testing.assert_array_equal(np.asarray(target), train["noise"])


@pytest.mark.parametrize("timesteps", [[999, 0, 500], 321], ids=["per-example", "scalar"])
def test_add_noise_and_velocity_match_diffusers(timesteps):
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((3, 2, 4, 4, 4)).astype(np.float32)
    noise = rng.standard_normal(x0.shape).astype(np.float32)
    ref = diffusers.DDPMScheduler.from_config(SD_CONFIG)
    t_torch = torch.tensor(timesteps)
    abar = DDPMSchedule.from_config(SD_CONFIG).alphas_cumprod
    t = jnp.asarray(timesteps)
    expected_noisy = ref.add_noise(torch.from_numpy(x0), torch.from_numpy(noise), t_torch).numpy()
    expected_v = ref.get_velocity(torch.from_numpy(x0), torch.from_numpy(noise), t_torch).numpy()
    np.testing.assert_allclose(
        np.asarray(add_noise(abar, x0, noise, t)), expected_noisy, rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(get_velocity(abar, x0, noise, t)), expected_v, rtol=0, atol=1e-6
    )
    v_target = training_target(abar, x0, noise, t, "v_prediction")
    np.testing.assert_allclose(np.asarray(v_target), expected_v, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(training_target(abar, x0, noise, t, "sample")), x0)


def test_forward_process_under_jit_with_traced_timesteps():
    schedule = DDPMSchedule.from_config(SD_CONFIG)
    x0 = jnp.ones((2, 1, 2, 2, 4))
    noise = jnp.full(x0.shape, 2.0)
    t = jnp.asarray([600, 50])
    jitted = jax.jit(schedule.add_noise)(x0, noise, t)
    np.testing.assert_allclose(
        np.asarray(jitted), np.asarray(schedule.add_noise(x0, noise, t)), atol=1e-7
    )


def test_config_is_hashable_and_normalised():
    a = DDIMScheduler.from_config(SD_CONFIG)
    b = DDIMScheduler.from_config(
        {
            **SD_CONFIG,
            "num_train_timesteps": 1000.0,
            "_class_name": "PNDMScheduler",
            "skip_prk_steps": True,
        }
    )
    assert a == b and hash(a) == hash(b)
    trained = DDPMSchedule(num_train_timesteps=3, trained_betas=np.array([0.1, 0.2, 0.3]))
    assert trained.trained_betas == (0.1, 0.2, 0.3)
    hash(trained)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"beta_schedule": "cosine"}, "squaredcos_cap_v2"),
        ({"prediction_type": "flow_prediction"}, "v_prediction"),
        ({"rescale_betas_zero_snr": True}, "rescale_betas_zero_snr"),
        ({"trained_betas": [0.1, 0.2]}, "trained_betas"),
        ({"num_train_timesteps": 10.5}, "integer"),
        ({"num_train_timesteps": 1}, ">= 2"),
    ],
)
def test_bad_configs_raise_config_error(config, message):
    with pytest.raises(ConfigError, match=message):
        DDPMSchedule.from_config(config)


def test_non_mapping_config_raises():
    with pytest.raises(ConfigError, match="mapping"):
        DDPMSchedule.from_config(["scaled_linear"])


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
def test_min_snr_weights_match_diffusers_compute_snr(prediction_type):
    """Min-SNR-gamma weights as diffusers' training scripts build them from ``compute_snr``."""
    from diffusers import DDPMScheduler
    from diffusers.training_utils import compute_snr

    from fyp_jax.train.diffusion_loss import min_snr_weight

    config = {**SD_CONFIG, "prediction_type": prediction_type}
    t = np.array([0, 1, 10, 100, 250, 500, 750, 999])
    snr = compute_snr(DDPMScheduler.from_config(config), torch.from_numpy(t)).numpy()
    clipped = np.minimum(snr, 5.0)
    expected = clipped / (snr + 1) if prediction_type == "v_prediction" else clipped / snr
    ours = np.asarray(min_snr_weight(DDPMSchedule.from_config(config), jnp.asarray(t), 5.0))
    np.testing.assert_allclose(ours, expected, rtol=1e-5)
    assert np.all(np.asarray(min_snr_weight(DDPMSchedule.from_config(config), jnp.asarray(t),
                                            0.0)) == 1.0)
