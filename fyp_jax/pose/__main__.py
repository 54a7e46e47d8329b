"""Entry point of `python -m fyp_jax.pose`."""

import sys

from fyp_jax.pose.cli import main

sys.exit(main())
