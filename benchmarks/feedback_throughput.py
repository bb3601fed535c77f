"""Throughput of the feedback service, side by side in one run, and a SIGKILL under load.

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/feedback_throughput.py                 # 16 clients, 3 s per round

A poc + feedback-loop project is rendered and installed into its own venv with uv (shared
cache), outside the timing. Its service runs as real `feedback serve` subprocesses on
127.0.0.1 with `FEEDBACK_BENCHMARK=1`, which adds `POST /api/noop`: same body guard,
Pydantic model, visitor cookie and rate-limit path, no state store and no write. Clients
are keep-alive connections (one visitor each) in separate client processes (so the
client's GIL is not the bottleneck), in timed rounds that alternate between variants so
machine noise hits both alike:

1. one instance: durable `POST /api/feedback` (claimed in the SQLite state store,
   fsynced to the lake, marked stored) against `POST /api/noop`;
2. durable `/api/feedback`: two instances over one project folder (clients split between
   them) against one instance;
3. SIGKILL of one of two instances under load: every acknowledged event must be in the
   lake exactly once (read back with DuckDB), and the surviving instance keeps answering.

Exit status 1 when an acknowledged event is missing or duplicated.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from multiprocessing.connection import Connection
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
        self.port = port
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


def client_process(
    ports: list[int],
    threads: int,
    plan: list[tuple[str, str, float]],
    out: Connection,
) -> None:
    """Run ``plan`` (label, path, seconds) rounds with ``threads`` visitors; report counts.

    Visitors are spread over ``ports`` round robin. Sends ``{label: [requests, seconds]}``
    and the acknowledged event ids through ``out``; a dead server ends a visitor quietly
    (its in-flight request was never acknowledged).
    """
    visitors = [Visitor(ports[i % len(ports)]) for i in range(threads)]
    out.send("ready")
    totals: dict[str, list[float]] = {}
    acked: list[str] = []
    lock = threading.Lock()
    for label, path, seconds in plan:
        stop = time.monotonic() + seconds
        counts = [0] * threads

        def work(i: int, path: str = path, stop: float = stop, counts: list[int] = counts) -> None:
            visitor, value, mine = visitors[i], 1, []
            try:
                while time.monotonic() < stop:
                    body = visitor.vote_body(value)
                    status, _ = visitor.post(path, body)
                    if status != 200:
                        raise RuntimeError(f"{path}: HTTP {status}")
                    counts[i] += 1
                    if path == "/api/feedback":
                        mine.append(str(body["event_id"]))
                    value = -value
            except (OSError, http.client.HTTPException):
                pass
            with lock:
                acked.extend(mine)

        started = time.perf_counter()
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        done = totals.setdefault(label, [0.0, 0.0])
        done[0] += sum(counts)
        done[1] += time.perf_counter() - started
    out.send((totals, acked))
    out.close()


def run_clients(
    ports: list[int],
    clients: int,
    processes: int,
    plan: list[tuple[str, str, float]],
    on_ready: Callable[[], object] = lambda: None,
) -> tuple[dict[str, float], list[str]]:
    """``clients`` visitors in ``processes`` client processes; returns req/s per label.

    ``on_ready`` runs once every client process has its visitors and starts its rounds.
    """
    context = multiprocessing.get_context("spawn")
    pipes, children = [], []
    for p in range(processes):
        receive, send = context.Pipe(duplex=False)
        threads = clients // processes + (1 if p < clients % processes else 0)
        child = context.Process(target=client_process, args=(ports, threads, plan, send))
        child.start()
        pipes.append(receive)
        children.append(child)
    for receive in pipes:
        assert receive.recv() == "ready"
    on_ready()
    rates: dict[str, float] = {}
    acked: list[str] = []
    per_label: dict[str, list[float]] = {}
    for receive in pipes:
        totals, ids = receive.recv()
        acked += ids
        for label, (requests, seconds) in totals.items():
            entry = per_label.setdefault(label, [0.0, 0.0])
            entry[0] += requests
            entry[1] = max(entry[1], seconds)
    for child in children:
        child.join()
    for label, (requests, seconds) in per_label.items():
        rates[label] = requests / seconds
    return rates, acked


class Instance:
    """One `feedback serve` process of the benchmark project."""

    def __init__(self, project: ProjectEnv, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(project.bin / NAME), "feedback", "serve", "--port", str(self.port)],
            cwd=project.root,
            env=env,
            start_new_session=True,
        )

    def wait(self) -> None:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the service did not start") from None
                time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=60)


COUNT_SCRIPT = """
import json, sys, pathlib
from {package}.feedback.lake import connect
from {package}.feedback.settings import Settings
ids = json.load(open(sys.argv[1]))
con = connect(Settings(lake_dir=pathlib.Path(sys.argv[2])))
copies = dict(con.execute("SELECT event_id, count(*) FROM raw_feedback GROUP BY 1").fetchall())
print(json.dumps({{
    "missing": len(set(ids) - set(copies)),
    "duplicated": sum(1 for i in set(ids) if copies.get(i, 0) > 1),
    "stored": len(copies),
}}))
"""


def lake_check(project: ProjectEnv, work: Path, lake: Path, acked: list[str]) -> dict[str, int]:
    ids_file = work / f"acked-{uuid.uuid4().hex}.json"
    ids_file.write_text(json.dumps(acked), encoding="utf-8")
    package = NAME.replace("-", "_")
    counted = project.run(
        "python", "-c", COUNT_SCRIPT.format(package=package), str(ids_file), str(lake)
    )
    return json.loads(counted.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="keep-alive visitors")
    parser.add_argument("--client-processes", type=int, default=4, help="client processes")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per variant")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="feedback-bench-"))
    answers = {"project_name": NAME, "task_type": "classification", "feedback_loop": True}
    project: ProjectEnv = install(render_layers(work / NAME, ["poc", "feedback-loop"], answers))
    lake = work / "lake"
    env = {
        **os.environ,
        "FEEDBACK_BENCHMARK": "1",
        "FEEDBACK_RATE_LIMIT_PER_MINUTE": "0",
        "FEEDBACK_LAKE_DIR": str(lake),
        "FEEDBACK_KEY_FILE": str(work / "state" / "key"),
    }
    clients, procs, seconds = args.clients, args.client_processes, args.seconds
    instances = [Instance(project, env), Instance(project, env)]
    for instance in instances:
        instance.wait()
    one, both = [instances[0].port], [i.port for i in instances]
    results: dict[str, float] = {}
    acked: list[str] = []
    try:
        run_clients(one, clients, procs, [("warm-up", "/api/noop", 1.0)])
        for _ in range(args.rounds):
            plan = [
                ("one: noop", "/api/noop", seconds),
                ("one: feedback", "/api/feedback", seconds),
            ]
            rates, ids = run_clients(one, clients, procs, plan)
            acked += ids
            rates2, ids2 = run_clients(
                both, clients, procs, [("two: feedback", "/api/feedback", seconds)]
            )
            acked += ids2
            for label, rate in (rates | rates2).items():
                results[label] = results.get(label, 0.0) + rate / args.rounds

        # SIGKILL one of the two instances in the middle of a round.
        killer = threading.Timer(seconds / 2, instances[1].stop, args=(signal.SIGKILL,))
        plan = [("kill", "/api/feedback", seconds)]
        _, killed_acked = run_clients(both, clients, procs, plan, on_ready=killer.start)
        killer.join()
        survivor = urllib.request.urlopen(f"http://127.0.0.1:{one[0]}/healthz", timeout=5)
        survived = survivor.status == 200
    finally:
        for instance in instances:
            instance.stop()
    check = lake_check(project, work, lake, acked + killed_acked)

    print(
        f"{clients} keep-alive clients in {procs} client processes, {args.rounds} alternating"
        f" rounds of {seconds:.0f} s, 127.0.0.1, {os.cpu_count()} cores"
    )
    print(f"{'variant':<28}{'req/s':>10}")
    for label in ("one: noop", "one: feedback", "two: feedback"):
        print(f"{label:<28}{results[label]:>10.0f}")
    durable = results["one: feedback"] / results["one: noop"]
    scale = results["two: feedback"] / results["one: feedback"]
    print(f"durable / no-op, one instance: {durable:.0%} (target >= 50%)")
    print(f"two instances / one instance: {scale:.2f}x (target >= 1.6x)")
    print(
        f"SIGKILL of one instance mid-round: {len(killed_acked)} acknowledged in that round; "
        f"surviving instance healthy: {survived}"
    )
    print(
        f"acknowledged events in all: {len(acked) + len(killed_acked)}, in the lake: "
        f"{check['stored']}, missing: {check['missing']}, stored twice: {check['duplicated']}"
    )
    return 0 if check["missing"] == 0 and check["duplicated"] == 0 and survived else 1


if __name__ == "__main__":
    sys.exit(main())
