"""Durable event storage: the lake's tables, the sinks that write them and the reader.

Local default: ``<lake>/<table>/dt=YYYY-MM-DD/part-<uuid>.parquet``. Each file is written
to ``<lake>/_staging/`` on the same filesystem, fsynced and moved into place with
``os.replace``, so a reader sees a whole file or none. In the cloud the same layout lives
in S3 (``s3`` sink) or arrives through Kinesis Data Firehose as JSON lines (``firehose``).

Writes are *group commits*: request handlers queue their records and wait; one writer
thread writes everything queued so far in one file per partition, then acknowledges all
of them. A request is acknowledged only after its records are durable.

Delivery can repeat (a client retries, Firehose is at-least-once, compaction can be
interrupted), so every read de-duplicates on ``event_id``, keeping the earliest copy.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .settings import Settings

_STR, _I64 = pa.string(), pa.int64()

#: Every table of the lake. ``server_ts`` is microseconds since the epoch (UTC).
SCHEMAS: dict[str, pa.Schema] = {
    "predictions": pa.schema(
        [
            ("event_id", _STR),
            ("prediction_id", _STR),
            ("model_version", _STR),
            ("subject", _STR),
            ("input_json", _STR),
            ("prediction_json", _STR),
            ("server_ts", _I64),
        ]
    ),
    "feedback": pa.schema(
        [
            ("event_id", _STR),
            ("prediction_id", _STR),
            ("model_version", _STR),
            ("subject", _STR),
            ("value", pa.int8()),
            ("server_ts", _I64),
        ]
    ),
    "challenges": pa.schema(
        [
            ("event_id", _STR),
            ("challenge_id", _STR),
            ("subject", _STR),
            ("passed", pa.bool_()),
            ("known_correct", pa.int16()),
            ("known_total", pa.int16()),
            ("server_ts", _I64),
        ]
    ),
    "label_votes": pa.schema(
        [
            ("event_id", _STR),
            ("challenge_id", _STR),
            ("item_id", _STR),
            ("target", pa.int16()),
            ("selected", pa.bool_()),
            ("subject", _STR),
            ("server_ts", _I64),
        ]
    ),
    "retrain_runs": pa.schema(
        [
            ("event_id", _STR),
            ("triggered", pa.bool_()),
            ("reason", _STR),
            ("model_version", _STR),
            ("detail_json", _STR),
            ("server_ts", _I64),
        ]
    ),
}

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.int16(): "SMALLINT",
    pa.int8(): "TINYINT",
    pa.bool_(): "BOOLEAN",
}

Record = dict[str, Any]


def now_us() -> int:
    """Current time in microseconds since the epoch."""
    return time.time_ns() // 1000


DAY_US = 86_400_000_000
_EPOCH = dt.date(1970, 1, 1)
_COLUMNS = {table: frozenset(schema.names) for table, schema in SCHEMAS.items()}


def partition_of(server_ts: int) -> str:
    """The ``dt`` partition (UTC date) of a timestamp in microseconds."""
    return (_EPOCH + dt.timedelta(days=server_ts // DAY_US)).isoformat()


def _check(table: str, record: Record) -> None:
    columns = _COLUMNS.get(table)
    if columns is None:
        raise ValueError(f"unknown lake table {table!r}")
    if not columns <= record.keys():
        raise ValueError(f"{table} record lacks {sorted(columns - record.keys())}")


def _arrow(table: str, records: Sequence[Record]) -> pa.Table:
    schema = SCHEMAS[table]
    return pa.Table.from_pylist([{k: r[k] for k in schema.names} for r in records], schema)


def _by_partition(batch: Iterable[tuple[str, Record]]) -> dict[tuple[str, str], list[Record]]:
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for table, record in batch:
        _check(table, record)
        groups[(table, partition_of(record["server_ts"]))].append(record)
    return groups


class Sink(Protocol):
    """Writes a batch of ``(table, record)`` pairs; everything is durable when it returns."""

    def write(self, batch: Sequence[tuple[str, Record]]) -> None: ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_parquet(root: Path, table: str, dt_value: str, arrow_table: pa.Table) -> Path:
    """Write one Parquet file atomically: staging file, fsync, ``os.replace``, fsync dir."""
    staging_dir = root / "_staging"
    staging_dir.mkdir(parents=True, exist_ok=True)
    target_dir = root / table / f"dt={dt_value}"
    target_dir.mkdir(parents=True, exist_ok=True)
    name = f"part-{uuid.uuid4().hex}.parquet"  # unique: never overwrites an earlier file
    staging = staging_dir / name
    with open(staging, "wb") as handle:
        pq.write_table(arrow_table, handle, compression="zstd")
        handle.flush()
        os.fdatasync(handle.fileno())
    target = target_dir / name
    os.replace(staging, target)
    _fsync_dir(target_dir)
    return target


class LocalParquetSink:
    """The local lake: partitioned Parquet files under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, batch: Sequence[tuple[str, Record]]) -> None:
        """Write one file per (table, dt) partition in the batch."""
        for (table, dt_value), records in _by_partition(batch).items():
            publish_parquet(self.root, table, dt_value, _arrow(table, records))


def _s3_client() -> Any:
    import boto3  # imported lazily: the local lake needs no AWS SDK at startup

    return boto3.client("s3")


class S3ParquetSink:
    """The same layout as the local lake, in S3 (a PUT is atomic: no staging needed)."""

    def __init__(self, bucket: str, prefix: str, client: Any = None) -> None:
        self.bucket, self.prefix = bucket, prefix
        self.client = client or _s3_client()

    def write(self, batch: Sequence[tuple[str, Record]]) -> None:
        """PUT one Parquet object per (table, dt) partition in the batch."""
        for (table, dt_value), records in _by_partition(batch).items():
            buffer = io.BytesIO()
            pq.write_table(_arrow(table, records), buffer, compression="zstd")
            key = f"{self.prefix}/{table}/dt={dt_value}/part-{uuid.uuid4().hex}.parquet"
            self.client.put_object(Bucket=self.bucket, Key=key, Body=buffer.getvalue())


FIREHOSE_MAX_RECORDS = 500
FIREHOSE_MAX_BYTES = 4 * 1024 * 1024


def firehose_chunks(lines: Sequence[bytes]) -> list[list[bytes]]:
    """Split records into PutRecordBatch calls: at most 500 records and 4 MiB each."""
    chunks: list[list[bytes]] = []
    current: list[bytes] = []
    size = 0
    for line in lines:
        if current and (
            len(current) == FIREHOSE_MAX_RECORDS or size + len(line) > FIREHOSE_MAX_BYTES
        ):
            chunks.append(current)
            current, size = [], 0
        current.append(line)
        size += len(line)
    if current:
        chunks.append(current)
    return chunks


class FirehoseSink:
    """Kinesis Data Firehose: JSON lines, routed to ``<table>/dt=...`` by dynamic partitioning.

    Each record carries ``_table`` and ``_dt`` for the stream's partitioning query.
    Records that Firehose reports as failed (``FailedPutCount``) are sent again with backoff.
    """

    def __init__(self, stream: str, client: Any = None, max_attempts: int = 5) -> None:
        self.stream, self.max_attempts = stream, max_attempts
        if client is None:
            import boto3

            client = boto3.client("firehose")
        self.client = client

    def write(self, batch: Sequence[tuple[str, Record]]) -> None:
        """Send the batch; return only when Firehose accepted every record."""
        lines = []
        for table, record in batch:
            _check(table, record)
            row = {k: record[k] for k in SCHEMAS[table].names}
            row |= {"_table": table, "_dt": partition_of(record["server_ts"])}
            lines.append(json.dumps(row, separators=(",", ":")).encode() + b"\n")
        for chunk in firehose_chunks(lines):
            self._put(chunk)

    def _put(self, chunk: list[bytes]) -> None:
        pending = chunk
        for attempt in range(self.max_attempts):
            response = self.client.put_record_batch(
                DeliveryStreamName=self.stream, Records=[{"Data": data} for data in pending]
            )
            if response.get("FailedPutCount", 0) == 0:
                return
            pending = [
                data
                for data, result in zip(pending, response["RequestResponses"], strict=True)
                if result.get("ErrorCode")
            ]
            time.sleep(min(2.0, 0.05 * 2**attempt))
        raise RuntimeError(
            f"Firehose refused {len(pending)} records after {self.max_attempts} tries"
        )


def make_sink(settings: Settings) -> Sink:
    """The sink the settings ask for."""
    if settings.sink == "s3":
        return S3ParquetSink(settings.s3_bucket, settings.s3_prefix)
    if settings.sink == "firehose":
        return FirehoseSink(settings.firehose_stream)
    return LocalParquetSink(settings.lake_dir)


class GroupCommitWriter:
    """Writer threads; callers wait until their records are durable.

    Whatever queued while a batch was being written goes into the next batch, so under
    load many requests share one file and one fsync. ``writers`` threads take turns, so
    one batch is gathered and written while another waits for its fsync. When the last
    batch held more than one request (there is load), a writer lingers ``linger_s`` to
    gather more: a little latency for far fewer fsyncs. Requests are queued on a deque
    (no lock on the request path); a writer is woken through an event.
    """

    def __init__(
        self, sink: Sink, max_batch: int = 5000, linger_s: float = 0.002, writers: int = 2
    ) -> None:
        self.sink, self.max_batch, self.linger_s = sink, max_batch, linger_s
        self._pending: deque[Any] = deque()
        self._wake = threading.Event()
        self._take = threading.Lock()
        self._closing = False
        self._threads = [
            threading.Thread(target=self._run, name=f"lake-writer-{i}", daemon=True)
            for i in range(writers)
        ]
        for thread in self._threads:
            thread.start()

    async def append(self, records: Sequence[tuple[str, Record]]) -> None:
        """Queue ``records`` and return once they are durable; raises if the write failed."""
        for table, record in records:
            _check(table, record)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((list(records), loop, future))
        if not self._wake.is_set():
            self._wake.set()
        await future

    def close(self) -> None:
        """Write what is queued, then stop the threads."""
        self._closing = True
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _take_batch(self) -> list[Any]:
        with self._take:
            self._wake.clear()
            items = []
            while self._pending and len(items) < self.max_batch:
                items.append(self._pending.popleft())
            if self._pending or self._closing:
                self._wake.set()  # more for the other writer, or let it see the close
        return items

    def _run(self) -> None:
        busy = False
        while True:
            self._wake.wait()
            if busy and not self._closing:
                time.sleep(self.linger_s)
            items = self._take_batch()
            busy = len(items) > 1
            if not items:
                if self._closing:
                    return
                continue
            error: BaseException | None = None
            try:
                self.sink.write([pair for records, _, _ in items for pair in records])
            except BaseException as exc:  # reported to every waiting request
                error = exc
            by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = defaultdict(list)
            for _, loop, future in items:
                by_loop[loop].append(future)
            for loop, futures in by_loop.items():  # one wake-up per event loop
                loop.call_soon_threadsafe(_resolve, futures, error)


def _resolve(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for future in futures:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


# --- reading -------------------------------------------------------------------------


def _mirror_s3(settings: Settings, table: str, suffix: str) -> Path:
    """Download the table's objects that are not yet in the local cache."""
    cache = settings.lake_dir / "_s3_cache" / settings.sink
    client = _s3_client()
    prefix = f"{settings.s3_prefix}/{table}/"
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=settings.s3_bucket, Prefix=prefix
    ):
        for item in page.get("Contents", []):
            relative = item["Key"][len(settings.s3_prefix) + 1 :]
            local = cache / relative
            if not relative.endswith(suffix) or local.exists():
                continue
            local.parent.mkdir(parents=True, exist_ok=True)
            staging = local.with_name(f".{local.name}.tmp")
            client.download_file(settings.s3_bucket, item["Key"], str(staging))
            os.replace(staging, local)
    return cache


def _source_sql(settings: Settings, table: str) -> str | None:
    """A DuckDB table expression over the table's files, or None when it has none yet."""
    if settings.sink == "firehose":
        root, pattern = _mirror_s3(settings, table, ".json.gz"), "*.json.gz"
    elif settings.sink == "s3":
        root, pattern = _mirror_s3(settings, table, ".parquet"), "*.parquet"
    else:
        root, pattern = settings.lake_dir, "*.parquet"
    # Only dt=*/ files: staging and temporary files never match.
    if not any((root / table).glob(f"dt=*/{pattern}")):
        return None
    glob = str(root / table / f"dt=*/{pattern}").replace("'", "''")
    if pattern.endswith(".parquet"):
        return (
            f"read_parquet('{glob}', hive_partitioning = true, "
            "hive_types = {'dt': VARCHAR}, union_by_name = true)"
        )
    columns = ", ".join(f"'{f.name}': '{_DUCK_TYPES[f.type]}'" for f in SCHEMAS[table])
    return (
        f"read_json('{glob}', format = 'newline_delimited', columns = " + "{" + columns + "}, "
        "hive_partitioning = true, hive_types = {'dt': VARCHAR})"
    )


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one de-duplicated view per lake table (empty when no data)."""
    con = duckdb.connect()
    for table, schema in SCHEMAS.items():
        source = _source_sql(settings, table)
        columns = ", ".join(schema.names)
        if source is None:
            con.register(f"_empty_{table}", schema.empty_table())
            source = f"(SELECT *, NULL::VARCHAR AS dt FROM _empty_{table})"
        con.execute(f"CREATE VIEW raw_{table} AS SELECT {columns}, dt FROM {source}")
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM raw_{table} "
            "QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY server_ts) = 1"
        )
    return con


def compact(root: Path, min_files: int = 2) -> dict[str, int]:
    """Merge each local partition's files into one, de-duplicated on ``event_id``.

    The merged file is published before the old files are removed; a crash in between
    leaves duplicates that every read removes anyway. Files that appear while it runs
    are left alone.
    """
    merged = {"partitions": 0, "files_removed": 0, "rows_dropped": 0}
    for table in SCHEMAS:
        for part in sorted((root / table).glob("dt=*")):
            files = sorted(part.glob("*.parquet"))
            if len(files) < min_files:
                continue
            data = pa.concat_tables([pq.read_table(f, schema=SCHEMAS[table]) for f in files])
            con = duckdb.connect()
            con.register("data", data)
            unique = con.sql(
                "SELECT * FROM data QUALIFY row_number() OVER "
                "(PARTITION BY event_id ORDER BY server_ts) = 1 ORDER BY server_ts"
            ).to_arrow_table()
            publish_parquet(root, table, part.name.removeprefix("dt="), unique.cast(SCHEMAS[table]))
            for f in files:
                f.unlink()
            _fsync_dir(part)
            merged["partitions"] += 1
            merged["files_removed"] += len(files)
            merged["rows_dropped"] += data.num_rows - unique.num_rows
    return merged
