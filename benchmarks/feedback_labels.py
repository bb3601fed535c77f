"""Deriving the curated labels table from 1M raw lake events with DuckDB.

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/feedback_labels.py --events 1000000 --runs 3

A poc + feedback-loop project (classification) is rendered and installed into its own
venv with uv, outside the timing (``--project PATH`` reuses an installed one). In that venv
a lake of ``--events`` raw events is generated with a fixed seed and written as Parquet
files the way the service writes them (``<table>/dt=YYYY-MM-DD/part-*.parquet``, 50 files
per table): 80% label votes, 5% challenges, 7.5% predictions, 7.5% likes/dislikes, from
20,000 visitors (1% of them guessers who fail known panels) on 60,000 items.

Timed, alternating, each in a fresh DuckDB connection over the same files:

* ``consensus only`` — the baseline: the consensus query the layer used before the
  labels table (latest vote per visitor and item, >= 3 votes, >= 80% agreement);
* ``labels.derive`` — the curated table: the same consensus plus the exclusion of
  visitors who failed known panels, the per-visitor caps, the first-seen time of every
  label and the feedback-to-label mapping;
* ``labels.build`` — ``derive`` plus publishing the table to the curated zone.

Prints a Markdown table (median and min seconds, rows) and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.generated.project_env import ProjectEnv, install, render_layers

NAME = "bench-labels"

INNER = r'''
import json, resource, statistics, sys, time, uuid
from pathlib import Path

import numpy as np
import pyarrow as pa

from PACKAGE.feedback import labels
from PACKAGE.feedback.lake import SCHEMAS, connect, publish_parquet
from PACKAGE.feedback.settings import Settings

events, runs, lake = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
rng = np.random.default_rng(0)
n_votes, n_chal = int(events * 0.80), int(events * 0.05)
n_pred = (events - n_votes - n_chal) // 2
n_fb = events - n_votes - n_chal - n_pred
visitors, items, start = 20_000, 60_000, 1_790_000_000_000_000
subjects = np.array([f"s{i}" for i in range(visitors)], dtype=object)
guessers = set(range(0, visitors, 100))

def ids(n):
    return [uuid.UUID(int=int(x), version=4).hex for x in rng.integers(0, 2**62, n)]

def ts(n):
    return np.sort(start + rng.integers(0, 30 * 86_400_000_000, n))

def write(table, columns, n):
    frame = pa.table(columns, schema=SCHEMAS[table])
    for part, chunk in enumerate(np.array_split(np.arange(n), 50)):
        sub = frame.take(pa.array(chunk))
        day = "2026-10-%02d" % (1 + part % 28)
        publish_parquet(lake, table, day, sub, compression="zstd")  # as compaction writes

who = rng.integers(0, visitors, n_chal)
correct = np.where(np.isin(who, list(guessers)), rng.integers(0, 7, n_chal), 6)
write("challenges", {
    "event_id": ids(n_chal), "challenge_id": ids(n_chal), "subject": subjects[who].tolist(),
    "passed": (correct == 6).tolist(), "known_correct": correct.tolist(),
    "known_total": [6] * n_chal, "server_ts": ts(n_chal).tolist()}, n_chal)
voter = rng.integers(0, visitors, n_votes)
item = rng.integers(0, items, n_votes)
truth = item % 7 < 2
noise = rng.random(n_votes) < 0.1
write("label_votes", {
    "event_id": ids(n_votes), "challenge_id": ids(n_votes),
    "item_id": [f"wine-{i}" for i in item], "target": (item % 3).tolist(),
    "selected": (truth ^ noise).tolist(), "subject": subjects[voter].tolist(),
    "server_ts": ts(n_votes).tolist()}, n_votes)
pred_ids = ids(n_pred)
asker = rng.integers(0, visitors, n_pred)
pred_ts = ts(n_pred)
classes = np.array(['"class_0"', '"class_1"', '"class_2"'], dtype=object)
write("predictions", {
    "event_id": pred_ids, "prediction_id": pred_ids, "model_version": ["v1"] * n_pred,
    "subject": subjects[asker].tolist(), "input_json": ['{"alcohol": 13.2}'] * n_pred,
    "prediction_json": classes[rng.integers(0, 3, n_pred)].tolist(),
    "server_ts": pred_ts.tolist()}, n_pred)
voted = rng.integers(0, n_pred, n_fb)
write("feedback", {
    "event_id": ids(n_fb), "prediction_id": [pred_ids[i] for i in voted],
    "model_version": ["v1"] * n_fb, "subject": subjects[asker[voted]].tolist(),
    "value": rng.choice([1, 1, 1, -1], n_fb).tolist(),
    "server_ts": (pred_ts[voted] + 1_000_000).tolist()}, n_fb)

settings = Settings(lake_dir=lake)
BASELINE = f"""
WITH latest AS (
    SELECT item_id, target, subject, selected, server_ts FROM label_votes
    QUALIFY row_number() OVER (PARTITION BY item_id, target, subject ORDER BY server_ts DESC) = 1
), tally AS (
    SELECT item_id, target, count(*) AS votes, sum(CASE WHEN selected THEN 1 ELSE 0 END) AS yes,
           max(server_ts) AS labelled_ts
    FROM latest GROUP BY item_id, target
)
SELECT item_id, target, yes * 2 > votes AS is_target, votes,
       greatest(yes, votes - yes) / votes AS agreement, labelled_ts
FROM tally WHERE votes >= 3 AND greatest(yes, votes - yes) / votes >= 0.8
ORDER BY item_id, target
"""

def baseline():
    return len(connect(settings).sql(BASELINE).fetchall())

def derive():
    return len(labels.derive(settings).rows)

def build():
    return len(labels.build(settings).rows)

variants = [("consensus only (baseline)", baseline), ("labels.derive", derive),
            ("labels.build (derive + publish)", build)]
times = {name: [] for name, _ in variants}
rows = {}
for _ in range(runs):
    for name, run in variants:
        t0 = time.perf_counter()
        rows[name] = run()
        times[name].append(time.perf_counter() - t0)
print(f"| variant | median s | min s | rows | runs |")
print(f"|---|---:|---:|---:|---:|")
for name, _ in variants:
    values = times[name]
    median, best = statistics.median(values), min(values)
    print(f"| {name} | {median:.2f} | {best:.2f} | {rows[name]:,} | {len(values)} |")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"\nevents: {events:,}; peak RSS of the process: {peak:.0f} MiB")
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--project", type=Path, help="An installed project to reuse.")
    parser.add_argument("--package", default="bench_labels", help="Its package name.")
    args = parser.parse_args()
    if args.events < 1000 or args.runs < 1:
        parser.error("--events must be >= 1000 and --runs >= 1")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        if args.project:
            project, package = ProjectEnv(args.project.resolve()), args.package
        else:
            answers = {"project_name": NAME, "task_type": "classification", "feedback_loop": True}
            project = install(render_layers(work / NAME, ["poc", "feedback-loop"], answers))
            package = "bench_labels"
        script = work / "inner.py"
        script.write_text(INNER.replace("PACKAGE", package))
        command = [str(project.python), str(script), str(args.events), str(args.runs)]
        done = subprocess.run([*command, str(work / "lake")], check=False)
        return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
