"""Imports point down only (README, "Code layout"): checked on the source of every module."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "fyp_jax"


def imported_modules(path: Path) -> set[str]:
    """Every ``fyp_jax...`` module a file imports, at any depth (lazy imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("fyp_jax")}


def offenders(package: str, forbidden: tuple[str, ...], allowed_files: tuple[str, ...] = ()
              ) -> list[str]:
    out = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        if path.name in allowed_files:
            continue
        bad = sorted(m for m in imported_modules(path)
                     if any(m == f or m.startswith(f + ".") for f in forbidden))
        out += [f"{path.relative_to(PACKAGE)}: {m}" for m in bad]
    return out


def test_convert_and_data_import_nothing_from_pipeline_or_train():
    assert offenders("convert", ("fyp_jax.pipeline", "fyp_jax.train")) == []
    assert offenders("data", ("fyp_jax.pipeline", "fyp_jax.train")) == []


def test_pipeline_imports_convert_only_to_convert_an_sd_folder():
    assert offenders("pipeline", ("fyp_jax.convert",), allowed_files=("model_source.py",)) == []


def test_models_import_only_models_and_errors():
    allowed = ("fyp_jax.models", "fyp_jax.errors")
    bad = []
    for path in sorted((PACKAGE / "models").rglob("*.py")):
        bad += [f"{path.name}: {m}" for m in imported_modules(path)
                if not any(m == a or m.startswith(a + ".") for a in allowed)]
    assert bad == []


def test_bundle_sharding_tokenizer_sit_below_pipeline_train_convert_data():
    above = ("fyp_jax.pipeline", "fyp_jax.train", "fyp_jax.convert", "fyp_jax.data")
    for name in ("bundle.py", "sharding.py", "tokenizer.py"):
        bad = [m for m in imported_modules(PACKAGE / name)
               if any(m == a or m.startswith(a + ".") for a in above)]
        assert bad == [], (name, bad)
