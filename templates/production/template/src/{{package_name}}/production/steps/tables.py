"""Read and write the tables the steps pass to each other."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_dir(folder: str | Path) -> pd.DataFrame:
    """Concatenate every CSV and Parquet file under a folder, in name order."""
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
    return pd.concat(frames, ignore_index=True)


def write_csv(frame: pd.DataFrame, folder: str | Path, name: str) -> Path:
    """Write a frame as ``<folder>/<name>.csv`` (CSV: every SageMaker image can read it)."""
    path = Path(folder) / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path
