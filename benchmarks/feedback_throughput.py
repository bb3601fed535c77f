"""Throughput and latency of `POST /api/feedback` (durable) against a no-op endpoint.

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/feedback_throughput.py --requests 6000 --concurrency 64

A poc + feedback-loop project is rendered and installed into its own venv with uv (shared
cache), outside the timing. Its service runs as a real uvicorn subprocess on 127.0.0.1 with
`FEEDBACK_BENCHMARK=1`, which adds `POST /api/noop`: same body parsing, visitor cookie and
rate-limit path, no write. Keep-alive client threads (one visitor each) send the same JSON
bodies to both endpoints in alternating rounds, so machine noise hits both alike.
`/api/feedback` acknowledges only after the event is fsynced to the lake (group commit).
Afterwards the lake is read back with DuckDB: every acknowledged event must be there.
Exit status 1 when an acknowledged event is missing or durable throughput is below 50% of
the no-op's.
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
import threading
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.generated.project_env import ProjectEnv, install, render_layers

NAME = "bench-feedback"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Visitor:
    """One keep-alive connection, one visitor cookie, one prediction to vote on."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        status, prediction = self.post("/api/predict", {})
        assert status == 200, prediction
        self.prediction = prediction

    def post(self, path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.connection.request("POST", path, json.dumps(body), headers)
        response = self.connection.getresponse()
        payload = json.loads(response.read())
        cookie = response.getheader("set-cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, payload

    def vote_body(self, value: int) -> dict[str, object]:
        return {
            "event_id": uuid.uuid4().hex,
            "prediction_id": self.prediction["prediction_id"],
            "feedback_token": self.prediction["feedback_token"],
            "value": value,
        }


def run_round(
    visitors: list[Visitor], path: str, per_visitor: int, acked: list[str]
) -> tuple[float, list[float]]:
    """Every visitor sends ``per_visitor`` requests to ``path``; returns wall time, latencies."""
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def work(visitor: Visitor) -> None:
        mine, ids = [], []
        for i in range(per_visitor):
            body = visitor.vote_body(1 if i % 2 == 0 else -1)
            start = time.perf_counter()
            status, payload = visitor.post(path, body)
            mine.append(time.perf_counter() - start)
            if status != 200:
                errors.append(f"{path}: {status} {payload}")
                return
            ids.append(str(body["event_id"]))
        with lock:
            latencies.extend(mine)
            if path == "/api/feedback":
                acked.extend(ids)

    threads = [threading.Thread(target=work, args=(v,)) for v in visitors]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if errors:
        raise RuntimeError(errors[0])
    return wall, latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


COUNT_SCRIPT = """
import json, sys
from {package}.feedback.lake import connect
from {package}.feedback.settings import Settings
ids = json.load(open(sys.argv[1]))
con = connect(Settings(lake_dir=__import__("pathlib").Path(sys.argv[2])))
stored = {{row[0] for row in con.execute("SELECT event_id FROM feedback").fetchall()}}
files = len(list(__import__("pathlib").Path(sys.argv[2]).glob("feedback/dt=*/*.parquet")))
print(json.dumps({{"missing": len(set(ids) - stored), "stored": len(stored), "files": files}}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000, help="requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=64, help="client threads")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per endpoint")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="feedback-bench-"))
    answers = {"project_name": NAME, "task_type": "classification", "feedback_loop": True}
    project: ProjectEnv = install(render_layers(work / NAME, ["poc", "feedback-loop"], answers))
    lake, port = work / "lake", free_port()
    env = {
        **os.environ,
        "FEEDBACK_BENCHMARK": "1",
        "FEEDBACK_RATE_LIMIT_PER_MINUTE": "0",
        "FEEDBACK_LAKE_DIR": str(lake),
        "FEEDBACK_KEY_FILE": str(work / "key"),
    }
    server = subprocess.Popen(
        [str(project.bin / NAME), "feedback", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=project.root,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the service did not start") from None
                time.sleep(0.2)
        visitors = [Visitor(port) for _ in range(args.concurrency)]
        per_visitor = max(1, args.requests // (args.rounds * args.concurrency))
        run_round(visitors, "/api/noop", 20, [])  # warm-up, not measured
        results: dict[str, tuple[float, list[float]]] = {
            "/api/noop": (0.0, []),
            "/api/feedback": (0.0, []),
        }
        acked: list[str] = []
        for _ in range(args.rounds):
            for path in results:
                wall, latencies = run_round(visitors, path, per_visitor, acked)
                total, all_latencies = results[path]
                results[path] = (total + wall, all_latencies + latencies)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    ids_file = work / "acked.json"
    ids_file.write_text(json.dumps(acked), encoding="utf-8")
    package = NAME.replace("-", "_")
    counted = project.run(
        "python", "-c", COUNT_SCRIPT.format(package=package), str(ids_file), str(lake)
    )
    lake_check = json.loads(counted.stdout)

    rates = {}
    print(
        f"{args.concurrency} keep-alive clients, {per_visitor * args.concurrency * args.rounds}"
        f" requests per endpoint in {args.rounds} alternating rounds, 127.0.0.1"
    )
    print(f"{'endpoint':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for path, (wall, latencies) in results.items():
        rates[path] = len(latencies) / wall
        print(
            f"{path:<16}{rates[path]:>10.0f}{percentile(latencies, 0.5) * 1e3:>10.2f}"
            f"{percentile(latencies, 0.99) * 1e3:>10.2f}{statistics.fmean(latencies) * 1e3:>10.2f}"
        )
    ratio = rates["/api/feedback"] / rates["/api/noop"]
    print(f"durable / no-op throughput: {ratio:.0%} (target >= 50%)")
    print(
        f"acknowledged events: {len(acked)}, in the lake: {lake_check['stored']} "
        f"in {lake_check['files']} files, missing: {lake_check['missing']}"
    )
    return 0 if lake_check["missing"] == 0 and ratio >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
