"""Exception families for errors a user can cause.

Each family carries a message that says what to do; the CLIs print it on one line without a
traceback and exit non-zero (see `fyp_jax.cli_errors`).
"""


class FypError(Exception):
    """Base class of every user-facing error of fyp_jax."""


class ConversionError(FypError):
    """A checkpoint does not match the model: missing, unexpected or mis-shaped keys, bad layout."""


class UnsafeCheckpointError(ConversionError):
    """A pickle checkpoint asks for more than tensors (possible code execution); refused."""


class PoseInputError(FypError):
    """A pose source cannot be read or has too few frames."""


class ConfigError(FypError):
    """A configuration value or command-line flag is invalid."""


class DataError(FypError):
    """A dataset is missing, empty or malformed."""


class TrainingError(FypError):
    """Training cannot continue (non-finite loss, incompatible checkpoint)."""


class Interrupted(Exception):
    """Training stopped on a signal after checkpointing; not a user error: the CLIs print the
    message (where the checkpoint is) and exit with ``exit_code`` (128 + the signal number)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code
