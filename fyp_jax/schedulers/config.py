"""Reading diffusers `scheduler_config.json` dicts into frozen, hashable scheduler objects.

Schedulers are frozen dataclasses so that they can be static arguments of `jax.jit`. Their fields
carry the diffusers config names and the diffusers defaults of the class they mirror, so a dict
read from a Stable Diffusion folder (or `diffusers_scheduler.config`) means the same here as there:
a missing key takes the diffusers default of that class, an unknown key (`_class_name`,
`skip_prk_steps`, ...) is ignored. Options that would change the numbers but are not implemented
here are refused instead of ignored, unless they hold their diffusers default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from fyp_jax.errors import ConfigError


def fields_from_config(
    cls: type, config: Mapping[str, Any], unsupported: Mapping[str, Any]
) -> dict[str, Any]:
    """The constructor arguments of dataclass `cls` found in `config`.

    `unsupported` maps option names that `cls` does not implement to the only value accepted for
    them (the diffusers default); any other value raises `ConfigError`.
    """
    if not isinstance(config, Mapping):
        raise ConfigError(
            f"{cls.__name__}: scheduler config must be a mapping (a scheduler_config.json dict), "
            f"got {type(config).__name__}"
        )
    for name, accepted in unsupported.items():
        if name in config and config[name] != accepted:
            raise ConfigError(
                f"{cls.__name__}: {name}={config[name]!r} is not supported; remove the key or "
                f"set it to {accepted!r}"
            )
    names = {f.name for f in dataclasses.fields(cls)}
    return {key: value for key, value in config.items() if key in names}


def normalise_fields(obj: Any, choices: Mapping[str, tuple[str, ...]]) -> None:
    """Cast each field of frozen dataclass `obj` to the type of its default and check choices.

    JSON gives `1000.0` for ints, lists for arrays and 0/1 for booleans; the casts make equal
    configs compare (and hash) equal. Fields whose default is None are left to the caller.
    Raises `ConfigError` for a value outside `choices[name]` or a non-integral int.
    """
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        default = field.default
        if isinstance(default, bool):
            value = bool(value)
        elif isinstance(default, int):
            if float(value) != int(value):
                raise ConfigError(
                    f"{type(obj).__name__}: {field.name} must be an integer, got {value!r}"
                )
            value = int(value)
        elif isinstance(default, float):
            value = float(value)
        elif isinstance(default, str):
            value = str(value)
        allowed = choices.get(field.name)
        if allowed is not None and value not in allowed:
            raise ConfigError(
                f"{type(obj).__name__}: {field.name}={value!r} is not supported; choose one of "
                f"{', '.join(allowed)}"
            )
        object.__setattr__(obj, field.name, value)
