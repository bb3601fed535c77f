"""The recorded column types of a curated dataset, how ingest checks them, how they evolve.

A dataset's schema is recorded next to its files, in ``curated/<dataset>/_schema.json``::

    {"columns": [{"name": "magnesium", "type": "int64", "nullable": false}, ...]}

Types are ``int64``, ``float64``, ``bool``, ``string`` and ``timestamp``. The first ingestion
records the types of its source (a column is nullable when it has empty values). Later
sources are checked value by value against it, and the schema may only evolve in ways that
keep every file already in the lake readable:

- a source may bring a new column: it is added as nullable, and older files read it as null;
- an ``int64`` column widens to ``float64`` when a source holds non-integer numbers, and
  older files are read as floats.

Anything else is refused at ingest with the column, the row and the value: a value that is
not of its column's type (``'twelve'`` in an ``int64`` column; an infinite number), an empty
value in a column without nulls, a source without a column that has no nulls. So the lake
never holds data its readers reject. The file name starts with ``_``: Athena, Hive and the
step scripts' readers skip it as data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SCHEMA_FILE = "_schema.json"
TYPES = ("int64", "float64", "bool", "string", "timestamp")
# How a reader holds each type; an int64 column with nulls reads as float64 with NaN,
# pandas' own convention (scikit-learn accepts it, not pandas' nullable Int64).
READ_AS = {"int64": "int64", "float64": "float64", "bool": "bool", "string": "object"}
BOOLEAN_WORDS = {"true": True, "false": False, "1": True, "0": False}
VALUE_CHARS = 40


class SchemaMismatch(ValueError):
    """Data does not fit a dataset's recorded schema; the message is one line."""


@dataclass(frozen=True)
class Column:
    """One column of a dataset: its name, type (one of ``TYPES``) and whether it has nulls."""

    name: str
    type: str
    nullable: bool


def type_of(series: pd.Series) -> str:
    """The schema type of a pandas column (anything not numeric, boolean or a time: string)."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int64"
    if pd.api.types.is_float_dtype(series):
        return "float64"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "timestamp"
    return "string"


def infer(frame: pd.DataFrame) -> list[Column]:
    """The schema a first ingestion records for its source."""
    return [
        Column(str(name), type_of(frame[name]), bool(frame[name].isna().any()))
        for name in frame.columns
    ]


def dumps(columns: Sequence[Column]) -> str:
    return json.dumps({"columns": [asdict(column) for column in columns]}, indent=2) + "\n"


def loads(text: str, where: str) -> list[Column]:
    """Parse a ``_schema.json``; raise SchemaMismatch when it is not one."""
    try:
        columns = [Column(**item) for item in json.loads(text)["columns"]]
    except (ValueError, KeyError, TypeError) as error:
        raise SchemaMismatch(f"{where}: not a dataset schema ({error})") from None
    unknown = [column.type for column in columns if column.type not in TYPES]
    if unknown:
        raise SchemaMismatch(f"{where}: unknown column types {unknown} (known: {list(TYPES)})")
    return columns


def load(path: Path) -> list[Column]:
    return loads(path.read_text(), str(path))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 3] + "..."


def _convert(series: pd.Series, kind: str) -> pd.Series:
    """The column as ``kind``, with NaN/None where a value does not convert."""
    if kind in ("int64", "float64"):
        if pd.api.types.is_bool_dtype(series):
            return pd.Series(float("nan"), index=series.index)
        return pd.to_numeric(series, errors="coerce")
    if kind == "bool":
        if pd.api.types.is_bool_dtype(series):
            return series
        return series.map(lambda value: BOOLEAN_WORDS.get(str(value).strip().lower()))
    if kind == "timestamp":
        return pd.to_datetime(series, errors="coerce")
    return series.astype(str)


def check_column(series: pd.Series, column: Column) -> tuple[pd.Series, Column]:
    """Check and convert one source column; return it and the column's (maybe widened) type.

    Rows are counted from 1, the header not counted (row 7 of a CSV is its 8th line).
    """
    missing = series.isna().to_numpy()
    if missing.any() and not column.nullable:
        row = int(missing.argmax()) + 1
        raise SchemaMismatch(
            f"column {column.name!r}, row {row}: empty, but the dataset's column has no nulls"
        )
    positions = np.flatnonzero(~missing)
    present = series.iloc[positions]
    converted = _convert(present, column.type)
    bad = converted.isna().to_numpy()
    if column.type in ("int64", "float64"):
        bad = bad | ~np.isfinite(converted.to_numpy(dtype="float64", na_value=np.nan))
    if bad.any():
        first = int(bad.argmax())
        raise SchemaMismatch(
            f"column {column.name!r}, row {positions[first] + 1}: "
            f"{_shown(present.iloc[first])} is not {column.type} (the dataset's recorded type)"
        )
    kind = column.type
    if kind == "int64" and not (converted % 1 == 0).all():
        kind = "float64"  # widening: older files are read as floats
    checked = Column(column.name, kind, column.nullable)
    if not missing.any():
        return pd.Series(converted.to_numpy(), index=series.index), checked
    values = pd.Series(None, index=series.index, dtype="object")
    values.iloc[positions] = converted.to_numpy()
    return values, checked


def conform(frame: pd.DataFrame, recorded: Sequence[Column]) -> tuple[pd.DataFrame, list[Column]]:
    """Check a source against the recorded schema; return it converted, and the new schema.

    Raises SchemaMismatch naming the column (and the row and value) that does not fit.
    """
    names = [str(name) for name in frame.columns]
    if len(set(names)) != len(names):
        raise SchemaMismatch(f"the source has duplicate column names: {names}")
    absent = [column.name for column in recorded if column.name not in names]
    required = [name for name in absent if not _by_name(recorded)[name].nullable]
    if required:
        known = [column.name for column in recorded]
        raise SchemaMismatch(
            f"columns {names} differ from the dataset's {known}: {required} missing"
        )
    evolved: list[Column] = []
    converted: dict[str, pd.Series] = {}
    for column in recorded:
        if column.name in names:
            converted[column.name], column = check_column(frame[column.name], column)
        evolved.append(column)
    for name in names:
        if name not in converted:
            added = Column(name, type_of(frame[name]), nullable=True)
            converted[name], added = check_column(frame[name], added)
            evolved.append(added)
    result = pd.DataFrame({column.name: converted.get(column.name) for column in evolved})
    return read_as(result, evolved, "the source"), evolved


def _by_name(columns: Sequence[Column]) -> dict[str, Column]:
    return {column.name: column for column in columns}


def read_as(frame: pd.DataFrame, columns: Sequence[Column], where: str) -> pd.DataFrame:
    """A file's rows in the dataset's current schema: added columns null, widened types cast.

    Raises SchemaMismatch (naming ``where``) when a file holds what its schema does not allow.
    """
    result = frame.copy()
    for column in columns:
        if column.name not in result.columns:
            result[column.name] = None
        try:
            result[column.name] = _reader_type(result[column.name], column)
        except (ValueError, TypeError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise SchemaMismatch(f"{where}: column {column.name!r}: {reason}") from None
    return result[[column.name for column in columns]]


def _reader_type(series: pd.Series, column: Column) -> pd.Series:
    if column.type == "timestamp":
        return pd.to_datetime(series)
    if column.type == "int64" and series.isna().any():
        return series.astype("float64")
    if column.type == "bool" and series.isna().any():
        return series.astype("boolean")
    if column.type == "string":
        return series.astype(str).astype(object).where(series.notna(), None)
    return series.astype(READ_AS[column.type])
