"""Throughput of the feedback service, side by side in one run, and a SIGKILL under load.

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/feedback_throughput.py                 # 16 clients, 3 s per round

A poc + feedback-loop project is rendered and installed into its own venv with uv (shared
cache), and a model version is trained, registered and approved (``baseline``, then the
layer's local quality gate), outside the timing, so the instances load the approved
version at start-up as a team's would (their start-up time is printed). Its service runs
as real `feedback serve` subprocesses on 127.0.0.1 with `FEEDBACK_BENCHMARK=1`, which adds
`POST /api/noop`: same body guard, Pydantic model, visitor cookie and rate-limit path, no
state store and no write. Clients are keep-alive connections (one visitor each) in
separate client processes (so the client's GIL is not the bottleneck), in timed rounds
that alternate between variants so machine noise hits both alike:

1. one instance: durable `POST /api/feedback` (claimed in the SQLite state store,
   fsynced to the lake, marked stored: batch by batch, in the lake writer's group
   commit) against `POST /api/noop`;
2. durable `/api/feedback`: two instances over one project folder (clients split between
   them) against one instance;
3. SIGKILL of one of two instances under load: every acknowledged event must be in the
   lake exactly once (read back with DuckDB), and the surviving instance keeps answering.

Each variant's CPU time is counted too, per request and in cores: the servers' (from
/proc) and the client processes' own (``time.process_time``), to tell what the 2 cores
of the machine can give at all.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
    totals: dict[str, list[float]] = {}  # label: [requests, seconds, client CPU seconds]
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

        started, cpu = time.perf_counter(), time.process_time()
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        done = totals.setdefault(label, [0.0, 0.0, 0.0])
        done[0] += sum(counts)
        done[1] += time.perf_counter() - started
        done[2] += time.process_time() - cpu
    out.send((totals, acked))
    out.close()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (from /proc)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Round:
    """One variant's totals: requests, wall seconds, server and client CPU seconds."""

    requests: float = 0.0
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def add(self, other: Round) -> None:
        self.requests += other.requests
        self.seconds += other.seconds
        self.server_cpu += other.server_cpu
        self.client_cpu += other.client_cpu


def run_clients(
    ports: list[int],
    clients: int,
    processes: int,
    plan: list[tuple[str, str, float]],
    on_ready: Callable[[], object] = lambda: None,
    servers: Sequence[int] = (),
) -> tuple[dict[str, Round], list[str]]:
    """``clients`` visitors in ``processes`` client processes; returns totals per label.

    ``on_ready`` runs once every client process has its visitors and starts its rounds.
    ``servers`` (process ids) have their CPU time counted over the plan: give a plan of
    one label when it matters.
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
    server_cpu = cpu_seconds(list(servers))
    on_ready()
    acked: list[str] = []
    per_label: dict[str, Round] = {}
    for receive in pipes:
        totals, ids = receive.recv()
        acked += ids
        for label, (requests, seconds, client_cpu) in totals.items():
            entry = per_label.setdefault(label, Round())
            entry.requests += requests
            entry.seconds = max(entry.seconds, seconds)
            entry.client_cpu += client_cpu
    server_cpu = cpu_seconds(list(servers)) - server_cpu
    for child in children:
        child.join()
    if len(per_label) == 1:
        next(iter(per_label.values())).server_cpu = server_cpu
    return per_label, acked


class Instance:
    """One `feedback serve` process of the benchmark project."""

    def __init__(self, project: ProjectEnv, env: dict[str, str]) -> None:
        self.port = free_port()
        self.started = time.perf_counter()
        self.start_s = 0.0
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
                self.start_s = time.perf_counter() - self.started
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
con.execute("SET enable_progress_bar = false")
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
    return json.loads(counted.stdout.strip().splitlines()[-1])  # a progress bar may precede


APPROVE_SCRIPT = """
from {package}.feedback.retrain import approve_new_version
print(approve_new_version())
"""


def approve_a_model_version(project: ProjectEnv) -> float:
    """Train, register and approve a model version, as a team does before serving.

    ``<project> baseline`` trains and registers a version pending approval; the feedback
    layer's local quality gate (``retrain.approve_new_version``: it must beat its trivial
    baseline) approves it. The service then loads it at start-up instead of training.
    Returns the seconds it took (not part of any measurement).
    """
    started = time.perf_counter()
    project.run(str(project.bin / NAME), "baseline")
    approved = project.run(
        "python", "-c", APPROVE_SCRIPT.format(package=NAME.replace("-", "_"))
    ).stdout.strip()
    if "Approved" not in approved:
        raise RuntimeError(f"the baseline was not approved: {approved}")
    return time.perf_counter() - started


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
    approve_s = approve_a_model_version(project)
    lake = work / "lake"
    env = {
        **os.environ,
        "FEEDBACK_BENCHMARK": "1",
        "FEEDBACK_RATE_LIMIT_PER_MINUTE": "0",
        "FEEDBACK_LAKE_DIR": str(lake),
        "FEEDBACK_KEY_FILE": str(work / "state" / "key"),
    }
    clients, procs, seconds = args.clients, args.client_processes, args.seconds
    load_before = os.getloadavg()
    instances = [Instance(project, env), Instance(project, env)]
    for instance in instances:
        instance.wait()
    one, both = [instances[0].port], [i.port for i in instances]
    pids = [i.process.pid for i in instances]
    variants = [
        ("one: noop", one, "/api/noop", pids[:1]),
        ("one: feedback", one, "/api/feedback", pids[:1]),
        ("two: feedback", both, "/api/feedback", pids),
    ]
    results: dict[str, Round] = {label: Round() for label, *_ in variants}
    acked: list[str] = []
    try:
        run_clients(one, clients, procs, [("warm-up", "/api/noop", 1.0)])
        for _ in range(args.rounds):
            for label, ports, path, servers in variants:
                done, ids = run_clients(
                    ports, clients, procs, [(label, path, seconds)], servers=servers
                )
                results[label].add(done[label])
                acked += ids

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
    load_after = os.getloadavg()

    print(
        f"{clients} keep-alive clients in {procs} client processes, {args.rounds} alternating"
        f" rounds of {seconds:.0f} s, 127.0.0.1, {os.cpu_count()} cores; load average (1 min)"
        f" {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print(
        f"model version registered and approved in {approve_s:.1f} s; start-up to /healthz"
        f" (loads the approved version): {', '.join(f'{i.start_s:.1f} s' for i in instances)}"
    )
    print(
        f"{'variant':<16}{'req/s':>8}{'server ms/req':>15}{'server cores':>14}"
        f"{'client ms/req':>15}{'client cores':>14}"
    )
    rates: dict[str, float] = {}
    for label, done in results.items():
        rates[label] = done.requests / done.seconds
        print(
            f"{label:<16}{rates[label]:>8.0f}{1e3 * done.server_cpu / done.requests:>15.2f}"
            f"{done.server_cpu / done.seconds:>14.2f}{1e3 * done.client_cpu / done.requests:>15.2f}"
            f"{done.client_cpu / done.seconds:>14.2f}"
        )
    durable = rates["one: feedback"] / rates["one: noop"]
    scale = rates["two: feedback"] / rates["one: feedback"]
    print(f"durable / no-op, one instance: {durable:.0%} (target >= 50%)")
    print(f"two instances / one instance: {scale:.2f}x (target >= 1.6x)")
    print(
        f"SIGKILL of one instance mid-round: {len(killed_acked)} acknowledged in that round; "
        f"surviving instance healthy: {survived}"
    )
    check = lake_check(project, work, lake, acked + killed_acked)
    print(
        f"acknowledged events in all: {len(acked) + len(killed_acked)}, in the lake: "
        f"{check['stored']}, missing: {check['missing']}, stored twice: {check['duplicated']}"
    )
    return 0 if check["missing"] == 0 and check["duplicated"] == 0 and survived else 1


if __name__ == "__main__":
    sys.exit(main())
