"""The state every instance of the feedback service shares: one store, many instances.

What a request must agree on across instances lives here, never in process memory:

- issued predictions (a vote is accepted only on a prediction the service issued);
- event ids (idempotency: a retried vote is stored once, a reused id for another vote is
  refused), each with the vote it was first used for and whether it is in the lake yet;
- outstanding challenges (answered once, whichever instance answers);
- pass tokens (redeemed once, expiring).

Two implementations, chosen by ``FEEDBACK_STATE_STORE``:

- ``sqlite`` (default): one SQLite database in WAL mode in the project's state folder
  (``.feedback/state.db``), shared by every process on the machine. Single use is a
  ``DELETE ... RETURNING`` (or a conditional ``INSERT``) inside SQLite's write lock.
- ``dynamodb``: one DynamoDB table (partition key ``pk``, TTL attribute ``expires_at``).
  Single use is a conditional write (``attribute_not_exists``, ``DeleteItem`` with a
  condition); reads are strongly consistent. DynamoDB's TTL deletes expired items lazily
  (within days), so every read checks ``expires_at`` itself.

The event protocol (why an acknowledgement never lies): a vote *claims* its event id
with the vote's key (prediction, subject, value) before it is written; once the lake
holds it, the writer marks the claim *stored* and only then is the request acknowledged.
The lake writer claims a whole batch of votes in one transaction (:meth:`claim_votes`)
and marks them stored in one more, so the store's write lock is taken twice per batch,
not twice per vote. A retry of the same vote waits
for *stored* and is answered ``duplicate``; another vote with the same id is refused.
A claim left *pending* by an instance that died is taken over after ``LEASE_S``.

Every row expires: predictions and event ids when the prediction's feedback token does
(no vote can arrive later), challenges and pass tokens after their TTL; expired rows are
purged in small batches, so the store's size follows the traffic of one token lifetime,
never the lake's size.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from .settings import Settings

#: A pending claim older than this (seconds) belongs to an instance that died mid-write.
LEASE_S = 10.0
PURGE_EVERY_S = 60.0
PURGE_BATCH = 5_000

ClaimStatus = Literal["new", "pending", "stored", "conflict"]


@dataclass(frozen=True)
class Vote:
    """One vote to claim: its event id, the vote it is bound to, the prediction voted on.

    Attributes:
        event_id: The client's idempotency key.
        vote_key: What the event id is bound to (prediction, subject, value).
        prediction_id: The prediction voted on; it must have been issued and not expired.
        expires_at: Seconds since the epoch when the claim may be forgotten.
    """

    event_id: str
    vote_key: str
    prediction_id: str
    expires_at: int


#: What :meth:`StateStore.claim_votes` answers per vote: the claim's status and the model
#: version of the prediction, or ``(None, None)`` when no such prediction was issued.
VoteOutcome = tuple[ClaimStatus | None, str | None]


@dataclass(frozen=True)
class Written:
    """What the lake now durably holds, for the store to record in one go.

    Attributes:
        predictions: ``(prediction_id, model_version, subject, expires_at)`` rows;
            ``expires_at`` is seconds since the epoch (the feedback token's expiry).
        events: ``(event_id, vote_key, expires_at)`` of feedback events now in the lake.
    """

    predictions: Sequence[tuple[str, str, str, int]] = ()
    events: Sequence[tuple[str, str, int]] = ()


class StateStore(Protocol):
    """Shared state of the service; every method is safe from any thread and process."""

    def get_prediction(self, prediction_id: str) -> tuple[str, str] | None:
        """``(model_version, subject)`` of an issued, unexpired prediction, else None."""

    def claim_event(self, event_id: str, vote_key: str, expires_at: int) -> ClaimStatus:
        """Claim ``event_id`` for a vote: ``new`` (write it), ``pending`` (being written),
        ``stored`` (already in the lake: a duplicate) or ``conflict`` (another vote)."""

    def claim_votes(self, votes: Sequence[Vote]) -> list[VoteOutcome]:
        """Look up each vote's prediction and claim its event id, for a whole batch at once.

        Per vote, in order: ``(status, model_version)`` as :meth:`claim_event` and
        :meth:`get_prediction` answer, or ``(None, None)`` (nothing claimed) when the
        prediction is unknown or expired. A later vote of the batch sees the claims of
        the earlier ones (the same event id twice: the second is ``pending``)."""

    def release_event(self, event_id: str, vote_key: str) -> None:
        """Drop a claim whose write failed, so a retry can claim it again."""

    def record_written(self, written: Written) -> None:
        """Record predictions and mark events stored once the lake holds them."""

    def put_challenge(
        self, challenge_id: str, subject: str, payload: str, expires_at: float
    ) -> None:
        """Keep an outstanding challenge (``payload``: its JSON) until ``expires_at``."""

    def peek_challenge(self, challenge_id: str) -> tuple[str, str, float] | None:
        """``(subject, payload, expires_at)`` of an outstanding challenge (tests, tooling)."""

    def take_challenge(self, challenge_id: str, subject: str) -> tuple[str, float] | None:
        """Remove and return ``(payload, expires_at)`` if the challenge is ``subject``'s.

        Exactly one caller, across all instances, gets it."""

    def put_pass(self, token: str, subject: str, expires_at: float) -> None:
        """Keep a pass token until ``expires_at`` (seconds since the epoch)."""

    def redeem_pass(self, token: str) -> str | None:
        """Use up a pass token: its subject, or None if unknown, used or expired."""

    def close(self) -> None:
        """Release connections."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    prediction_id TEXT PRIMARY KEY, model_version TEXT NOT NULL, subject TEXT NOT NULL,
    expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY, vote_key TEXT NOT NULL, stored INTEGER NOT NULL,
    claimed_at REAL NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS challenges (
    challenge_id TEXT PRIMARY KEY, subject TEXT NOT NULL, payload TEXT NOT NULL,
    expires_at REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS passes (
    token TEXT PRIMARY KEY, subject TEXT NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS predictions_expiry ON predictions (expires_at);
CREATE INDEX IF NOT EXISTS events_expiry ON events (expires_at);
CREATE INDEX IF NOT EXISTS challenges_expiry ON challenges (expires_at);
CREATE INDEX IF NOT EXISTS passes_expiry ON passes (expires_at);
"""


class SQLiteStateStore:
    """The embedded default: SQLite in WAL mode, one connection per thread.

    WAL lets readers run beside the one writer; ``busy_timeout`` makes writers of other
    processes wait for the lock instead of failing. Commits are ``synchronous=NORMAL``
    (durable across process crashes: the WAL is in the OS's page cache), except those
    of :meth:`record_written` that hold predictions: ``synchronous=FULL`` (an fsync of
    the WAL, durable across power loss, and with it everything committed before).
    The page cache is bounded (``cache_size``): memory does not grow with the file.
    """

    def __init__(self, path: Path, cache_kib: int = 8_192) -> None:
        self.path = path
        self._cache_kib = cache_kib
        self._local = threading.local()
        self._next_purge = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)
        con = self._con()
        con.executescript(_SCHEMA)

    def _con(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute(f"PRAGMA cache_size=-{self._cache_kib}")
            self._local.con = con
        return con

    def get_prediction(self, prediction_id: str) -> tuple[str, str] | None:
        row = (
            self._con()
            .execute(
                "SELECT model_version, subject FROM predictions "
                "WHERE prediction_id = ? AND expires_at >= ?",
                (prediction_id, int(time.time())),
            )
            .fetchone()
        )
        return (row[0], row[1]) if row else None

    def claim_event(self, event_id: str, vote_key: str, expires_at: int) -> ClaimStatus:
        con, now = self._con(), time.time()
        con.execute("BEGIN IMMEDIATE")  # the write lock: one claimer at a time, all processes
        try:
            status = self._claim(con, event_id, vote_key, expires_at, now)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        return status

    @staticmethod
    def _claim(
        con: sqlite3.Connection, event_id: str, vote_key: str, expires_at: int, now: float
    ) -> ClaimStatus:
        row = con.execute(
            "SELECT vote_key, stored, claimed_at, expires_at FROM events WHERE event_id = ?",
            (event_id,),
        ).fetchone()
        if row is None or row[3] < now:
            con.execute(
                "INSERT OR REPLACE INTO events VALUES (?, ?, 0, ?, ?)",
                (event_id, vote_key, now, expires_at),
            )
            return "new"
        if row[0] != vote_key:
            return "conflict"
        if row[1]:
            return "stored"
        if row[2] < now - LEASE_S:  # the claimer died mid-write: take over
            con.execute("UPDATE events SET claimed_at = ? WHERE event_id = ?", (now, event_id))
            return "new"
        return "pending"

    def claim_votes(self, votes: Sequence[Vote]) -> list[VoteOutcome]:
        """One write transaction for the batch: the write lock is taken once, not per vote."""
        con, now = self._con(), time.time()
        outcomes: list[VoteOutcome] = []
        con.execute("BEGIN IMMEDIATE")
        try:
            for vote in votes:
                row = con.execute(
                    "SELECT model_version FROM predictions "
                    "WHERE prediction_id = ? AND expires_at >= ?",
                    (vote.prediction_id, int(now)),
                ).fetchone()
                if row is None:
                    outcomes.append((None, None))
                    continue
                status = self._claim(con, vote.event_id, vote.vote_key, vote.expires_at, now)
                outcomes.append((status, row[0]))
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        return outcomes

    def release_event(self, event_id: str, vote_key: str) -> None:
        self._con().execute(
            "DELETE FROM events WHERE event_id = ? AND vote_key = ? AND stored = 0",
            (event_id, vote_key),
        )

    def record_written(self, written: Written) -> None:
        """Commit the batch's rows; an fsync of the WAL only when it holds predictions.

        A lost prediction row would refuse later votes on a prediction the lake holds,
        so those commits are ``synchronous=FULL``. A lost *stored* mark (power loss
        only: a process crash loses nothing) costs at most a second copy of the event
        when the client retries, and every read of the lake keeps one copy per event id.
        """
        con = self._con()
        con.execute(f"PRAGMA synchronous={'FULL' if written.predictions else 'NORMAL'}")
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT OR REPLACE INTO predictions VALUES (?, ?, ?, ?)", written.predictions
            )
            con.executemany("INSERT OR REPLACE INTO events VALUES (?, ?, 1, 0, ?)", written.events)
            self._maybe_purge(con)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.execute("PRAGMA synchronous=NORMAL")

    def _maybe_purge(self, con: sqlite3.Connection) -> None:
        now = time.time()
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY_S
        for table, key in (
            ("predictions", "prediction_id"),
            ("events", "event_id"),
            ("challenges", "challenge_id"),
            ("passes", "token"),
        ):
            con.execute(
                f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} "
                f"WHERE expires_at < ? LIMIT {PURGE_BATCH})",
                (now,),
            )

    def put_challenge(
        self, challenge_id: str, subject: str, payload: str, expires_at: float
    ) -> None:
        self._con().execute(
            "INSERT INTO challenges VALUES (?, ?, ?, ?)",
            (challenge_id, subject, payload, expires_at),
        )

    def peek_challenge(self, challenge_id: str) -> tuple[str, str, float] | None:
        row = (
            self._con()
            .execute(
                "SELECT subject, payload, expires_at FROM challenges WHERE challenge_id = ?",
                (challenge_id,),
            )
            .fetchone()
        )
        return (row[0], row[1], row[2]) if row else None

    def take_challenge(self, challenge_id: str, subject: str) -> tuple[str, float] | None:
        row = (
            self._con()
            .execute(
                "DELETE FROM challenges WHERE challenge_id = ? AND subject = ? "
                "RETURNING payload, expires_at",
                (challenge_id, subject),
            )
            .fetchone()
        )
        return (row[0], row[1]) if row else None

    def put_pass(self, token: str, subject: str, expires_at: float) -> None:
        self._con().execute("INSERT INTO passes VALUES (?, ?, ?)", (token, subject, expires_at))

    def redeem_pass(self, token: str) -> str | None:
        row = (
            self._con()
            .execute("DELETE FROM passes WHERE token = ? RETURNING subject, expires_at", (token,))
            .fetchone()
        )
        if row is None or row[1] < time.time():
            return None
        return str(row[0])

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None


class DynamoDBStateStore:
    """DynamoDB: one table, partition key ``pk`` (``<kind>#<id>``), TTL on ``expires_at``.

    Single use and idempotency are conditional writes; every read is strongly
    consistent. On-demand capacity scales with the instances; each vote costs one
    conditional ``PutItem`` and one ``BatchWriteItem`` entry, each prediction one entry.
    """

    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3  # lazily: the local default needs no AWS SDK

            client = boto3.client("dynamodb")
        self.table, self.client = table, client
        self._conditional = client.exceptions.ConditionalCheckFailedException
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="dynamodb-claims")

    def _get(self, pk: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": pk}}, ConsistentRead=True
        )
        found = item.get("Item")
        if found is None or float(found["expires_at"]["N"]) < time.time():
            return None
        return found

    def get_prediction(self, prediction_id: str) -> tuple[str, str] | None:
        item = self._get(f"p#{prediction_id}")
        return (item["model_version"]["S"], item["subject"]["S"]) if item else None

    def claim_event(self, event_id: str, vote_key: str, expires_at: int) -> ClaimStatus:
        now = time.time()
        pk = {"S": f"e#{event_id}"}
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": pk,
                    "vote_key": {"S": vote_key},
                    "in_lake": {"BOOL": False},
                    "claimed_at": {"N": repr(now)},
                    "expires_at": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(int(now))}},
            )
            return "new"
        except self._conditional:
            pass
        item = self._get(pk["S"])
        if item is None:  # expired between the two calls: claim again
            return self.claim_event(event_id, vote_key, expires_at)
        if item["vote_key"]["S"] != vote_key:
            return "conflict"
        if item["in_lake"]["BOOL"]:
            return "stored"
        claimed_at = item["claimed_at"]["N"]
        if float(claimed_at) >= now - LEASE_S:
            return "pending"
        try:  # the claimer died mid-write: take over, once
            self.client.update_item(
                TableName=self.table,
                Key={"pk": pk},
                UpdateExpression="SET claimed_at = :now",
                ConditionExpression="in_lake = :no AND claimed_at = :old",
                ExpressionAttributeValues={
                    ":now": {"N": repr(now)},
                    ":no": {"BOOL": False},
                    ":old": {"N": claimed_at},
                },
            )
            return "new"
        except self._conditional:
            return "pending"

    def claim_votes(self, votes: Sequence[Vote]) -> list[VoteOutcome]:
        """The votes' look-ups and conditional writes, several in flight at once.

        DynamoDB has no batched conditional write that can fail item by item, so each
        vote is a ``GetItem`` and a conditional ``PutItem``; a thread pool overlaps their
        round trips. Votes on the same event id are claimed in batch order.
        """

        def one(vote: Vote) -> VoteOutcome:
            found = self.get_prediction(vote.prediction_id)
            if found is None:
                return None, None
            return self.claim_event(vote.event_id, vote.vote_key, vote.expires_at), found[0]

        if len({vote.event_id for vote in votes}) < len(votes):  # rare: keep batch order
            return [one(vote) for vote in votes]
        return list(self._pool.map(one, votes))

    def release_event(self, event_id: str, vote_key: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"pk": {"S": f"e#{event_id}"}},
                ConditionExpression="vote_key = :key AND in_lake = :no",
                ExpressionAttributeValues={":key": {"S": vote_key}, ":no": {"BOOL": False}},
            )
        except self._conditional:
            pass

    def record_written(self, written: Written) -> None:
        items = [
            {
                "pk": {"S": f"p#{pid}"},
                "model_version": {"S": version},
                "subject": {"S": subject},
                "expires_at": {"N": str(expires)},
            }
            for pid, version, subject, expires in written.predictions
        ]
        items += [
            {
                "pk": {"S": f"e#{event_id}"},
                "vote_key": {"S": key},
                "in_lake": {"BOOL": True},
                "claimed_at": {"N": "0"},
                "expires_at": {"N": str(expires)},
            }
            for event_id, key, expires in written.events
        ]
        for start in range(0, len(items), 25):  # BatchWriteItem takes at most 25 items
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            pending = {self.table: requests}
            for attempt in range(8):
                response = self.client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(min(1.0, 0.05 * 2**attempt))
            if pending:
                raise RuntimeError("DynamoDB left items unprocessed after 8 tries")

    def put_challenge(
        self, challenge_id: str, subject: str, payload: str, expires_at: float
    ) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": f"c#{challenge_id}"},
                "subject": {"S": subject},
                "payload": {"S": payload},
                "expires_at": {"N": repr(expires_at)},
            },
        )

    def peek_challenge(self, challenge_id: str) -> tuple[str, str, float] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": f"c#{challenge_id}"}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return item["subject"]["S"], item["payload"]["S"], float(item["expires_at"]["N"])

    def take_challenge(self, challenge_id: str, subject: str) -> tuple[str, float] | None:
        try:
            old = self.client.delete_item(
                TableName=self.table,
                Key={"pk": {"S": f"c#{challenge_id}"}},
                ConditionExpression="subject = :subject",
                ExpressionAttributeValues={":subject": {"S": subject}},
                ReturnValues="ALL_OLD",
            ).get("Attributes")
        except self._conditional:
            return None
        if not old:
            return None
        return old["payload"]["S"], float(old["expires_at"]["N"])

    def put_pass(self, token: str, subject: str, expires_at: float) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": f"t#{token}"},
                "subject": {"S": subject},
                "expires_at": {"N": repr(expires_at)},
            },
        )

    def redeem_pass(self, token: str) -> str | None:
        try:
            old = self.client.delete_item(
                TableName=self.table,
                Key={"pk": {"S": f"t#{token}"}},
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            ).get("Attributes")
        except self._conditional:
            return None
        if not old or float(old["expires_at"]["N"]) < time.time():
            return None
        return str(old["subject"]["S"])

    def close(self) -> None:
        """Stop the claim threads (boto3 clients pool their own connections)."""
        self._pool.shutdown(wait=False)


def make_state_store(settings: Settings) -> StateStore:
    """The store the settings ask for (``FEEDBACK_STATE_STORE``: sqlite or dynamodb)."""
    if settings.state_store == "dynamodb":
        return DynamoDBStateStore(settings.dynamodb_table)
    return SQLiteStateStore(settings.state_db)
