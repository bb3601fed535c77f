"""When to retrain, decided on the lake, and how retraining is started.

Retraining is due when either

* the like-rate of the current model version dropped significantly: the last
  ``window_hours`` against everything before, one-sided two-proportion z-test at
  ``alpha``, each side with at least ``min_samples`` active votes (the sample sizes that
  detect a 5-point drop with 80% power are in docs/feedback-loop.md); or
* at least ``min_new_labels`` consensus labels appeared since the last retraining,

or (with the production layer) data drift was found in k of the last n monitored windows
(``production/monitoring.py``, ``DriftRule``; rules in docs/production.md),

and the last retraining started more than ``cooldown_hours`` ago. Every check is
written to the lake's ``retrain_runs`` table, so the cooldown holds across machines; a
retraining that fails is recorded too, with its reason in one line (it counts for the
cooldown: a broken retraining is not retried at every check).

Labels are counted on the curated labels table (``labels.py``). A successful local
retraining registers a new model version; with ``FEEDBACK_AUTO_APPROVE=1`` (the simulation
sets it) a version that beats its trivial baseline is approved, and the running service
swaps it in (``serving.ModelSlot``).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import os
import subprocess
import sys
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from . import PROJECT_NAME
from . import labels as curated_labels
from .lake import Sink, connect, make_sink, now_us
from .settings import Settings

PACKAGE = __package__.rsplit(".", 1)[0]
HOUR_US = 3_600_000_000


class RetrainFailed(Exception):
    """A retraining was started and failed; the message is its reason, in one line."""


@dataclass(frozen=True)
class Policy:
    """Thresholds of the retraining trigger.

    Raises:
        ValueError: a threshold out of range (hours and samples > 0, 0 < alpha < 1,
            labels and cooldown >= 0).
    """

    window_hours: float = 24.0
    min_samples: int = 500
    alpha: float = 0.05
    min_new_labels: int = 100
    cooldown_hours: float = 24.0

    def __post_init__(self) -> None:
        checks = {
            "window_hours": self.window_hours > 0,
            "min_samples": self.min_samples >= 1,
            "alpha": 0 < self.alpha < 1,
            "min_new_labels": self.min_new_labels >= 0,
            "cooldown_hours": self.cooldown_hours >= 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"out of range: {', '.join(f'{n}={getattr(self, n)}' for n in bad)}")


@dataclass
class Decision:
    """The outcome of one check, with every reason spelled out."""

    due: bool
    model_version: str | None
    failure: str | None = None
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stats: dict[str, float | int | None] = field(default_factory=dict)


def normal_cdf(z: float) -> float:
    """Standard normal CDF."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def two_proportion_z(likes_a: int, n_a: int, likes_b: int, n_b: int) -> tuple[float, float]:
    """z statistic and one-sided p-value for "rate b is lower than rate a"."""
    pooled = (likes_a + likes_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 0.0, 1.0
    z = (likes_b / n_b - likes_a / n_a) / se
    return z, normal_cdf(z)


ACTIVE_VOTES_SQL = """
SELECT model_version, value, server_ts FROM feedback
QUALIFY row_number() OVER (PARTITION BY prediction_id, subject ORDER BY server_ts DESC) = 1
"""


def evaluate_policy(settings: Settings, policy: Policy, now: int | None = None) -> Decision:
    """Evaluate the policy on the lake (read-only)."""
    now = now_us() if now is None else now
    con = connect(settings)
    row = con.execute(
        "SELECT model_version FROM predictions ORDER BY server_ts DESC LIMIT 1"
    ).fetchone()
    version = row[0] if row else None
    decision = Decision(due=False, model_version=version)
    _check_drift(settings, decision)
    if version is None:
        decision.notes.append("no predictions in the lake yet: nothing to judge")
    else:
        _check_like_rate(con, policy, now, version, decision)
    _check_labels(settings, con, policy, decision)
    last = con.execute("SELECT max(server_ts) FROM retrain_runs WHERE triggered").fetchone()[0]
    if decision.reasons and last is not None and now - last < policy.cooldown_hours * HOUR_US:
        hours = (now - last) / HOUR_US
        decision.notes.append(
            f"due, but the last retraining started {hours:.1f} h ago "
            f"(cooldown {policy.cooldown_hours:g} h): not triggering"
        )
    else:
        decision.due = bool(decision.reasons)
    return decision


def _check_like_rate(
    con: duckdb.DuckDBPyConnection, policy: Policy, now: int, version: str, decision: Decision
) -> None:
    start = now - int(policy.window_hours * HOUR_US)
    sides = con.execute(
        f"""
        SELECT server_ts >= {start} AS recent, count(*) AS n,
               sum(CASE WHEN value = 1 THEN 1 ELSE 0 END) AS likes
        FROM ({ACTIVE_VOTES_SQL}) WHERE value <> 0 AND model_version = ?
        GROUP BY recent
        """,
        [version],
    ).fetchall()
    counts = {bool(recent): (int(n), int(likes)) for recent, n, likes in sides}
    n_ref, likes_ref = counts.get(False, (0, 0))
    n_new, likes_new = counts.get(True, (0, 0))
    decision.stats |= {"votes_before_window": n_ref, "votes_in_window": n_new}
    if min(n_ref, n_new) < policy.min_samples:
        decision.notes.append(
            f"like-rate of {version}: {n_new} votes in the last {policy.window_hours:g} h and "
            f"{n_ref} before; the test needs {policy.min_samples} on each side"
        )
        return
    z, p_value = two_proportion_z(likes_ref, n_ref, likes_new, n_new)
    rate_ref, rate_new = likes_ref / n_ref, likes_new / n_new
    decision.stats |= {"like_rate_before": rate_ref, "like_rate_window": rate_new, "z": z}
    decision.stats["p_value"] = p_value
    summary = (
        f"like-rate of {version} {rate_ref:.1%} -> {rate_new:.1%} "
        f"(n={n_ref}/{n_new}, z={z:.2f}, one-sided p={p_value:.4f}, alpha={policy.alpha:g})"
    )
    if p_value < policy.alpha:
        decision.reasons.append(f"significant drop: {summary}")
    else:
        decision.notes.append(f"no significant drop: {summary}")


def _check_labels(
    settings: Settings, con: duckdb.DuckDBPyConnection, policy: Policy, decision: Decision
) -> None:
    last = con.execute("SELECT max(server_ts) FROM retrain_runs WHERE triggered").fetchall()
    since = last[0][0] or 0
    rows = curated_labels.derive(settings, con=con).rows
    new = int((rows["holds"] & (rows["first_seen_ts"] > since)).sum())
    decision.stats["new_labels"] = new
    message = f"{new} new curated labels since the last retraining (need {policy.min_new_labels})"
    if new >= policy.min_new_labels:
        decision.reasons.append(f"enough new labels: {message}")
    else:
        decision.notes.append(message)


def retrain_command() -> list[str]:
    """The command that retrains: the production pipeline when present, else the baseline."""
    has_production = importlib.util.find_spec(f"{PACKAGE}.production") is not None
    subcommand = "run-local" if has_production else "baseline"
    code = f"import sys; from {PACKAGE}.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, subcommand]


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def start_retraining(settings: Settings | None = None) -> str:
    """Start retraining and say how: a SageMaker pipeline execution or a local run.

    Raises:
        RetrainFailed: the local run exited non-zero, or SageMaker refused the start
            (e.g. no such pipeline); the message is the reason in one line.
    """
    pipeline = os.environ.get("FEEDBACK_SAGEMAKER_PIPELINE", "")
    if pipeline:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = boto3.client("sagemaker").start_pipeline_execution(
                PipelineName=pipeline,
                PipelineExecutionDescription="started by the feedback loop's retraining trigger",
                ClientRequestToken=uuid.uuid4().hex,
            )
        except (BotoCoreError, ClientError) as error:
            raise RetrainFailed(f"SageMaker pipeline {pipeline}: {_one_line(str(error))}") from None
        return f"started SageMaker pipeline execution {response['PipelineExecutionArn']}"
    command = retrain_command()
    env = dict(os.environ)
    if settings is not None and settings.sink == "local":
        env["FEEDBACK_LAKE_DIR"] = str(settings.lake_dir.resolve())
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    name = f"`{PROJECT_NAME} {command[-1]}`"
    if done.returncode != 0:
        reason = _one_line(done.stderr) or _one_line(done.stdout) or "no output"
        raise RetrainFailed(f"{name} exited with {done.returncode}: {reason}")
    outcome = f"ran {name} locally"
    if settings is not None and settings.auto_approve:
        outcome += "; " + approve_new_version()
    return outcome


def approve_new_version() -> str:
    """Approve the newest pending model version when it beats its trivial baseline.

    The quality gate of the local path: ``evaluate.PRIMARY_METRIC`` of the version's
    training run must beat ``baseline_<metric>`` (``evaluate.HIGHER_IS_BETTER`` says in
    which direction). Otherwise the version is rejected. Returns what was done.
    """
    from .. import evaluate, tracking

    pending = [v for v in tracking.list_versions() if v.approval_status == tracking.PENDING]
    if not pending:
        return "no model version pending approval"
    version = pending[-1]
    metrics = tracking._client().get_run(version.run_id).data.metrics
    ours = metrics.get(evaluate.PRIMARY_METRIC)
    trivial = metrics.get(f"baseline_{evaluate.PRIMARY_METRIC}")
    better = (
        ours is not None
        and trivial is not None
        and (ours > trivial if evaluate.HIGHER_IS_BETTER else ours < trivial)
    )
    status = tracking.APPROVED if better else tracking.REJECTED
    tracking.set_approval_status(version.version, status)
    return f"model version {version.version}: {status} ({evaluate.PRIMARY_METRIC} {ours})"


def record(sink: Sink, decision: Decision, outcome: str) -> None:
    """Write the check to the lake's ``retrain_runs`` table."""
    sink.write(
        [
            (
                "retrain_runs",
                {
                    "event_id": uuid.uuid4().hex,
                    "triggered": decision.due,
                    "reason": "; ".join(
                        decision.reasons
                        + ([f"retraining failed: {decision.failure}"] if decision.failure else [])
                    )
                    or "not due",
                    "model_version": decision.model_version,
                    "detail_json": json.dumps(asdict(decision) | {"outcome": outcome}, default=str),
                    "server_ts": now_us(),
                },
            )
        ]
    )


def check_and_maybe_retrain(
    settings: Settings, policy: Policy, dry_run: bool = False
) -> tuple[Decision, str]:
    """Evaluate the policy, start retraining when due (unless ``dry_run``), record the check."""
    decision = evaluate_policy(settings, policy)
    outcome = "not due"
    if decision.due and dry_run:
        outcome = "dry run: retraining not started"
    elif decision.due:
        try:
            outcome = start_retraining(settings)
        except RetrainFailed as failure:
            decision.failure = str(failure)
            outcome = f"retraining failed: {failure}"
    if not dry_run:
        record(make_sink(settings), decision, outcome)
    return decision, outcome


def lambda_handler(event: dict, context: object) -> dict:
    """Entry point for the scheduled check in AWS (EventBridge -> Lambda container image)."""
    settings = Settings.from_env(lake_dir=Path("/tmp/lake"))  # the only writable path
    decision, outcome = check_and_maybe_retrain(settings, Policy(**event.get("policy", {})))
    return {
        "due": decision.due,
        "reasons": decision.reasons,
        "notes": decision.notes,
        "outcome": outcome,
        "failure": decision.failure,
    }


def _check_drift(settings: Settings, decision: Decision) -> None:
    """Data drift as a reason to retrain, from the windows ``monitor`` recorded in the lake.

    Only with the production layer (it owns monitoring); its ``monitor`` records windows in
    ``<lake>/monitoring/drift/``, read here from this loop's lake folder (both ``lake/`` by
    default). Nothing recorded yet: nothing said. The cooldown above applies to drift as to
    every other reason.
    """
    if importlib.util.find_spec(f"{PACKAGE}.production") is None:
        return
    monitoring = importlib.import_module(f"{PACKAGE}.production.monitoring")
    drift = monitoring.drift_decision(str(settings.lake_dir))
    if not drift.windows:
        return
    decision.stats["drift_windows_breached"] = sum(
        1 for window in drift.windows if window["dataset_drift"]
    )
    if drift.due:
        decision.reasons.append(drift.reason)
    else:
        decision.notes.append(drift.reason)
