"""The cost of MLflow tracking per training run and of `<project> monitor` (Evidently).

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/monitoring_tracking.py --runs 3

A classification project (poc + production, stage building) is rendered and installed into
its own venv with uv, outside the timing. Every measurement is a fresh subprocess in that
venv, interleaved round by round:

- tracking: one training (load, split, train, evaluate) timed, then what the run costs to
  keep - the hand-written way (metrics.json + model pickle, what `baseline` wrote before
  MLflow) against `tracking.log_training` (params, metrics, training data, pyfunc model,
  registered version) on a fresh store (first run creates MLflow's tables) and on a store
  that already holds runs; plus `import mlflow`.
- monitor: `<project> monitor` (fresh process, the sample against itself and against 10x the
  sample) against `<project> --help` (start-up) and `import evidently` alone.

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

from tests.generated.project_env import ProjectEnv, install, render_layers

NAME = "bench-monitor"
PACKAGE = NAME.replace("-", "_")

TRACKING_PROBE = f"""
import json, sys, tempfile, time
from pathlib import Path
t0 = time.perf_counter()
from {PACKAGE} import baseline, data, evaluate, model
frame = data.load_sample(); train, test = data.split(frame, seed=0)
fitted = model.train(train, seed=0); metrics = evaluate.evaluate(fitted, test)
t1 = time.perf_counter()
scratch = Path(tempfile.mkdtemp())
baseline.write_metrics(metrics, scratch / "metrics.json"); model.save(fitted, scratch / "m.pkl")
t2 = time.perf_counter()
import mlflow
t3 = time.perf_counter()
from {PACKAGE} import tracking
tracking.log_training(fitted, params={{"seed": 0}}, metrics=metrics, training_data=train)
t4 = time.perf_counter()
print(json.dumps({{"train": t1 - t0, "files": t2 - t1, "import_mlflow": t3 - t2,
                   "log_training": t4 - t3}}))
"""


def timed(project: ProjectEnv, *args: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    project.run(*args, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="monitoring-bench-"))
    start = time.perf_counter()
    answers = {"stage": "building", "task_type": "classification", "project_name": NAME}
    project = install(render_layers(work / "project", ["poc", "production"], answers))
    print(f"prepared in {time.perf_counter() - start:.1f} s", file=sys.stderr)

    sample = work / "sample.csv"
    project.run(
        "python",
        "-c",
        f"from {PACKAGE} import data; data.load_sample().to_csv({str(sample)!r}, index=False)",
    )
    large = work / "sample-x10.csv"
    project.run(
        "python",
        "-c",
        "import pandas as pd; f = pd.read_csv("
        f"{str(sample)!r}); pd.concat([f] * 10).to_csv({str(large)!r}, index=False)",
    )
    warm_store = f"sqlite:///{work / 'warm' / 'mlflow.db'}"
    (work / "warm").mkdir()

    rows: dict[str, list[float]] = {}

    def add(label: str, seconds: float) -> None:
        rows.setdefault(label, []).append(seconds)

    for number in range(args.runs):
        fresh = f"sqlite:///{work / f'fresh-{number}' / 'mlflow.db'}"
        for label, uri in (("fresh store", fresh), ("store with runs", warm_store)):
            out = project.run("python", "-c", TRACKING_PROBE, env={"MLFLOW_TRACKING_URI": uri})
            probe = json.loads(out.stdout.strip().splitlines()[-1])
            add("training (load, split, train, evaluate)", probe["train"])
            add("keep the run by hand: metrics.json + model.pkl", probe["files"])
            add("import mlflow", probe["import_mlflow"])
            add(f"tracking.log_training, {label}", probe["log_training"])
        monitor = [NAME, "monitor", "--reference", str(sample), "--no-record", "--output-dir"]
        add(
            "`monitor`, sample vs itself (178 rows)",
            timed(project, *monitor, str(work / "m1"), "--current", str(sample)),
        )
        add(
            "`monitor`, 10x sample (1780 rows)",
            timed(project, *monitor, str(work / "m2"), "--current", str(large)),
        )
        add("`<project> --help`", timed(project, NAME, "--help"))
        add("python -c 'import evidently'", timed(project, "python", "-c", "import evidently"))

    print(f"\n{args.runs} rounds, seconds\n")
    print("| measurement | median | min |")
    print("|---|---:|---:|")
    for label, samples in rows.items():
        print(f"| {label} | {statistics.median(samples):.2f} | {min(samples):.2f} |")
    print(f"\nproject left in {work}")


if __name__ == "__main__":
    main()
