"""One round of `feedback simulate`, by phase, against scoring the same requests directly.

Run from the repository root in an environment with copier and uv (the test extra):

    python benchmarks/feedback_simulate.py --visitors 30 60 120 --runs 3

A poc + feedback-loop project (classification) is rendered and installed into its own venv
with uv (shared cache), outside the timing. Each run is a fresh process of that project
that times one simulate round the way `feedback simulate` runs it: service start-up (a new
lake and MLflow registry), the visitors' requests through the HTTP API (in process:
predictions, votes, challenges; every event durable in the lake), the round's numbers
from the lake, the retraining trigger, and the retraining (baseline run, MLflow model
version, approval, the service swapping it in). The baseline, in the same process: the
same number of predictions scored by calling the model directly, one request at a time,
no HTTP, nothing written.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.generated.project_env import install, render_layers

NAME = "bench-simulate"
PACKAGE = NAME.replace("-", "_")

INNER = """
import asyncio, json, random, sys, time
from pathlib import Path

import httpx

from PACKAGE import data, model
from PACKAGE.feedback import simulate as sim
from PACKAGE.feedback.lake import make_sink, now_us
from PACKAGE.feedback.retrain import Policy, evaluate_policy, record
from PACKAGE.feedback.service import create_app

visitors, workdir = int(sys.argv[1]), Path(sys.argv[2])
options = sim.Options(rounds=1, visitors=visitors)
timings = {}


def timed(name, started):
    timings[name] = time.perf_counter() - started


async def one_round():
    settings = sim.simulation_settings(workdir, options.seed)
    population = sim.Population(options)
    trainer = sim.Trainer(workdir)
    app = create_app(settings)
    started = time.perf_counter()
    async with app.router.lifespan_context(app):
        timed("service start-up (baseline model, registry)", started)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            started, start_ts = time.perf_counter(), now_us()
            await sim.visit_round(client, app, population)
            timed("visits through the HTTP API", started)
            started = time.perf_counter()
            sim.round_counts(settings, start_ts, now_us())
            sim.curated_label_count(settings)
            timed("round numbers from the lake", started)
            started = time.perf_counter()
            policy = Policy(min_new_labels=options.min_new_labels, cooldown_hours=0.0)
            decision = evaluate_policy(settings, policy)
            timed("retraining trigger", started)
            started = time.perf_counter()
            assert decision.due, decision
            _, outcome = trainer.retrain(app)
            record(make_sink(settings), decision, outcome)
            timed("retraining, approval, swap", started)


sim.prepare_workdir(workdir)
with sim.simulation_environment(workdir):
    asyncio.run(one_round())

# baseline: the same predictions scored directly, one request at a time
from PACKAGE.feedback import visitor as task
from PACKAGE.feedback.pool import load_pool

pool, rng = load_pool(), random.Random(0)
fitted = model.train(data.split(data.load_sample(), seed=0)[0], seed=0)
count = visitors * options.predictions_per_visitor
requests = [task.request(pool, i, rng)[0] for i in range(count)]
started = time.perf_counter()
for features in requests:
    model.predict_records(fitted, [features])
timed("baseline: same predictions scored directly", started)
print(json.dumps(timings))
""".replace("PACKAGE", PACKAGE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, nargs="+", default=[30, 60, 120])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-simulate-") as tmp:
        root = render_layers(
            Path(tmp) / NAME,
            ["poc", "feedback-loop"],
            {"project_name": NAME, "task_type": "classification", "feedback_loop": True},
        )
        project = install(root)
        script = Path(tmp) / "one_round.py"
        script.write_text(INNER, encoding="utf-8")
        results: dict[int, list[dict[str, float]]] = {}
        for run in range(args.runs):
            for visitors in args.visitors:  # interleaved: machine noise hits every size
                workdir = Path(tmp) / f"work-{visitors}-{run}"
                done = project.run("python", str(script), str(visitors), str(workdir))
                results.setdefault(visitors, []).append(json.loads(done.stdout.splitlines()[-1]))
    for visitors, runs in results.items():
        print(
            f"\n{visitors} visitors ({visitors * 4} predictions + votes, "
            f"{visitors * 2} challenges), {len(runs)} runs, seconds:"
        )
        print("| phase | median | min |")
        print("|---|---:|---:|")
        for phase in runs[0]:
            values = [r[phase] for r in runs]
            print(f"| {phase} | {statistics.median(values):.2f} | {min(values):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
