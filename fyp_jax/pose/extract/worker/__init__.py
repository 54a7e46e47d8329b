"""Code that runs inside a detector's own Python environment, plus the pipe protocol it shares
with the main process. Nothing here may import fyp_jax (it is not installed there): the worker
scripts are run by path, which puts this folder first on their import path."""
