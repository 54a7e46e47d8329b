"""Command-line flags and config files of the absl CLIs, with every mistake reported as one
`error:` line (exit status 1) instead of absl's usage text or a traceback.

`define_config` declares `--config` with a default inside the project's `configs/` folder and
resolves a relative `--config=configs/x.py` against the project when it is not found in the
working folder, so the CLIs work from any folder. ml_collections loads the config file and
applies `--config.field=value` while the flag is defined (it reads sys.argv then), so its errors
are caught there; `run_app` catches the flag-parsing ones.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from absl import app, flags
from ml_collections import config_flags

from fyp_jax.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[1]
CONFIGS = PROJECT / "configs"


def project_path(path: str) -> str:
    """A relative `path` that does not exist here but does in the project: the project's one."""
    if path and not Path(path).is_absolute() and not Path(path).exists() \
            and (PROJECT / path).exists():
        return str(PROJECT / path)
    return path


_DEFINED: list[tuple[str, flags.FlagHolder]] = []


def define_config(name: str, default: str, help_text: str) -> flags.FlagHolder:
    """`--<name>` = a config file, default `configs/<default>` of the project."""
    _resolve_in_argv(name)
    try:
        holder = config_flags.DEFINE_config_file(name, str(CONFIGS / default), help_text)
    except Exception as error:  # noqa: BLE001 - any failure of a user's config file
        fail(_config_error(name, error))
    _DEFINED.append((name, holder))
    return holder


def run_app(main: Callable[[list[str]], Any]) -> None:
    """absl's `app.run(main)`, flag errors as one line."""
    app.run(main, flags_parser=_parse)


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def _parse(argv: list[str]) -> list[str]:
    try:
        rest = flags.FLAGS(argv)
    except flags.UnrecognizedFlagError as error:
        fail(_unknown_flag(error))
    except flags.Error as error:
        fail(str(error).split("\n")[0])
    except Exception as error:  # noqa: BLE001 - the config file, loaded while parsing
        fail(_config_error(_DEFINED[0][0] if _DEFINED else "config", error))
    for name, holder in _DEFINED:
        try:
            holder.value.keys()  # a config that failed to load raises its error on any access
        except Exception as error:  # noqa: BLE001
            fail(_config_error(name, error.__cause__ or error))
    return rest


def _unknown_flag(error: flags.UnrecognizedFlagError) -> str:
    name = error.flagname
    known = [f for f in flags.FLAGS if f.startswith("config.") == name.startswith("config.")]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean --{close[0]}?)" if close else ""
    what = "config field" if name.startswith("config.") else "flag"
    return f"unknown {what} --{name}{hint}; --helpfull lists them"


def _config_path(name: str) -> str | None:
    """The value given to --<name> on the command line, if any."""
    for i, arg in enumerate(sys.argv):
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
        if arg == f"--{name}" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
    return None


def _resolve_in_argv(name: str) -> None:
    for i, arg in enumerate(sys.argv):
        if arg.startswith(f"--{name}="):
            sys.argv[i] = f"--{name}={project_path(arg.split('=', 1)[1])}"
        elif arg == f"--{name}" and i + 1 < len(sys.argv):
            sys.argv[i + 1] = project_path(sys.argv[i + 1])


def _config_error(name: str, error: Exception) -> str:
    path = _config_path(name)
    text = str(error)
    if isinstance(error, (KeyError, AttributeError)):
        leaf = re.search(r"(\w+)", text)
        field = _override_with(leaf.group(1)) if leaf else None
        suggestion = re.search(r'Did you mean \\?"(\w+)', text)
        hint = ""
        if suggestion and field:
            hint = f" (did you mean --{field.rsplit('.', 1)[0]}.{suggestion.group(1)}?)"
        return (f"unknown config field --{field or name}{hint}; the fields are those of "
                f"{path or 'the default config file'}")
    if path == "":
        return f"--{name} is empty; pass a config file such as {CONFIGS / 'infer_default.py'}"
    if path is not None and Path(path).is_dir():
        return f"--{name}={path} is a folder; pass a config file such as {CONFIGS / 'infer_default.py'}"
    if path is not None and not Path(path).exists():
        return f"config file not found: {path} (the project's configs are in {CONFIGS})"
    return f"cannot load config file {path}: {type(error).__name__}: {text.splitlines()[-1]}"


def _override_with(field: str) -> str | None:
    """The `config.a.b` flag on the command line whose last part is `field`."""
    for arg in sys.argv:
        match = re.match(r"--(config(?:\.\w+)*\." + re.escape(field) + r")(=|$)", arg)
        if match:
            return match.group(1)
    return None


def check_text(text: str, what: str) -> None:
    """ConfigError unless `text` (from the command line) is valid UTF-8 text: Python keeps
    undecodable argument bytes as lone surrogates, which the tokenizer cannot take."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ConfigError(f"{what} is not valid UTF-8 text (byte "
                          f"{ord(text[error.start]) - 0xDC00:#04x} at {error.start}); check the "
                          "terminal's or file's encoding") from error
