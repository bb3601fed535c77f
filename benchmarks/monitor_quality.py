"""The cost of model quality in `<project> monitor`: drift only against drift + model quality.

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/monitor_quality.py --runs 5

A classification project (poc + production, stage building) is rendered and installed into
its own venv with uv, outside the timing. One process in that venv imports everything and
runs one warm-up report, then times, round by round and interleaved, `monitoring.report`
(Evidently data drift + data quality, drift.html and drift.json) alone and together with
model quality (the served model scores the labelled rows, Evidently's ClassificationQuality,
quality.html), on the sample (178 rows) and on 10x the sample. Imports are left out: they
are the same for both and measured in benchmarks/monitoring_tracking.py.

Timing is reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.generated.project_env import install, render_layers

NAME = "bench-quality"
PACKAGE = NAME.replace("-", "_")

PROBE = f"""
import json, sys, tempfile, time
from pathlib import Path
import pandas as pd
from {PACKAGE} import data, model
from {PACKAGE}.production import monitoring
runs = int(sys.argv[1])
frame = data.load_sample()
train, _ = data.split(frame, seed=0)
fitted = model.train(train, seed=0)
features = data.feature_columns(frame)
labels = [column for column in frame.columns if column not in features]
out = Path(tempfile.mkdtemp())
quality = monitoring.scored(frame, features, labels, fitted, "v1", "labels file")
monitoring.report(frame, frame, features, out / "warm", quality=quality)  # warm-up
times = {{}}
for number in range(runs):
    for size, current in (("178 rows", frame), ("1,780 rows", pd.concat([frame] * 10))):
        start = time.perf_counter()
        monitoring.report(current, frame, features, out / f"d{{number}}")
        times.setdefault(f"drift only, {{size}}", []).append(time.perf_counter() - start)
        start = time.perf_counter()
        judged = monitoring.scored(current, features, labels, fitted, "v1", "labels file")
        monitoring.report(current, frame, features, out / f"q{{number}}", quality=judged)
        times.setdefault(f"drift + model quality, {{size}}", []).append(
            time.perf_counter() - start
        )
print(json.dumps(times))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="monitor-quality-bench-"))
    start = time.perf_counter()
    answers = {"stage": "building", "task_type": "classification", "project_name": NAME}
    project = install(render_layers(work / "project", ["poc", "production"], answers))
    print(f"prepared in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    out = project.run("python", "-c", PROBE, str(args.runs), timeout=3600)
    times: dict[str, list[float]] = json.loads(out.stdout.strip().splitlines()[-1])

    print(f"\n{args.runs} rounds, seconds (imports and a warm-up report excluded)\n")
    print("| measurement | median | min |")
    print("|---|---:|---:|")
    for label in sorted(times, key=lambda name: ("1,780" in name, "quality" in name)):
        samples = times[label]
        print(f"| {label} | {statistics.median(samples):.2f} | {min(samples):.2f} |")
    print(f"\nproject left in {work}")


if __name__ == "__main__":
    main()
