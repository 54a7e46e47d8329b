"""Noise schedules and samplers as pure functions of arrays (jit- and fori_loop-friendly).

Training: `DDPMSchedule` (forward process, targets). Sampling: `DDIMScheduler` (+ inversion) and
`DPMSolverMultistepScheduler` (DPM-Solver++ 2M), both hashable frozen dataclasses built from a
diffusers `scheduler_config.json` dict and sharing one interface:

    ts = sched.timesteps(num_steps)            # host int64, descending
    carry = sched.init_carry(sample)
    sample, carry = sched.step(model_output, i, jnp.asarray(ts), sample, carry, eta=0.0, key=None)
"""

from fyp_jax.schedulers.ddim import DDIMScheduler
from fyp_jax.schedulers.dpm_solver import DPMSolverMultistepScheduler
from fyp_jax.schedulers.forward_process import add_noise, get_velocity, training_target
from fyp_jax.schedulers.registry import SCHEDULERS, make_scheduler
from fyp_jax.schedulers.schedule import DDPMSchedule

__all__ = [
    "SCHEDULERS",
    "DDIMScheduler",
    "DDPMSchedule",
    "DPMSolverMultistepScheduler",
    "add_noise",
    "get_velocity",
    "make_scheduler",
    "training_target",
]
