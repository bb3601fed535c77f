"""Start-up time and memory of the feedback service against the lake's size (10k vs 1M events).

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/feedback_startup.py                    # 10k and 1M events, 2 runs each

A poc + feedback-loop project is rendered and installed with uv (outside the timing). Two
lakes are written with pyarrow in the lake's own layout (`<table>/dt=.../part-<uuid>.parquet`,
50k rows per file, spread over 30 days): half predictions, half feedback events. For each
lake, alternately, a fresh `feedback serve` process is started and timed until `/healthz`
answers; its resident memory (VmRSS) is read from /proc then, and again after 300 votes.
Start-up reads nothing from the lake, so both columns should match.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.generated.project_env import ProjectEnv, install, render_layers

NAME = "bench-startup"

MAKE_LAKE = """
import sys, uuid, pathlib, numpy as np, pyarrow as pa
from {package}.feedback.lake import SCHEMAS, publish_parquet, partition_of, now_us
root, total = pathlib.Path(sys.argv[1]), int(sys.argv[2])
rows_per_file, days = 50_000, 30
rng = np.random.default_rng(0)
start = now_us() - days * 86_400_000_000
for table in ("predictions", "feedback"):
    written = 0
    while written < total // 2:
        n = min(rows_per_file, total // 2 - written)
        ts = start + np.sort(rng.integers(0, days * 86_400_000_000, n))
        ids = [uuid.uuid4().hex for _ in range(n)]
        columns = {{
            "event_id": ids, "prediction_id": ids, "model_version": ["v1"] * n,
            "subject": ["s" + str(i % 5000) for i in range(n)], "server_ts": ts,
        }}
        if table == "predictions":
            columns |= {{"input_json": ['{{"x": 1}}'] * n, "prediction_json": ["1"] * n}}
        else:
            columns["value"] = rng.choice([1, -1], n).astype("int8")
        data = pa.table(columns).select(SCHEMAS[table].names).cast(SCHEMAS[table])
        day = partition_of(int(ts[0]))
        publish_parquet(root, table, day, data, compression="zstd")  # as compaction writes
        written += n
print(sum(1 for _ in root.glob("*/dt=*/part-*.parquet")))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its children (uvicorn runs in the process itself)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def post(connection: http.client.HTTPConnection, path: str, body: dict, cookie: str) -> dict:
    headers = (
        {"Content-Type": "application/json", "Cookie": cookie}
        if cookie
        else {"Content-Type": "application/json"}
    )
    connection.request("POST", path, json.dumps(body), headers)
    response = connection.getresponse()
    payload = json.loads(response.read())
    assert response.status == 200, payload
    return payload | {"_cookie": (response.getheader("set-cookie") or "").split(";", 1)[0]}


def one_start(project: ProjectEnv, lake: Path, work: Path) -> tuple[float, float, float]:
    """Start a fresh service on ``lake``: seconds to healthy, RSS then, RSS after 300 votes."""
    port = free_port()
    env = {
        **os.environ,
        "FEEDBACK_LAKE_DIR": str(lake),
        "FEEDBACK_KEY_FILE": str(work / f"state-{lake.name}" / "key"),
        "FEEDBACK_RATE_LIMIT_PER_MINUTE": "0",
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(project.bin / NAME), "feedback", "serve", "--port", str(port)],
        cwd=project.root,
        env=env,
        start_new_session=True,
    )
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("the service did not start") from None
                time.sleep(0.05)
        ready = time.perf_counter() - started
        at_start = rss_mib(process.pid)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        prediction = post(connection, "/api/predict", {}, "")
        cookie = prediction["_cookie"]
        for i in range(300):
            body = {
                "event_id": uuid.uuid4().hex,
                "prediction_id": prediction["prediction_id"],
                "feedback_token": prediction["feedback_token"],
                "value": 1 if i % 2 else -1,
            }
            post(connection, "/api/feedback", body, cookie)
        return ready, at_start, rss_mib(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", help="events per lake, comma list")
    parser.add_argument("--runs", type=int, default=2, help="starts per lake (interleaved)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="feedback-startup-"))
    answers = {"project_name": NAME, "task_type": "classification", "feedback_loop": True}
    project = install(render_layers(work / NAME, ["poc", "feedback-loop"], answers))
    package = NAME.replace("-", "_")
    sizes = [int(s) for s in args.sizes.split(",")]
    lakes: dict[int, Path] = {}
    for size in sizes:
        lakes[size] = work / f"lake-{size}"
        made = project.run(
            "python", "-c", MAKE_LAKE.format(package=package), str(lakes[size]), str(size)
        )
        mib = sum(f.stat().st_size for f in lakes[size].rglob("*.parquet")) / 2**20
        print(f"lake of {size:,} events: {made.stdout.strip()} files, {mib:.1f} MiB")
    results: dict[int, list[tuple[float, float, float]]] = {size: [] for size in sizes}
    for _ in range(args.runs):
        for size in sizes:
            results[size].append(one_start(project, lakes[size], work))
    print(f"{'events in the lake':>20}{'start s':>10}{'RSS MiB':>10}{'after 300 votes':>18}")
    for size, runs in results.items():
        print(
            f"{size:>20,}{statistics.median(r[0] for r in runs):>10.2f}"
            f"{statistics.median(r[1] for r in runs):>10.1f}"
            f"{statistics.median(r[2] for r in runs):>18.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
