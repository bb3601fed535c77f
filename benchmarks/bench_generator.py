"""`mljourney new` against raw `copier copy` of the same layers, and `--help` start-up.

Run from the repository root in an environment with mljourney installed:

    python benchmarks/bench_generator.py --runs 7

Each variant runs as a fresh subprocess (what a user sees), interleaved round by round so
machine noise hits all variants alike; the table shows the median and min per variant.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mljourney-bench-"))
    env = {**os.environ, "HOME": str(work / "home")}
    (work / "home").mkdir()
    mljourney = str(BIN / "mljourney")
    copier = [sys.executable, "-m", "copier"]
    bundles = "~/.local/share/mljourney/layers"
    # One render installs the bundles at their per-user path, as any first use does.
    subprocess.run(
        [mljourney, "new", str(work / "warm"), "--defaults", "--no-git"],
        env=env,
        check=True,
        capture_output=True,
    )

    cases: dict[str, list[str] | list[list[str]]] = {}
    data = ["--data", "project_name=bench"]
    for stage, layers in (("prototyping", ["poc"]), ("building", ["poc", "production"])):
        cases[f"mljourney new --stage {stage} --no-git"] = [
            mljourney,
            "new",
            "{dest}",
            "--stage",
            stage,
            "--defaults",
            "--no-git",
            *data,
        ]
        cases[f"mljourney new --stage {stage} (with git commit)"] = [
            mljourney,
            "new",
            "{dest}",
            "--stage",
            stage,
            "--defaults",
            *data,
        ]
        cases[f"raw copier copy {' + '.join(layers)}"] = [
            [
                *copier,
                "copy",
                "--quiet",
                "--defaults",
                *data,
                "--data",
                f"stage={stage}",
                f"{bundles}/{layer}.bundle",
                "{dest}",
            ]
            for layer in layers
        ]
    cases["mljourney --help"] = [mljourney, "--help"]
    cases["python -c 'import click'"] = [sys.executable, "-c", "import click"]
    cases["python -c 'import copier'"] = [sys.executable, "-c", "import copier"]

    samples: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(args.runs):
        for name, command in cases.items():
            dest = str(work / f"out-{round_}-{len(samples[name])}-{abs(hash(name))}")
            commands = command if isinstance(command[0], list) else [command]
            total = 0.0
            for single in commands:
                assert isinstance(single, list)
                total += timed([part.replace("{dest}", dest) for part in single], env)
            samples[name].append(total)
            shutil.rmtree(dest, ignore_errors=True)

    print("| variant | median s | min s | runs |\n|---|---:|---:|---:|")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.3f} | {min(values):.3f} | {len(values)} |")
    for stage, layers in (("prototyping", "poc"), ("building", "poc + production")):
        ours = statistics.median(samples[f"mljourney new --stage {stage} --no-git"])
        raw = statistics.median(samples[f"raw copier copy {layers}"])
        print(f"\n{stage}: mljourney new / raw copier copy = {ours / raw:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
