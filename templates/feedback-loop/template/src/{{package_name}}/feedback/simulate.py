"""``feedback simulate``: a simulated population turns the data flywheel through the HTTP API.

Each round, every simulated visitor uses the running service exactly as a browser would,
through its HTTP API (an in-process ASGI client, ``httpx.ASGITransport``, with the app's
lifespan run as ``uvicorn`` runs it):

1. asks for predictions (``POST /api/predict``) on items of the project's pool and likes
   or dislikes each one (``POST /api/feedback``) by its ground truth (``visitor.py``
   says, per task type, what a visitor asks and when they like the answer);
2. answers panel challenges (``GET /api/challenge``, ``POST /api/challenge/{id}``):
   selects the panels whose item has the asked-for label.

Then the retraining trigger runs on the lake (``retrain.evaluate_policy`` with the
simulation's policy: at least ``min_new_labels`` new curated labels, no cooldown; every
check recorded in ``retrain_runs``). When it is due, the project's training runs on seed
set + curated labels and registers a new model version in MLflow, the local quality gate
approves it (automatically: in the simulation only), and the service serves it from the
next round on, without a restart (``serving.ModelSlot``).

The visitors' ground truth is the pool's held-back truth (``Pool.truth``, and the seed
set's labels for the known panels): only the visitors in this module read it. Training
sees it only through what they did: their votes, in the lake, turned into curated labels.
``--voters random`` makes visitors who pass the known panels (they are human) but answer
everything else by a coin flip: the flywheel turns and retrains, yet ``truthful_likes``
(how many of a round's predictions a truthful visitor would have liked) does not rise.

What a simulated visitor cannot do is *look* at a panel: it reads which pool item a panel
shows from the service's memory (:func:`panel_items`), in place of a person's eyes. It
takes nothing else from there: not whether a panel is known, nor any label.

Deterministic for a seed: visitors, their cookies, items, answers and the service's HMAC
key derive from ``--seed``, and challenges are drawn by a seeded generator
(``Settings.challenge_seed``: settable in code only, never from the environment).
Everything the simulation writes stays in its work folder (lake, state, MLflow registry,
the training runs' reports and models), except ``flywheel.json`` and ``flywheel.png``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from .service import COOKIE
from .settings import Settings
from .stats import chart_font, chart_text, wilson_interval

#: Accepted ranges of the command's numeric options (inclusive).
RANGES: dict[str, tuple[int, int]] = {
    "rounds": (1, 50),
    "seed": (0, 2**32 - 1),
    "visitors": (1, 5_000),
}
VOTERS = ("truthful", "random")
#: Marks a work folder as made by ``feedback simulate``: only such a folder is replaced.
MARKER = ".feedback-simulation"


class SimulationError(Exception):
    """The simulation cannot run or went wrong; the message is meant for the user."""


@dataclass(frozen=True)
class Options:
    """What ``feedback simulate`` is asked to do.

    Attributes:
        rounds: Rounds of visits, each followed by a run of the retraining trigger.
        seed: Seed of everything random in the simulation.
        visitors: Simulated visitors per round (the same people come back each round).
        voters: ``truthful`` (judge by the ground truth, with ``mistake_rate`` slips) or
            ``random`` (pass the known panels, coin flips for everything else).
        predictions_per_visitor: Predictions each visitor asks for and votes on per round.
        challenges_per_visitor: Challenges each visitor answers per round.
        mistake_rate: Probability that a truthful visitor gets one answer wrong.
        min_new_labels: New curated labels that make the trigger start retraining.
    """

    rounds: int = 3
    seed: int = 0
    visitors: int = 60
    voters: str = "truthful"
    predictions_per_visitor: int = 4
    challenges_per_visitor: int = 2
    mistake_rate: float = 0.03
    min_new_labels: int = 10

    def __post_init__(self) -> None:
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"--{name} must be between {low} and {high}, got {value}")
        if self.voters not in VOTERS:
            raise ValueError(f"--voters must be one of {', '.join(VOTERS)}, got {self.voters!r}")
        if not 0 <= self.mistake_rate < 0.5:
            raise ValueError(f"mistake_rate must be in [0, 0.5), got {self.mistake_rate}")


@dataclass
class Round:
    """One round of ``reports/flywheel.json``.

    Attributes:
        model_version: The model version that served the round.
        training_rows: Rows that version was trained on (seed set + labels).
        votes: Active votes (likes + dislikes) on the round's predictions.
        likes: Likes among them.
        like_rate: likes / votes (None without votes).
        ci_low: Lower end of the like-rate's 95% Wilson score interval.
        ci_high: Upper end of that interval.
        new_labels: Curated labels first seen during the round.
        truthful_likes: Of the voted predictions, how many a truthful visitor would like
            (equal to ``likes`` up to mistakes for truthful voters; the yardstick of the
            random-voter control).
        retrained: Whether the trigger started retraining after the round (never after
            the last round: no round would be served by that version).
    """

    model_version: str
    training_rows: int | None
    votes: int
    likes: int
    like_rate: float | None
    ci_low: float
    ci_high: float
    new_labels: int
    truthful_likes: int
    retrained: bool = False


@dataclass
class Visitor:
    """A simulated person: a cookie (so a pseudonymous subject) and its own dice."""

    index: int
    cookie: str
    rng: random.Random
    truthful_likes: int = 0
    votes: int = 0


def _cookie(seed: int, index: int) -> str:
    return hashlib.sha256(f"visitor:{seed}:{index}".encode()).hexdigest()[:32]


def _event_id(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


class Population:
    """The simulated visitors and everything they know (the ground truth)."""

    def __init__(self, options: Options) -> None:
        from . import visitor as task_visitor
        from .pool import load_pool

        self.options = options
        self.pool = load_pool()
        self.task = task_visitor
        self.visitors = [
            Visitor(i, _cookie(options.seed, i), random.Random(f"{options.seed}:{i}"))
            for i in range(options.visitors)
        ]
        # target index -> every item whose true answer is "yes": seed items (the known
        # panels) and pool items by their held-back truth.
        self.yes: dict[int, set[str]] = {
            target: set(positives) for target, (positives, _) in self.pool.known.items()
        }
        for item, target in self.pool.truth.items():
            if target >= 0:
                self.yes.setdefault(target, set()).add(item)
        self.known_items = {
            item
            for positives, negatives in self.pool.known.values()
            for item in positives + negatives
        }

    def slip(self, visitor: Visitor) -> bool:
        """Whether a truthful visitor gets this answer wrong."""
        return visitor.rng.random() < self.options.mistake_rate

    def answer_panel(self, visitor: Visitor, item: str, target: int) -> bool:
        """Does the visitor select the panel showing ``item`` for ``target``?"""
        truth = item in self.yes.get(target, set())
        if self.options.voters == "random":
            return truth if item in self.known_items else visitor.rng.random() < 0.5
        return truth != self.slip(visitor)

    def vote(self, visitor: Visitor, liked_by_truth: bool) -> int:
        """1 (like) or -1 (dislike) for a prediction a truthful visitor would (not) like."""
        if self.options.voters == "random":
            liked = visitor.rng.random() < 0.5
        else:
            liked = liked_by_truth != self.slip(visitor)
        return 1 if liked else -1


def panel_items(app: Any, challenge_id: str) -> dict[str, str]:
    """Panel id -> pool item id of an outstanding challenge: the simulated visitor's eyes.

    A person sees what a panel shows; a simulated visitor reads it from the service's
    memory instead. Only the item is taken from there, never whether a panel is known
    or what its label is.
    """
    challenge = app.state.feedback.challenges.peek(challenge_id)
    if challenge is None:
        raise SimulationError(f"challenge {challenge_id} vanished before it was answered")
    return {panel.panel_id: panel.item_id for panel in challenge.panels}


def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise SimulationError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:200]}"
        )
    return response.json()


async def predict_and_vote(
    client: httpx.AsyncClient, population: Population, visitor: Visitor
) -> None:
    """A visitor asks for predictions on items they know and likes or dislikes each."""
    options, task, pool = population.options, population.task, population.pool
    headers = {"cookie": f"{COOKIE}={visitor.cookie}"}
    for _ in range(options.predictions_per_visitor):
        features, key = task.request(pool, visitor.index, visitor.rng)
        made = _ok(await client.post("/api/predict", json={"features": features}, headers=headers))
        liked_by_truth = task.would_like(pool, key, made["prediction"])
        if liked_by_truth is None:  # the task gives visitors nothing to judge
            continue
        value = population.vote(visitor, liked_by_truth)
        body = {
            "event_id": _event_id(visitor.rng),
            "prediction_id": made["prediction_id"],
            "feedback_token": made["feedback_token"],
            "value": value,
        }
        _ok(await client.post("/api/feedback", json=body, headers=headers))
        visitor.votes += 1
        visitor.truthful_likes += int(liked_by_truth)


async def get_challenge(
    client: httpx.AsyncClient, app: Any, population: Population, visitor: Visitor
) -> tuple[str, list[str]]:
    """A visitor gets a challenge and decides: (challenge id, selected panel ids)."""
    headers = {"cookie": f"{COOKIE}={visitor.cookie}"}
    challenge = _ok(await client.get("/api/challenge", headers=headers))
    target = population.pool.prompts.index(challenge["prompt"])  # reading the prompt
    shows = panel_items(app, challenge["challenge_id"])
    selected = [
        panel["id"]
        for panel in challenge["panels"]
        if population.answer_panel(visitor, shows[panel["id"]], target)
    ]
    return challenge["challenge_id"], selected


async def answer_challenge(
    client: httpx.AsyncClient, visitor: Visitor, challenge_id: str, selected: list[str]
) -> None:
    """A visitor sends their answer."""
    headers = {"cookie": f"{COOKIE}={visitor.cookie}"}
    url = f"/api/challenge/{challenge_id}"
    _ok(await client.post(url, json={"selected": selected}, headers=headers))


async def visit_round(client: httpx.AsyncClient, app: Any, population: Population) -> None:
    """Every visitor's visits of one round.

    Visitors act concurrently (their writes share the lake's group commits), except where
    order decides an outcome: challenges are drawn from the service's one seeded
    generator, so they are fetched one visitor after the other, then answered together.
    """
    for visitor in population.visitors:
        visitor.votes = visitor.truthful_likes = 0
    await asyncio.gather(
        *(predict_and_vote(client, population, visitor) for visitor in population.visitors)
    )
    for _ in range(population.options.challenges_per_visitor):
        drawn = [
            (visitor, *await get_challenge(client, app, population, visitor))
            for visitor in population.visitors
        ]
        await asyncio.gather(
            *(answer_challenge(client, visitor, cid, chosen) for visitor, cid, chosen in drawn)
        )


# --- the round loop ----------------------------------------------------------------------


@dataclass
class Served:
    """The model version the service answers with, as the simulation knows it."""

    version: str
    training_rows: int | None


def simulation_settings(workdir: Path, seed: int) -> Settings:
    """Settings of the simulated service: everything under ``workdir``, seeded, no limits.

    The rate limit is off: the simulation compresses days of visits into seconds.
    """
    return Settings(
        lake_dir=workdir / "lake",
        key_file=workdir / "dev-key",
        secret_key=hashlib.sha256(f"feedback-simulate:{seed}".encode()).hexdigest(),
        rate_limit_per_minute=0,
        challenge_seed=seed,
        state_path=workdir / "state.db",
        auto_approve=True,
        model_refresh_s=0,  # the simulation asks the slot right after each retraining
    )


def prepare_workdir(workdir: Path) -> None:
    """Start from an empty work folder; replace only one an earlier simulation made.

    Raises:
        SimulationError: ``workdir`` exists, is not empty and was not made by a simulation.
    """
    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / MARKER).is_file():
            raise SimulationError(
                f"{workdir} exists and was not made by `feedback simulate`; "
                "choose another --workdir or empty it"
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text("made by `feedback simulate`; replaced on the next run\n")


def round_counts(settings: Settings, start_ts: int, end_ts: int) -> tuple[list[str], int, int]:
    """(model versions, active votes, likes) of the predictions made in [start, end]."""
    from .lake import connect
    from .retrain import ACTIVE_VOTES_SQL

    con = connect(settings)
    versions = [
        version
        for (version,) in con.execute(
            "SELECT DISTINCT model_version FROM predictions WHERE server_ts BETWEEN ? AND ? "
            "ORDER BY 1",
            [start_ts, end_ts],
        ).fetchall()
    ]
    votes, likes = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (WHERE value = 1)
        FROM ({ACTIVE_VOTES_SQL}) WHERE value <> 0 AND server_ts BETWEEN ? AND ?
        """,
        [start_ts, end_ts],
    ).fetchone()
    return versions, int(votes), int(likes)


def curated_label_count(settings: Settings) -> int:
    """Curated labels that hold, one per item: what the next training would add."""
    from .labels import derive

    return len(derive(settings).usable())


async def run_rounds(
    options: Options,
    settings: Settings,
    workdir: Path,
    on_round: Callable[[int, Round], None] | None = None,
) -> list[Round]:
    """Run the simulation against an in-process service; return one ``Round`` per round."""
    from .lake import make_sink, now_us
    from .retrain import Policy, evaluate_policy, record
    from .service import create_app

    population = Population(options)
    trainer = Trainer(workdir)
    app = create_app(settings)
    policy = Policy(min_new_labels=options.min_new_labels, cooldown_hours=0.0)
    rounds: list[Round] = []
    async with app.router.lifespan_context(app):
        served = await asyncio.to_thread(served_now, app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://simulation") as client:
            for number in range(1, options.rounds + 1):
                labels_before = await asyncio.to_thread(curated_label_count, settings)
                start = now_us()
                await visit_round(client, app, population)
                end = now_us()
                versions, votes, likes = await asyncio.to_thread(round_counts, settings, start, end)
                labels_after = await asyncio.to_thread(curated_label_count, settings)
                low, high = wilson_interval(likes, votes)
                report = Round(
                    model_version=", ".join(versions) or served.version,
                    training_rows=served.training_rows,
                    votes=votes,
                    likes=likes,
                    like_rate=likes / votes if votes else None,
                    ci_low=low,
                    ci_high=high,
                    new_labels=labels_after - labels_before,
                    truthful_likes=sum(v.truthful_likes for v in population.visitors),
                )
                decision = await asyncio.to_thread(evaluate_policy, settings, policy)
                outcome = "not due"
                if decision.due and number == options.rounds:
                    outcome = "due; not started after the last round: no round would use it"
                elif decision.due:
                    served, outcome = await asyncio.to_thread(trainer.retrain, app)
                    report.retrained = True
                await asyncio.to_thread(record, make_sink(settings), decision, outcome)
                rounds.append(report)
                if on_round:
                    on_round(number, report)
    return rounds


class Trainer:
    """Retrains the way the project does, inside the simulation's work folder.

    A retraining is the project's ``baseline`` run (``baseline.run_baseline``: seed set +
    curated labels of the simulation's lake, tracked in MLflow, registered as a new model
    version), run in this process so that its reports and model file go to the work
    folder, not to the project's ``reports/`` and ``models/``. Then the local quality gate
    approves it (``retrain.approve_new_version``: automatic here only) and the running
    service is asked to look for it now (``ModelSlot.refresh``) rather than at its next
    periodic check.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def retrain(self, app: Any) -> tuple[Served, str]:
        """Train, register and approve a new model version; the service then serves it."""
        from .. import baseline
        from .retrain import approve_new_version

        baseline.run_baseline(self.workdir / "reports", self.workdir / "models", seed=0)
        outcome = approve_new_version()
        app.state.feedback.slot.refresh()
        return served_now(app), outcome


def served_now(app: Any) -> Served:
    """The version the service answers with, and the rows it was trained on."""
    model = app.state.feedback.model
    rows = None
    if model.registry_version is not None:
        from .. import tracking

        for version in tracking.list_versions():
            if version.version == model.registry_version:
                rows = int(version.tags.get("training_rows", 0)) or None
    else:
        from .. import data, trainset

        train, _ = data.split(data.load_sample(), seed=0)
        rows = len(trainset.training_set(train).frame)
    return Served(model.version, rows)


@contextmanager
def simulation_environment(workdir: Path) -> Iterator[None]:
    """Point the lake reader and the model registry at ``workdir`` while the run lasts."""
    names = ("FEEDBACK_LAKE_DIR", "MLFLOW_TRACKING_URI")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["FEEDBACK_LAKE_DIR"] = str((workdir / "lake").resolve())
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{(workdir / 'mlflow.db').resolve()}"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- reports -----------------------------------------------------------------------------


def flywheel_figure(rounds: list[Round]) -> Any:
    """Like-rate per round with 95% Wilson intervals (top); training rows and new labels."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 5.2), dpi=120, layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    numbers = list(range(1, len(rounds) + 1))
    voted = [(n, r) for n, r in zip(numbers, rounds, strict=True) if r.votes]
    font = {"fontfamily": family} if (family := chart_font()) else {}
    if family:
        top.tick_params(labelfontfamily=family)
        bottom.tick_params(labelfontfamily=family)
    top.set_title(
        chart_text("The flywheel: like-rate per round, 95% Wilson interval"), fontsize=12, **font
    )
    top.set_ylabel(chart_text("like-rate (%)"), fontsize=11, **font)
    top.grid(axis="y", alpha=0.3)
    if voted:
        rates = [100 * (r.like_rate or 0.0) for _, r in voted]
        lows = [100 * r.ci_low for _, r in voted]
        highs = [100 * r.ci_high for _, r in voted]
        top.errorbar(
            [n for n, _ in voted],
            rates,
            yerr=[
                [rate - low for rate, low in zip(rates, lows, strict=True)],
                [high - rate for rate, high in zip(rates, highs, strict=True)],
            ],
            fmt="o-",
            color="#1f5fa8",
            capsize=5,
        )
        for (n, r), low in zip(voted, lows, strict=True):
            top.annotate(
                f"n={r.votes}",
                (n, low),
                xytext=(0, -12),
                textcoords="offset points",
                ha="center",
                fontsize=9,
            )
        top.set_ylim(max(0.0, 10 * (min(lows) // 10) - 10), 100)
    else:
        top.set_ylim(0, 100)
        top.text(
            0.5,
            0.5,
            chart_text("no votes yet"),
            ha="center",
            va="center",
            transform=top.transAxes,
            **font,
        )
    width = 0.38
    bottom.bar(
        [n - width / 2 for n in numbers],
        [r.training_rows or 0 for r in rounds],
        width,
        color="#b4490b",
        label=chart_text("training rows of the version"),
    )
    bottom.bar(
        [n + width / 2 for n in numbers],
        [r.new_labels for r in rounds],
        width,
        color="#2e7d32",
        label=chart_text("new curated labels"),
    )
    legend_font = {"family": family} if family else {}
    bottom.legend(frameon=False, loc="upper left", prop={"size": 8, **legend_font})
    bottom.set_ylabel(chart_text("rows, labels"), fontsize=10, **font)
    bottom.set_xlabel(chart_text("round (model version)"), fontsize=11, **font)
    bottom.set_xticks(
        numbers, [f"{n}\n{_short(r.model_version)}" for n, r in zip(numbers, rounds, strict=True)]
    )
    bottom.grid(axis="y", alpha=0.3)
    return figure


def _short(version: str, limit: int = 16) -> str:
    return version if len(version) <= limit else version[: limit - 1] + "…"


def write_reports(rounds: list[Round], reports_dir: Path) -> tuple[Path, Path]:
    """Write ``flywheel.json`` and ``flywheel.png`` into ``reports_dir``; return both paths."""
    from .stats import png_of

    reports_dir.mkdir(parents=True, exist_ok=True)
    json_path, png_path = reports_dir / "flywheel.json", reports_dir / "flywheel.png"
    payload = {"rounds": [asdict(r) for r in rounds]}
    json_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    png_path.write_bytes(png_of(flywheel_figure(rounds)))
    return json_path, png_path


def simulate(
    options: Options,
    workdir: Path,
    reports_dir: Path,
    on_round: Callable[[int, Round], None] | None = None,
) -> tuple[list[Round], Path, Path]:
    """Run the whole simulation in ``workdir`` and write its reports to ``reports_dir``.

    Returns:
        The rounds and the paths of ``flywheel.json`` and ``flywheel.png``.

    Raises:
        SimulationError: the work folder is not the simulation's, or the service refused
            a visitor's request.
    """
    prepare_workdir(workdir)
    settings = simulation_settings(workdir, options.seed)
    with simulation_environment(workdir):
        rounds = asyncio.run(run_rounds(options, settings, workdir, on_round))
    return (rounds, *write_reports(rounds, reports_dir))
