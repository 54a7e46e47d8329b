"""Reading the tables that list a dataset's files: CSV, TSV or parquet, one row per item, with
columns found by name (an explicit name, else the first of some common aliases)."""

import csv
from collections.abc import Sequence
from pathlib import Path

from fyp_jax.errors import DataError


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows of a .csv / .tsv / .parquet file as dicts of column -> value (str; '' when empty)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        columns = pq.read_table(path).to_pydict()
        count = len(next(iter(columns.values()), []))
        return [
            {k: "" if v[i] is None else str(v[i]) for k, v in columns.items()} for i in range(count)
        ]
    if suffix not in (".csv", ".tsv"):
        raise DataError(f"cannot read table {path}: use a .csv, .tsv or .parquet file")
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file, delimiter="\t" if suffix == ".tsv" else ",")
        return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def pick_column(
    rows: list[dict[str, str]],
    explicit: str | None,
    aliases: Sequence[str],
    what: str,
    table: Path,
    required: bool = True,
) -> str | None:
    """The column holding `what`: `explicit` when given, else the first alias present
    (case-insensitive). DataError naming the columns when a required one is missing."""
    columns = list(rows[0]) if rows else []
    if explicit is not None:
        if explicit not in columns:
            raise DataError(f"{table} has no column {explicit!r}; its columns: {columns}")
        return explicit
    by_lower = {c.lower(): c for c in columns}
    for alias in aliases:
        if alias in by_lower:
            return by_lower[alias]
    if required:
        raise DataError(
            f"{table}: no {what} column; name one of {list(aliases)} or pass its name"
            f" (columns: {columns})"
        )
    return None
