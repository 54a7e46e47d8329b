"""fyp_jax: FollowYourPose (pose-guided text-to-video on Stable Diffusion 1.x) in JAX/Flax."""

import logging as _logging
import os as _os

__version__ = "0.1.0"

# Two notices every run printed, about optional backends we never use: transformers' "PyTorch
# was not found" (an advisory warning; torch is only needed to convert .bin/.pth weights) and
# JAX's "Unable to initialize backend 'tpu'" (logged at INFO when no TPU library is installed).
_os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
_logging.getLogger("jax._src.xla_bridge").setLevel(_logging.WARNING)
