"""Read and write the tables the steps pass to each other."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import lake_schema


def read_dir(folder: str | Path) -> pd.DataFrame:
    """Concatenate every CSV and Parquet file under a folder, in name order.

    Raises FileNotFoundError when there is none, and ``lake_schema.SchemaMismatch`` when a
    file does not fit the folder's recorded schema (``_schema.json``).
    """
    files = sorted(
        path
        for path in Path(folder).rglob("*")
        if path.suffix.lower() in {".csv", ".parquet"} and path.is_file()
    )
    if not files:
        raise FileNotFoundError(f"no .csv or .parquet files under {folder}")
    frames = [
        pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
        for path in files
    ]
    # A curated dataset of the lake records its schema: files written before a column was
    # added read it as null, widened columns are cast (see production/lake_schema.py).
    schema_file = Path(folder) / lake_schema.SCHEMA_FILE
    if schema_file.is_file():
        columns = lake_schema.load(schema_file)
        frames = [
            lake_schema.read_as(frame, columns, str(path))
            for frame, path in zip(frames, files, strict=True)
        ]
    return pd.concat(frames, ignore_index=True)


def write_csv(frame: pd.DataFrame, folder: str | Path, name: str) -> Path:
    """Write a frame as ``<folder>/<name>.csv`` (CSV: every SageMaker image can read it)."""
    path = Path(folder) / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path
