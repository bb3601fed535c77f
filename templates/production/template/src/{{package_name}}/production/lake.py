"""Land source files in the data lake: a raw zone partitioned by ingestion date, then curated.

Layout (the same under a local directory or an ``s3://bucket/prefix``)::

    raw/<dataset>/ingest_date=YYYY-MM-DD/<checksum>/<source file> + manifest.json
    curated/<dataset>/<checksum>.parquet

The manifest records rows, schema and the SHA-256 checksum of the source. Ingesting a file
whose checksum is already in the raw zone lands nothing new. Everything is written to a
staging folder first and moved into place with a rename (on S3: uploaded, manifest last),
so a bad source leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

READERS = {".csv": pd.read_csv, ".parquet": pd.read_parquet}
CHECKSUM_CHARS = 16


class LakeError(Exception):
    """A source could not be ingested; the message is one line meant for the user."""


@dataclass(frozen=True)
class Ingestion:
    """What one ingestion did."""

    source: str
    checksum: str
    rows: int
    raw_path: str
    curated_path: str
    new: bool
    schema: tuple[tuple[str, str], ...] = ()


def checksum(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_source(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file, turning every failure into a one-line LakeError."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise LakeError(f"{path.name}: unsupported file type (use .csv or .parquet)")
    try:
        frame = reader(path)
    except Exception as error:  # noqa: BLE001 - any parser failure is a bad source
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise LakeError(f"{path.name}: cannot be read: {reason}") from error
    if frame.empty or len(frame.columns) == 0:
        raise LakeError(f"{path.name}: has no rows")
    return frame


def schema_of(frame: pd.DataFrame) -> list[dict[str, str]]:
    return [{"name": str(name), "type": str(dtype)} for name, dtype in frame.dtypes.items()]


def ingest(source: str, lake_uri: str, dataset: str, today: dt.date | None = None) -> Ingestion:
    """Ingest one CSV/Parquet source (a local path or ``s3://``) into the lake."""
    today = today or dt.datetime.now(dt.UTC).date()
    with tempfile.TemporaryDirectory(prefix="lake-staging-") as staging_name:
        staging = Path(staging_name)
        local_source = _fetch(source, staging / "source")
        digest = checksum(local_source)[:CHECKSUM_CHARS]
        lake = open_lake(lake_uri)
        existing = lake.find_raw(dataset, digest)
        if existing is not None:
            return Ingestion(source, digest, 0, existing, lake.curated_key(dataset, digest), False)
        frame = read_source(local_source)
        lake.check_schema(dataset, frame)
        raw_dir = staging / "raw" / local_source.name
        raw_dir.mkdir(parents=True)
        shutil.copy2(local_source, raw_dir / local_source.name)
        manifest = {
            "dataset": dataset,
            "source": source,
            "file": local_source.name,
            "ingest_date": today.isoformat(),
            "rows": len(frame),
            "schema": schema_of(frame),
            "checksum_sha256": checksum(local_source),
        }
        (raw_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        curated_file = staging / f"{digest}.parquet"
        frame.to_parquet(curated_file, index=False)
        raw_key = lake.raw_key(dataset, today, digest)
        curated_key = lake.curated_key(dataset, digest)
        # Curated first: the raw manifest is the marker that the ingestion happened.
        lake.put_file(curated_file, curated_key)
        lake.put_dir(raw_dir, raw_key)
        columns = tuple((item["name"], item["type"]) for item in manifest["schema"])
        return Ingestion(source, digest, len(frame), raw_key, curated_key, True, columns)


def _fetch(source: str, dest_dir: Path) -> Path:
    """Copy a source to the staging folder (downloading it when it is on S3)."""
    dest_dir.mkdir(parents=True)
    if source.startswith("s3://"):
        bucket, _, key = source[5:].partition("/")
        target = dest_dir / Path(key).name
        try:
            _s3().download_file(bucket, key, str(target))
        except Exception as error:  # noqa: BLE001 - botocore raises many types
            raise LakeError(f"{source}: cannot be downloaded: {error}") from error
        return target
    path = Path(source)
    if not path.is_file():
        raise LakeError(f"{source}: no such file")
    target = dest_dir / path.name
    shutil.copy2(path, target)
    return target


def _s3():  # noqa: ANN202 - boto3 clients have no static type
    import boto3

    return boto3.client("s3")


def open_lake(lake_uri: str) -> LocalLake | S3Lake:
    """The lake behind a URI: a local directory, or an S3 bucket and prefix."""
    if lake_uri.startswith("s3://"):
        bucket, _, prefix = lake_uri[5:].partition("/")
        return S3Lake(bucket, prefix.strip("/"))
    return LocalLake(Path(lake_uri))


class _Layout:
    def raw_key(self, dataset: str, day: dt.date, digest: str) -> str:
        return f"raw/{dataset}/ingest_date={day.isoformat()}/{digest}"

    def curated_key(self, dataset: str, digest: str) -> str:
        return f"curated/{dataset}/{digest}.parquet"

    def check_schema(self, dataset: str, frame: pd.DataFrame) -> None:
        """Refuse a source whose columns differ from what the curated dataset already holds."""
        known = self.curated_columns(dataset)
        if known is not None and known != [str(name) for name in frame.columns]:
            raise LakeError(
                f"columns {list(frame.columns)} differ from dataset {dataset!r}: {known}"
            )

    def curated_columns(self, dataset: str) -> list[str] | None:
        raise NotImplementedError


class LocalLake(_Layout):
    """A lake in a local directory (the default: no AWS needed)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_raw(self, dataset: str, digest: str) -> str | None:
        for manifest in sorted((self.root / "raw" / dataset).glob(f"*/{digest}/manifest.json")):
            return str(manifest.parent.relative_to(self.root))
        return None

    def curated_columns(self, dataset: str) -> list[str] | None:
        files = sorted((self.root / "curated" / dataset).glob("*.parquet"))
        return list(pd.read_parquet(files[0]).columns) if files else None

    def put_file(self, path: Path, key: str) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        shutil.copy2(path, partial)
        os.replace(partial, target)

    def put_dir(self, path: Path, key: str) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(path, partial)
        os.replace(partial, target)

    def curated_dir(self, dataset: str) -> Path:
        return self.root / "curated" / dataset


class S3Lake(_Layout):
    """A lake in S3; each curated dataset is also a Glue table, so Athena can query it."""

    def __init__(self, bucket: str, prefix: str) -> None:
        self.bucket = bucket
        self.prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def find_raw(self, dataset: str, digest: str) -> str | None:
        paginator = _s3().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(f"raw/{dataset}/")):
            for item in page.get("Contents", []):
                if item["Key"].endswith(f"/{digest}/manifest.json"):
                    folder = item["Key"].rsplit("/", 1)[0]
                    return folder.removeprefix(f"{self.prefix}/") if self.prefix else folder
        return None

    def curated_columns(self, dataset: str) -> list[str] | None:
        listing = _s3().list_objects_v2(
            Bucket=self.bucket, Prefix=self._key(f"curated/{dataset}/"), MaxKeys=1
        )
        contents = listing.get("Contents", [])
        if not contents:
            return None
        body = _s3().get_object(Bucket=self.bucket, Key=contents[0]["Key"])["Body"].read()
        return list(pd.read_parquet(io.BytesIO(body)).columns)

    def put_file(self, path: Path, key: str) -> None:
        _s3().upload_file(str(path), self.bucket, self._key(key))

    def put_dir(self, path: Path, key: str) -> None:
        # The manifest goes last: a raw folder without one is not an ingestion.
        files = sorted(path.iterdir(), key=lambda item: item.name == "manifest.json")
        for file in files:
            _s3().upload_file(str(file), self.bucket, self._key(f"{key}/{file.name}"))


def catalog(lake_uri: str, dataset: str, database: str, schema: Sequence[tuple[str, str]]) -> None:
    """Create or update the Glue table of a curated dataset in S3 (for Athena)."""
    import boto3

    lake = open_lake(lake_uri)
    if not isinstance(lake, S3Lake):
        raise LakeError("the Glue catalog is only for a lake in S3")
    glue = boto3.client("glue")
    table = {
        "Name": dataset,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet"},
        "StorageDescriptor": {
            "Columns": [
                {"Name": name.lower(), "Type": _hive_type(dtype)} for name, dtype in schema
            ],
            "Location": f"s3://{lake.bucket}/{lake._key(f'curated/{dataset}/')}",
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": (
                    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                )
            },
        },
    }
    try:
        glue.create_database(DatabaseInput={"Name": database})
    except glue.exceptions.AlreadyExistsException:
        pass
    try:
        glue.create_table(DatabaseName=database, TableInput=table)
    except glue.exceptions.AlreadyExistsException:
        glue.update_table(DatabaseName=database, TableInput=table)


def _hive_type(dtype: str) -> str:
    kinds = {"int": "bigint", "uint": "bigint", "float": "double", "bool": "boolean"}
    for prefix, hive in kinds.items():
        if dtype.lower().startswith(prefix):
            return hive
    return "string"


def read_curated(lake_uri: str, dataset: str) -> pd.DataFrame:
    """All curated rows of a dataset, in ingestion-checksum order (deterministic)."""
    lake = open_lake(lake_uri)
    if isinstance(lake, S3Lake):
        raise LakeError("run-local reads a local lake; on AWS the pipeline reads the S3 lake")
    files = sorted(lake.curated_dir(dataset).glob("*.parquet"))
    if not files:
        raise LakeError(f"dataset {dataset!r} has no curated data in {lake_uri}: run ingest first")
    return pd.concat([pd.read_parquet(file) for file in files], ignore_index=True)
