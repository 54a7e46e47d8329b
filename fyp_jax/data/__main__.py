"""Entry point of `python -m fyp_jax.data`."""

import sys

from fyp_jax.data.cli import main

sys.exit(main())
