"""The curated labels table: derived from the lake's raw events, rebuilt the same every time.

One row per (item, label, source):

* ``challenge``: a pool item whose challenge votes reached consensus, at least
  ``MIN_VOTES`` visitors' votes with at least ``MIN_AGREEMENT`` agreement (the
  procaptcha defaults, see docs/feedback-loop.md). Each visitor's latest vote on an
  (item, target) counts once. On a two-valued task (anomaly detection) a "no" consensus
  is a label too: the other value.
* ``feedback``: a like or dislike on a prediction, mapped to a label by the task's rule
  (``pool.LIKE_LABEL_SQL``; the table of all six task types is in docs/feedback-loop.md).

Whose events count: never a visitor whose share of right known panels over all their
challenges is below ``MIN_KNOWN_ACCURACY`` (a guesser is right on about half); and of each
visitor only the earliest ``MAX_VOTES_PER_VISITOR`` votes and ``MAX_FEEDBACK_PER_VISITOR``
feedback labels, so one visitor cannot flood the table.

Rebuildable: everything is read up to a *watermark* (a ``server_ts``, microseconds), the
newest event seen when none is given. The same watermark gives the same rows, in the same
order, whatever arrived later; a model version records the watermark it was trained with.

Why simple consensus and not Dawid-Skene: the known panels already grade every visitor
on every challenge (and exclude guessers), votes per item are few (3-5) and a team can
check a consensus label by hand; per-visitor confusion matrices need many more votes per
visitor than a product's visitors give.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..trainset import TrainingSet
from . import pool as task_pool
from .lake import connect
from .settings import Settings

MIN_VOTES = 3
MIN_AGREEMENT = 0.8
MIN_KNOWN_ACCURACY = 0.9
MAX_VOTES_PER_VISITOR = 500
MAX_FEEDBACK_PER_VISITOR = 200
#: Where the table lives, under the lake root (local) or the lake prefix (S3).
CURATED_KEY = "curated/labels/labels.parquet"

SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("label", pa.string()),  # the label value as JSON text
        ("holds", pa.bool_()),  # False: the item does NOT have this label (evidence only)
        ("source", pa.string()),  # "challenge" or "feedback"
        ("votes", pa.int64()),
        ("agreement", pa.float64()),
        ("first_seen_ts", pa.int64()),  # when the rule first held, microseconds (UTC)
        ("input_json", pa.string()),  # feedback labels: the prediction's input
    ]
)


@dataclass(frozen=True)
class Labels:
    """A build of the labels table.

    Attributes:
        rows: One row per (item, label, source), columns of ``SCHEMA``, sorted.
        watermark: The newest ``server_ts`` read (0 on an empty lake).
    """

    rows: pd.DataFrame
    watermark: int

    def usable(self) -> pd.DataFrame:
        """The labels training uses: those that hold, one per item (best agreement, votes)."""
        held = self.rows[self.rows["holds"]]
        ranked = held.sort_values(
            ["item_id", "agreement", "votes", "label"], ascending=[True, False, False, True]
        )
        return ranked.drop_duplicates("item_id").reset_index(drop=True)


def _targets_table() -> pa.Table:
    targets = task_pool.load_pool().targets
    two = len(targets) == 2
    return pa.table(
        {
            "target": pa.array(range(len(targets)), pa.int16()),
            "label": [json.dumps(value) for value in targets],
            "other": [json.dumps(targets[1 - i]) if two else None for i in range(len(targets))],
        }
    )


def derive_sql() -> str:
    """The DuckDB query that derives the table (parameters ``$watermark``, caps, floors)."""
    like_label = task_pool.LIKE_LABEL_SQL or "NULL"
    like_holds = task_pool.LIKE_HOLDS_SQL or "false"
    return f"""
    WITH distrusted AS (
        SELECT subject FROM challenges
        WHERE server_ts <= $watermark AND subject IS NOT NULL GROUP BY subject
        HAVING sum(known_correct) < $min_known_accuracy * sum(known_total)
    ), latest AS (
        SELECT item_id, target, subject, selected, server_ts, event_id FROM label_votes
        WHERE server_ts <= $watermark AND subject NOT IN (SELECT subject FROM distrusted)
        QUALIFY row_number() OVER (
            PARTITION BY item_id, target, subject ORDER BY server_ts DESC, event_id DESC) = 1
    ), counted AS (
        SELECT * FROM latest
        QUALIFY row_number() OVER (
            PARTITION BY subject ORDER BY server_ts, event_id) <= $max_votes
    ), tally AS (
        SELECT item_id, target, count(*) AS votes, sum(selected::INTEGER) AS yes
        FROM counted GROUP BY item_id, target
    ), consensus AS (
        SELECT item_id, target, yes * 2 > votes AS said_yes, votes,
               greatest(yes, votes - yes) AS agreeing
        FROM tally
        WHERE votes >= $min_votes AND greatest(yes, votes - yes) >= $min_agreement * votes
    ), running AS (
        SELECT item_id, target, server_ts,
               count(*) OVER w AS n, sum(selected::INTEGER) OVER w AS yes
        FROM counted SEMI JOIN consensus USING (item_id, target)
        WINDOW w AS (PARTITION BY item_id, target ORDER BY server_ts, event_id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ), reached AS (
        SELECT r.item_id, r.target, min(r.server_ts) AS first_seen_ts
        FROM running AS r JOIN consensus AS c USING (item_id, target)
        WHERE r.n >= $min_votes
          AND (CASE WHEN c.said_yes THEN r.yes ELSE r.n - r.yes END) >= $min_agreement * r.n
        GROUP BY r.item_id, r.target
    ), challenge AS (
        SELECT c.item_id,
               CASE WHEN c.said_yes OR t.other IS NULL THEN t.label ELSE t.other END AS label,
               c.said_yes OR t.other IS NOT NULL AS holds,
               'challenge' AS source, c.votes, c.agreeing, r.first_seen_ts
        FROM consensus AS c JOIN reached AS r USING (item_id, target)
        JOIN targets AS t ON t.target = c.target
    ), feedback_active AS (
        SELECT prediction_id, subject, value, server_ts, event_id FROM feedback
        WHERE server_ts <= $watermark AND subject NOT IN (SELECT subject FROM distrusted)
        QUALIFY row_number() OVER (
            PARTITION BY prediction_id, subject ORDER BY server_ts DESC, event_id DESC) = 1
    ), feedback_mapped AS (
        SELECT a.prediction_id, a.subject, a.server_ts, a.event_id, p.input_json,
               ({like_label})::VARCHAR AS label, coalesce(({like_holds}), false) AS holds
        FROM feedback_active AS a
        JOIN (
            SELECT prediction_id, any_value(input_json) AS input_json,
                   any_value(prediction_json) AS prediction_json
            FROM predictions GROUP BY prediction_id
        ) AS p USING (prediction_id)
        WHERE a.value <> 0
    ), feedback_counted AS (
        SELECT * FROM feedback_mapped WHERE label IS NOT NULL
        QUALIFY row_number() OVER (
            PARTITION BY subject ORDER BY server_ts, event_id) <= $max_feedback
    ), feedback_labels AS (
        SELECT 'prediction-' || prediction_id AS item_id, label, holds,
               'feedback' AS source, 1::BIGINT AS votes, 1.0::DOUBLE AS agreement,
               server_ts AS first_seen_ts, input_json
        FROM feedback_counted
        QUALIFY row_number() OVER (PARTITION BY prediction_id ORDER BY server_ts, event_id) = 1
    )
    SELECT item_id, label, holds, source, sum(votes)::BIGINT AS votes,
           sum(agreeing) / sum(votes) AS agreement, min(first_seen_ts) AS first_seen_ts,
           NULL::VARCHAR AS input_json
    FROM challenge GROUP BY item_id, label, holds, source
    UNION ALL
    SELECT item_id, label, holds, source, votes, agreement, first_seen_ts, input_json
    FROM feedback_labels
    ORDER BY item_id, label, source, holds
    """


def watermark_of(con: duckdb.DuckDBPyConnection) -> int:
    """The newest ``server_ts`` of the events labels are derived from (0 when none)."""
    tables = ("label_votes", "challenges", "feedback", "predictions")
    union = " UNION ALL ".join(f"SELECT max(server_ts) AS ts FROM {t}" for t in tables)
    value = con.execute(f"SELECT max(ts) FROM ({union})").fetchall()[0][0]
    return int(value or 0)


def derive(
    settings: Settings,
    watermark: int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Labels:
    """Derive the labels table from the raw events up to ``watermark`` (read-only).

    Args:
        settings: Where the lake is.
        watermark: Newest ``server_ts`` (microseconds) to read; the newest event when None.
        con: An open ``lake.connect`` connection to reuse (one is opened when None).

    Returns:
        The rows (columns of ``SCHEMA``, sorted by item, label, source) and the watermark.
    """
    con = con or connect(settings)
    watermark = watermark_of(con) if watermark is None else int(watermark)
    con.register("targets", _targets_table())
    params = {
        "watermark": watermark,
        "min_votes": MIN_VOTES,
        "min_agreement": MIN_AGREEMENT,
        "min_known_accuracy": MIN_KNOWN_ACCURACY,
        "max_votes": MAX_VOTES_PER_VISITOR,
        "max_feedback": MAX_FEEDBACK_PER_VISITOR,
    }
    table = con.sql(derive_sql(), params=params).to_arrow_table()
    con.unregister("targets")
    rows = table.cast(SCHEMA).to_pandas()
    return Labels(rows, watermark)


def _parquet_bytes(labels: Labels) -> bytes:
    table = pa.Table.from_pandas(labels.rows, schema=SCHEMA, preserve_index=False)
    table = table.replace_schema_metadata({"watermark": str(labels.watermark)})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def publish(settings: Settings, labels: Labels) -> str:
    """Write the table to the lake's curated zone, replacing the previous build atomically.

    Local: ``<lake>/curated/labels/labels.parquet`` (staging file, fsync, ``os.replace``);
    S3 sinks: ``s3://<bucket>/<prefix>/curated/labels/labels.parquet`` (one PUT). Returns
    where it went.
    """
    payload = _parquet_bytes(labels)
    if settings.sink in {"s3", "firehose"}:
        from .lake import _s3_client

        key = f"{settings.s3_prefix}/{CURATED_KEY}"
        _s3_client().put_object(Bucket=settings.s3_bucket, Key=key, Body=payload)
        return f"s3://{settings.s3_bucket}/{key}"
    target = settings.lake_dir / CURATED_KEY
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(staging, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, target)
    return str(target)


def build(settings: Settings, watermark: int | None = None) -> Labels:
    """Derive the table (up to ``watermark``) and publish it: what training calls."""
    labels = derive(settings, watermark)
    publish(settings, labels)
    return labels


def read_published(path: str | Path) -> Labels:
    """Read a published table back (its watermark is in the file's metadata)."""
    table = pq.read_table(path)
    metadata = table.schema.metadata or {}
    return Labels(table.to_pandas(), int(metadata.get(b"watermark", b"0")))


def labelled_training_set(train: pd.DataFrame, settings: Settings) -> TrainingSet:
    """Seed rows of ``train`` (a training split of the sample) plus the curated labels.

    Rebuilds and publishes the labels table from the lake of ``settings``. Labelled pool
    items outside ``train`` are left out, so a split with another seed never trains on
    its own test rows.
    """
    labels = build(settings)
    seed = train[task_pool.is_seed(train)]
    added = task_pool.training_rows(labels.usable(), train)
    frame = pd.concat([seed, added], ignore_index=True) if len(added) else seed
    return TrainingSet(frame, len(seed), len(added), labels.watermark)
