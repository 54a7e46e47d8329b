"""setup.cfg: the accelerator extras install the plugin of the very jax that is pinned."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from packaging.requirements import Requirement


def _requirements(field: str) -> list[Requirement]:
    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).resolve().parents[1] / "setup.cfg")
    section, _, key = field.rpartition(".")
    return [Requirement(line) for line in cfg[section][key].splitlines() if line.strip()]


def test_accelerator_extras_match_the_pinned_jax():
    pinned = {r.name: r.specifier for r in _requirements("options.install_requires")}
    assert re.fullmatch(r"==[\d.]+", str(pinned["jax"])) and pinned["jaxlib"] == pinned["jax"]
    for extra, plugin in (("cuda", "cuda12"), ("tpu", "tpu")):
        (req,) = _requirements(f"options.extras_require.{extra}")
        assert (req.name, req.extras, req.specifier) == ("jax", {plugin}, pinned["jax"])
