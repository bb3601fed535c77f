"""Build time of the SageMaker pipeline definition (offline) in a rendered production project.

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/production_definition.py --runs 5

Renders poc + production (stage building) and installs it with uv, outside the timing. Then
measures, inside the project's venv:

- `<project> definition` as a fresh subprocess (interpreter start, SDK imports, first build);
- in one process: the first build (SDK imports included) and warm rebuilds;
- whether every build gave byte-identical JSON.

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

IN_PROCESS = """
import json, sys, time
start = time.perf_counter()
from {package}.production import pipeline
from {package}.production.settings import Settings
imported = time.perf_counter()
bodies, times = [], []
for _ in range({runs}):
    begin = time.perf_counter()
    bodies.append(pipeline.definition_json(Settings()))
    times.append(time.perf_counter() - begin)
print(json.dumps({{"import": imported - start, "builds": times,
                  "identical": len(set(bodies)) == 1, "bytes": len(bodies[0])}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--task-type", default="classification")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="production-definition-bench-"))
    name = "bench-definition"
    answers = {"stage": "building", "task_type": args.task_type, "project_name": name}
    project = install(render_layers(work / "project", ["poc", "production"], answers))
    package = name.replace("-", "_")

    cold = []
    for _ in range(args.runs):
        start = time.perf_counter()
        project.run(name, "definition")
        cold.append(time.perf_counter() - start)
    script = IN_PROCESS.format(package=package, runs=args.runs)
    result = json.loads(project.run("python", "-c", script).stdout)
    warm = result["builds"][1:] or result["builds"]

    print(f"\npipeline definition build, {args.task_type}, {args.runs} runs (seconds)\n")
    print("| measurement | median | min |")
    print("|---|---:|---:|")
    fresh = f"{statistics.median(cold):.2f} | {min(cold):.2f}"
    print(f"| `{name} definition` (fresh process) | {fresh} |")
    print(f"| imports of the pipeline module | {result['import']:.2f} | |")
    print(f"| first build in a process (SDK imports) | {result['builds'][0]:.2f} | |")
    print(f"| warm rebuild | {statistics.median(warm):.2f} | {min(warm):.2f} |")
    print(f"\nidentical JSON across builds: {result['identical']} ({result['bytes']} bytes)")


if __name__ == "__main__":
    main()
