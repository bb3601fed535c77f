"""`<project> run-local` (the whole local pipeline) in rendered production projects.

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/production_run_local.py --runs 3 --task-types classification regression

Each task type is rendered (poc + production, stage building) and installed into its own
venv with uv (shared cache), outside the timing. Then `run-local` runs as a fresh subprocess
(what a user sees: interpreter start, imports, ingest, preprocess, train, evaluate, gate,
register), interleaved round by round across task types. The first round is the first run in
a fresh lake (ingests the sample); later rounds find the sample already ingested. The table
shows the first run, then the median and min of the rest. Timing is reported, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.generated.project_env import ProjectEnv, install, render_layers

TASK_TYPES = (
    "regression",
    "classification",
    "clustering",
    "anomaly_detection",
    "ranking",
    "recommendation",
)


def prepare(work: Path, task_type: str) -> tuple[ProjectEnv, str]:
    name = f"bench-{task_type.replace('_', '-')}"
    answers = {"stage": "building", "task_type": task_type, "project_name": name}
    return install(render_layers(work / task_type, ["poc", "production"], answers)), name


def timed_run(project: ProjectEnv, name: str) -> float:
    start = time.perf_counter()
    project.run(name, "run-local")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="run-local runs per task type")
    parser.add_argument("--task-types", nargs="+", default=list(TASK_TYPES), choices=TASK_TYPES)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="production-bench-"))
    projects = {}
    for task_type in args.task_types:
        start = time.perf_counter()
        projects[task_type] = prepare(work, task_type)
        print(f"prepared {task_type} in {time.perf_counter() - start:.1f} s", file=sys.stderr)

    times: dict[str, list[float]] = {task_type: [] for task_type in projects}
    for _ in range(args.runs):
        for task_type, (project, name) in projects.items():
            times[task_type].append(timed_run(project, name))

    print(f"\n`<project> run-local`, {args.runs} runs per task type (seconds)\n")
    print("| task type | first run (ingests sample) | median of later runs | min |")
    print("|---|---:|---:|---:|")
    for task_type, samples in times.items():
        rest = samples[1:] or samples
        print(
            f"| {task_type} | {samples[0]:.2f} | {statistics.median(rest):.2f} | {min(rest):.2f} |"
        )
    print(f"\nprojects left in {work}")


if __name__ == "__main__":
    main()
