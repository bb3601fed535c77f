"""Land source files in the data lake: a raw zone partitioned by ingestion date, then curated.

Layout (the same under a local directory or an ``s3://bucket/prefix``)::

    raw/<dataset>/ingest_date=YYYY-MM-DD/<checksum>/<source file> + manifest.json
    curated/<dataset>/<checksum>.parquet
    curated/<dataset>/_schema.json        the dataset's recorded column types (lake_schema)

The manifest records rows, schema and the SHA-256 checksum of the source. Ingesting a file
whose checksum is already in the raw zone lands nothing new. A source is checked against
the dataset's recorded column types and refused, naming the column and the row, when it
does not fit (``lake_schema``); the schema may gain nullable columns and widen int to float.
Everything is written to a staging folder first and moved into place with a rename (on S3:
uploaded, manifest last), so a bad source leaves nothing half-written. Ingestions into a
local lake hold the lake's lock (``locks``), so concurrent ones never interleave; in S3 the
same source twice is idempotent, but two sources that evolve the schema at the same moment
are not serialised (run them from one scheduler).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import lake_schema, locks
from .settings import check_dataset

READERS = {".csv": pd.read_csv, ".parquet": pd.read_parquet}
CHECKSUM_CHARS = 16


class LakeError(Exception):
    """A source could not be ingested; the message is one line meant for the user."""


class SourceRefused(LakeError):
    """The source itself is bad (unreadable, empty, or not of the dataset's column types)."""


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
        raise SourceRefused(f"{path.name}: unsupported file type (use .csv or .parquet)")
    try:
        frame = reader(path)
    except Exception as error:  # noqa: BLE001 - any parser failure is a bad source
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SourceRefused(f"{path.name}: cannot be read: {reason}") from error
    if frame.empty or len(frame.columns) == 0:
        raise SourceRefused(f"{path.name}: has no rows")
    # Rows are reported by position (row 1 = the first data row).
    return frame.reset_index(drop=True)


def ingest(
    source: str,
    lake_uri: str,
    dataset: str,
    today: dt.date | None = None,
    lock_timeout: float = locks.DEFAULT_TIMEOUT,
) -> Ingestion:
    """Ingest one CSV/Parquet source (a local path or ``s3://``) into the lake.

    Raises SourceRefused when the source is unreadable or does not fit the dataset's
    recorded column types (nothing is written), LakeError when the lake cannot be reached,
    and ``locks.Busy`` when another ingestion held a local lake for ``lock_timeout`` s.
    """
    try:
        check_dataset(dataset)
    except ValueError as error:
        raise LakeError(str(error)) from None
    today = today or dt.datetime.now(dt.UTC).date()
    lake = open_lake(lake_uri)
    with tempfile.TemporaryDirectory(prefix="lake-staging-") as staging_name:
        staging = Path(staging_name)
        local_source = _fetch(source, staging / "source")
        frame = read_source(local_source)
        with lake.writing(lock_timeout):
            return _land(lake, source, local_source, frame, dataset, today, staging)


def _land(
    lake: LocalLake | S3Lake,
    source: str,
    local_source: Path,
    frame: pd.DataFrame,
    dataset: str,
    today: dt.date,
    staging: Path,
) -> Ingestion:
    """Check the source against the dataset's schema and publish it (under the lake's lock)."""
    digest = checksum(local_source)[:CHECKSUM_CHARS]
    existing = lake.find_raw(dataset, digest)
    if existing is not None:
        return Ingestion(source, digest, 0, existing, lake.curated_key(dataset, digest), False)
    recorded, stored = lake.recorded_schema(dataset)
    try:
        frame, columns = lake_schema.conform(frame, recorded or lake_schema.infer(frame))
    except lake_schema.SchemaMismatch as error:
        raise SourceRefused(f"{local_source.name}: {error} in dataset {dataset!r}") from None
    raw_dir = staging / "raw" / local_source.name
    raw_dir.mkdir(parents=True)
    shutil.copy2(local_source, raw_dir / local_source.name)
    manifest = {
        "dataset": dataset,
        "source": source,
        "file": local_source.name,
        "ingest_date": today.isoformat(),
        "rows": len(frame),
        "schema": [{"name": column.name, "type": column.type} for column in columns],
        "checksum_sha256": checksum(local_source),
    }
    (raw_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    curated_file = staging / f"{digest}.parquet"
    frame.to_parquet(curated_file, index=False)
    raw_key = lake.raw_key(dataset, today, digest)
    curated_key = lake.curated_key(dataset, digest)
    # The schema first (it only ever widens, so it reads every file already there), then
    # the curated file; the raw manifest last: it marks that the ingestion happened.
    if columns != recorded or not stored:
        schema_file = staging / lake_schema.SCHEMA_FILE
        schema_file.write_text(lake_schema.dumps(columns))
        lake.put_file(schema_file, lake.schema_key(dataset))
    lake.put_file(curated_file, curated_key)
    lake.put_dir(raw_dir, raw_key)
    described = tuple((column.name, column.type) for column in columns)
    return Ingestion(source, digest, len(frame), raw_key, curated_key, True, described)


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

    # A session of its own: the configuration as it is now, not as a cached default session.
    return boto3.Session().client("s3")


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

    def schema_key(self, dataset: str) -> str:
        return f"curated/{dataset}/{lake_schema.SCHEMA_FILE}"

    def recorded_schema(self, dataset: str) -> tuple[list[lake_schema.Column] | None, bool]:
        """The dataset's recorded schema, and whether it is stored (else: None, or inferred
        from the first curated file of a lake made before schemas were recorded)."""
        text = self.read_text(self.schema_key(dataset))
        if text is not None:
            try:
                return lake_schema.loads(text, self.schema_key(dataset)), True
            except lake_schema.SchemaMismatch as error:
                raise LakeError(str(error)) from None
        first = self.first_curated(dataset)
        return (lake_schema.infer(first) if first is not None else None), False

    def read_text(self, key: str) -> str | None:
        raise NotImplementedError

    def first_curated(self, dataset: str) -> pd.DataFrame | None:
        raise NotImplementedError


class LocalLake(_Layout):
    """A lake in a local directory (the default: no AWS needed)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_raw(self, dataset: str, digest: str) -> str | None:
        for manifest in sorted((self.root / "raw" / dataset).glob(f"*/{digest}/manifest.json")):
            return str(manifest.parent.relative_to(self.root))
        return None

    @property
    def lock_dir(self) -> Path:
        """Where the lake's lock file is: the raw zone, where an ingestion is marked done
        (its ``.gitignore`` already keeps the file out of git)."""
        return self.root / "raw"

    def writing(self, timeout: float) -> AbstractContextManager[None]:
        """The lake's lock: one ingestion at a time (locks.Busy after ``timeout`` s)."""
        return locks.exclusive(self.lock_dir, f"the lake {self.root}", timeout)

    def read_text(self, key: str) -> str | None:
        path = self.root / key
        return path.read_text() if path.is_file() else None

    def first_curated(self, dataset: str) -> pd.DataFrame | None:
        files = sorted(self.curated_dir(dataset).glob("*.parquet"))
        return pd.read_parquet(files[0]) if files else None

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

    def writing(self, timeout: float) -> AbstractContextManager[None]:
        """No lock in S3 (see the module docstring)."""
        return contextlib.nullcontext()

    def read_text(self, key: str) -> str | None:
        from botocore.exceptions import ClientError

        try:
            body = _s3().get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return body.decode()

    def first_curated(self, dataset: str) -> pd.DataFrame | None:
        listing = _s3().list_objects_v2(Bucket=self.bucket, Prefix=self._key(f"curated/{dataset}/"))
        keys = sorted(
            item["Key"] for item in listing.get("Contents", []) if item["Key"].endswith(".parquet")
        )
        if not keys:
            return None
        body = _s3().get_object(Bucket=self.bucket, Key=keys[0])["Body"].read()
        return pd.read_parquet(io.BytesIO(body))

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
    glue = boto3.Session().client("glue")
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
    kinds = {
        "int": "bigint",
        "uint": "bigint",
        "float": "double",
        "bool": "boolean",
        "timestamp": "timestamp",
    }
    for prefix, hive in kinds.items():
        if dtype.lower().startswith(prefix):
            return hive
    return "string"


def read_curated(lake_uri: str, dataset: str) -> pd.DataFrame:
    """All curated rows of a dataset in its current schema, in ingestion-checksum order.

    Files written before a column was added read it as null; widened columns are cast.
    """
    lake = open_lake(lake_uri)
    if isinstance(lake, S3Lake):
        raise LakeError("run-local reads a local lake; on AWS the pipeline reads the S3 lake")
    # The file list first, then the schema: the schema is written before any file that
    # needs it, so it describes every file listed.
    files = sorted(lake.curated_dir(dataset).glob("*.parquet"))
    if not files:
        raise LakeError(f"dataset {dataset!r} has no curated data in {lake_uri}: run ingest first")
    recorded, stored = lake.recorded_schema(dataset)
    frames = []
    for file in files:
        frame = pd.read_parquet(file)
        if stored and recorded is not None:
            try:
                frame = lake_schema.read_as(frame, recorded, str(file))
            except lake_schema.SchemaMismatch as error:
                raise LakeError(str(error)) from None
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
