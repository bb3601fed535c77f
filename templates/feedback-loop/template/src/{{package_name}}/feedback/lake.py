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
import contextlib
import datetime as dt
import fcntl
import io
import json
import os
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
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
    pa.int32(): "INTEGER",
    pa.int16(): "SMALLINT",
    pa.float64(): "DOUBLE",
    pa.int8(): "TINYINT",
    pa.bool_(): "BOOLEAN",
}

Record = dict[str, Any]


def now_us() -> int:
    """Current time in microseconds since the epoch."""
    return time.time_ns() // 1000


DAY_US = 86_400_000_000
_EPOCH = dt.date(1970, 1, 1)
#: What every record must carry (partitioning and de-duplication need them).
REQUIRED = frozenset({"event_id", "server_ts"})


def partition_of(server_ts: int) -> str:
    """The ``dt`` partition (UTC date) of a timestamp in microseconds."""
    return (_EPOCH + dt.timedelta(days=server_ts // DAY_US)).isoformat()


def _check(table: str, record: Record) -> None:
    """Refuse unknown tables, records without ``REQUIRED`` keys and keys not in the schema.

    Other schema columns may be missing from a record: they are written as NULL, so a
    column added to a table (schema evolution: nullable columns) needs no change of the
    writers that do not fill it yet.
    """
    schema = SCHEMAS.get(table)
    if schema is None:
        raise ValueError(f"unknown lake table {table!r}")
    if not REQUIRED <= record.keys():
        raise ValueError(f"{table} record lacks {sorted(REQUIRED - record.keys())}")
    unknown = record.keys() - set(schema.names)
    if unknown:
        raise ValueError(f"{table} has no columns {sorted(unknown)}")


def _arrow(table: str, records: Sequence[Record]) -> pa.Table:
    schema = SCHEMAS[table]
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in records], schema)


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


#: Compression of the small files group commits write: snappy costs a third of zstd's CPU
#: on a file of a few rows (mljourney's benchmarks/feedback_throughput.py); compaction
#: rewrites them as zstd.
PART_COMPRESSION = "snappy"


def publish_parquet(
    root: Path,
    table: str,
    dt_value: str,
    arrow_table: pa.Table,
    compression: str = PART_COMPRESSION,
) -> Path:
    """Write one Parquet file atomically: staging file, fsync, ``os.replace``, fsync dir."""
    staging_dir = root / "_staging"
    staging_dir.mkdir(parents=True, exist_ok=True)
    target_dir = root / table / f"dt={dt_value}"
    target_dir.mkdir(parents=True, exist_ok=True)
    name = f"part-{uuid.uuid4().hex}.parquet"  # unique: never overwrites an earlier file
    staging = staging_dir / name
    with open(staging, "wb") as handle:
        pq.write_table(arrow_table, handle, compression=compression)
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
            pq.write_table(_arrow(table, records), buffer, compression=PART_COMPRESSION)
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
            row = {k: record.get(k) for k in SCHEMAS[table].names}
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


#: What ``GroupCommitWriter``'s ``admit`` answers per ticket: the records to write for it
#: (none: nothing to write) and what its ``append`` returns.
Admitted = tuple[list[tuple[str, Record]], Any]


class GroupCommitWriter:
    """Writer threads; callers wait until their records are durable.

    Whatever queued while a batch was being written goes into the next batch, so under
    load many requests share one file and one fsync. ``writers`` threads take turns, so
    one batch is gathered and written while another waits for its fsync. When the last
    batch held more than one request (there is load), a writer lingers ``linger_s`` to
    gather more: a little latency for far fewer fsyncs. Requests are queued on a deque
    (no lock on the request path); a writer is woken through an event.

    Hooks, all run in the writer thread, once per batch:

    - ``admit(tickets)``: requests may queue a *ticket* instead of records; ``admit``
      gets the batch's tickets together (the service claims all the batch's event ids
      in one state-store transaction) and answers, per ticket, the records to write and
      the value its ``append`` returns (see ``Admitted``);
    - ``on_written(batch)``: after the batch is durable and before anyone is
      acknowledged (the service records there what the lake now holds);
    - ``on_failed(tickets)``: the write failed; the tickets whose records were in it
      (the service releases their claims, so a retry can claim them again).
    """

    def __init__(
        self,
        sink: Sink,
        max_batch: int = 5000,
        linger_s: float = 0.002,
        writers: int = 2,
        on_written: Callable[[list[tuple[str, Record]]], None] | None = None,
        admit: Callable[[list[Any]], list[Admitted]] | None = None,
        on_failed: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self.sink, self.max_batch, self.linger_s = sink, max_batch, linger_s
        self.on_written, self.admit, self.on_failed = on_written, admit, on_failed
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

    async def append(self, records: Sequence[tuple[str, Record]], ticket: Any = None) -> Any:
        """Queue ``records`` and return once they are durable; raises if the write failed.

        With a ``ticket`` (and an ``admit`` hook), ``admit`` decides in the writer thread
        which records are written for it (``records`` is then usually empty) and what
        this returns; without one this returns None.
        """
        if ticket is not None and self.admit is None:
            raise ValueError("a ticket needs the writer's admit hook")
        for table, record in records:
            _check(table, record)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((list(records), ticket, loop, future))
        if not self._wake.is_set():
            self._wake.set()
        return await future

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
            results = self._write(items)
            by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = defaultdict(list)
            for (_, _, loop, future), result in zip(items, results, strict=True):
                by_loop[loop].append((future, result))
            for loop, outcomes in by_loop.items():  # one wake-up per event loop
                loop.call_soon_threadsafe(_resolve, outcomes)

    def _write(self, items: list[Any]) -> list[tuple[Any, BaseException | None]]:
        """Admit the tickets, write the batch; per item ``(result, error)``."""
        try:
            tickets = [ticket for _, ticket, _, _ in items if ticket is not None]
            admitted = iter(self.admit(tickets) if tickets and self.admit else [])
            batch: list[tuple[str, Record]] = []
            results: list[Any] = []
            writes: list[bool] = []
            written_tickets: list[Any] = []
            for records, ticket, _, _ in items:
                result = None
                if ticket is not None:
                    records, result = next(admitted)
                    if records:
                        written_tickets.append(ticket)
                batch += records
                results.append(result)
                writes.append(bool(records))
        except BaseException as exc:  # reported to every waiting request
            return [(None, exc)] * len(items)
        if not batch:
            return [(result, None) for result in results]
        try:
            self.sink.write(batch)
            if self.on_written is not None:
                self.on_written(batch)
        except BaseException as exc:  # reported to every request that had records in it
            if written_tickets and self.on_failed is not None:
                with contextlib.suppress(Exception):
                    self.on_failed(written_tickets)
            return [
                (None, exc) if wrote else (result, None)
                for result, wrote in zip(results, writes, strict=True)
            ]
        return [(result, None) for result in results]


def _resolve(outcomes: list[tuple[asyncio.Future[Any], tuple[Any, BaseException | None]]]) -> None:
    for future, (result, error) in outcomes:
        if future.done():
            continue
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)


# --- reading: the lake's read/write protocol -------------------------------------------
#
# A *published part* is a file ``part-<32 hex>.parquet`` directly in a ``dt=YYYY-MM-DD``
# folder of a table; nothing else in the lake is ever read (staging, hidden, temporary
# or foreign files, other folders). Writers only ever add parts (atomically, by rename).
# Compaction never deletes a part it replaces at once: it first publishes a manifest
# ``_compaction-<uuid>.json`` naming its output and inputs, then publishes the output;
# from that moment readers skip the inputs. The inputs are deleted only ``grace_s``
# (default 600 s) later, then the manifest. A reader takes a snapshot of a partition:
# it lists the manifests, the parts, the manifests again, and reads the parts that are
# live in that listing -- every part except the inputs of a manifest whose output it saw.
# So a reader sees each row once, whether a compaction ran before, during or after its
# listing, and the files of its snapshot exist for at least ``grace_s``.

PART_NAME = re.compile(r"^part-[0-9a-f]{32}\.parquet$")
PARTITION_NAME = re.compile(r"^dt=\d{4}-\d{2}-\d{2}$")
MANIFEST_PREFIX = "_compaction-"
COMPACTION_GRACE_S = 600.0


class LakeBusy(RuntimeError):
    """Another compaction holds the lake's compaction lock."""


def partitions(table_dir: Path) -> list[Path]:
    """The ``dt=YYYY-MM-DD`` folders of a table, oldest first (nothing else)."""
    if not table_dir.is_dir():
        return []
    return sorted(p for p in table_dir.iterdir() if PARTITION_NAME.match(p.name) and p.is_dir())


def _manifests(partition: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for entry in os.scandir(partition):
        if entry.name.startswith(MANIFEST_PREFIX) and entry.name.endswith(".json"):
            try:
                found[entry.name] = json.loads(Path(entry.path).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # deleted by a cleanup meanwhile, or not ours
    return found


def live_parts(partition: Path) -> list[Path]:
    """A snapshot of the partition's live published parts (see the protocol above)."""
    before = _manifests(partition)
    parts = {e.name for e in os.scandir(partition) if PART_NAME.match(e.name)}
    manifests = before | _manifests(partition)
    retired: set[str] = set()
    for manifest in manifests.values():
        if manifest.get("output") in parts:
            retired.update(manifest.get("inputs", []))
    return [partition / name for name in sorted(parts - retired)]


def table_files(root: Path, table: str) -> list[Path]:
    """Every live published part of ``table`` under ``root``, partition by partition."""
    return [f for part in partitions(root / table) for f in live_parts(part)]


def _dataset(root: Path, table: str, files: Sequence[Path]) -> ds.Dataset:
    """The files read under today's schema (plus ``dt``): schema evolution on read.

    Columns a file lacks read as NULL (tables gain nullable columns); narrower types
    are cast to today's (types widen, e.g. int8 to int16); columns no longer in the
    schema are not read.
    """
    schema = SCHEMAS[table].append(pa.field("dt", pa.string()))
    return ds.dataset(
        [str(f) for f in files],
        schema=schema,
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("dt", pa.string())]), flavor="hive"),
        partition_base_dir=str(root / table),
    )


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


def _json_source(root: Path, table: str) -> str | None:
    """A DuckDB table expression over Firehose's JSON lines, or None when there are none."""
    if not any((root / table).glob("dt=*/*.json.gz")):
        return None
    glob = str(root / table / "dt=*/*.json.gz").replace("'", "''")
    columns = ", ".join(f"'{f.name}': '{_DUCK_TYPES[f.type]}'" for f in SCHEMAS[table])
    return (
        f"read_json('{glob}', format = 'newline_delimited', columns = " + "{" + columns + "}, "
        "hive_partitioning = true, hive_types = {'dt': VARCHAR})"
    )


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one de-duplicated view per lake table (empty when no data).

    ``raw_<table>`` holds every copy; ``<table>`` keeps the earliest copy of each
    ``event_id``. The file list is a snapshot taken here (the lake's read protocol):
    query the connection soon, not hours later.
    """
    con = duckdb.connect()
    for table, schema in SCHEMAS.items():
        columns = ", ".join(schema.names)
        source: str | None = None
        if settings.sink == "firehose":
            source = _json_source(_mirror_s3(settings, table, ".json.gz"), table)
        else:
            root = settings.lake_dir
            if settings.sink == "s3":
                root = _mirror_s3(settings, table, ".parquet")
            files = table_files(root, table)
            if files:
                con.register(f"_files_{table}", _dataset(root, table, files))
                source = f"_files_{table}"
        if source is None:
            con.register(f"_empty_{table}", schema.empty_table())
            source = f"(SELECT *, NULL::VARCHAR AS dt FROM _empty_{table})"
        con.execute(f"CREATE VIEW raw_{table} AS SELECT {columns}, dt FROM {source}")
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM raw_{table} "
            "QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY server_ts) = 1"
        )
    return con


@contextlib.contextmanager
def _compaction_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "_compaction.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LakeBusy("another compaction is running on this lake; try again later") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _publish_json(partition: Path, name: str, payload: dict[str, Any]) -> None:
    staging = partition / f".{name}.tmp"
    with open(staging, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)
        handle.flush()
        os.fdatasync(handle.fileno())
    os.replace(staging, partition / name)
    _fsync_dir(partition)


def _delete_retired(partition: Path, grace_s: float, now: float) -> int:
    """Delete the inputs of manifests older than ``grace_s``, then the manifests."""
    deleted = 0
    parts = {e.name for e in os.scandir(partition) if PART_NAME.match(e.name)}
    manifests = sorted(_manifests(partition).items(), key=lambda kv: kv[1].get("retired_at", 0))
    for name, manifest in manifests:
        if manifest.get("retired_at", now) > now - grace_s:
            continue
        if manifest.get("output") in parts:  # else its output never appeared: keep the inputs
            for input_name in manifest.get("inputs", []):
                if PART_NAME.match(input_name):
                    with contextlib.suppress(FileNotFoundError):
                        (partition / input_name).unlink()
                        deleted += 1
            _fsync_dir(partition)
        (partition / name).unlink(missing_ok=True)
    return deleted


def compact(root: Path, min_files: int = 2, grace_s: float = COMPACTION_GRACE_S) -> dict[str, int]:
    """Merge each local partition's live parts into one, de-duplicated on ``event_id``.

    Safe while the service writes and readers read (the protocol above): the merged
    part is published after its manifest, the parts it replaces are deleted ``grace_s``
    seconds later (by a later run; at once with ``grace_s=0``). Parts that appear while
    it runs are left for the next run. Old files are rewritten under today's schema.

    Returns:
        Counts: ``partitions`` merged, ``files_retired`` (replaced now),
        ``files_deleted`` (retired earlier, past their grace), ``rows_dropped``
        (duplicate copies).

    Raises:
        LakeBusy: another compaction runs on this lake.
    """
    merged = {"partitions": 0, "files_retired": 0, "files_deleted": 0, "rows_dropped": 0}
    with _compaction_lock(root):
        for table in SCHEMAS:
            for part in partitions(root / table):
                merged["files_deleted"] += _delete_retired(part, grace_s, time.time())
                files = live_parts(part)
                if len(files) < min_files:
                    continue
                data = _dataset(root, table, files).to_table().drop_columns(["dt"])
                con = duckdb.connect()
                con.register("data", data)
                unique = con.sql(
                    "SELECT * FROM data QUALIFY row_number() OVER "
                    "(PARTITION BY event_id ORDER BY server_ts) = 1 ORDER BY server_ts"
                ).to_arrow_table()
                output = f"part-{uuid.uuid4().hex}.parquet"
                staging_dir = root / "_staging"
                staging_dir.mkdir(parents=True, exist_ok=True)
                staging = staging_dir / output
                with open(staging, "wb") as handle:
                    pq.write_table(unique.cast(SCHEMAS[table]), handle, compression="zstd")
                    handle.flush()
                    os.fdatasync(handle.fileno())
                manifest = {
                    "output": output,
                    "inputs": [f.name for f in files],
                    "retired_at": time.time(),
                }
                _publish_json(part, f"{MANIFEST_PREFIX}{uuid.uuid4().hex}.json", manifest)
                os.replace(staging, part / output)  # from here on readers skip the inputs
                _fsync_dir(part)
                merged["partitions"] += 1
                merged["files_retired"] += len(files)
                merged["rows_dropped"] += data.num_rows - unique.num_rows
                if grace_s <= 0:
                    merged["files_deleted"] += _delete_retired(part, grace_s, time.time())
    return merged
