"""``feedback simulate``: a simulated population turns the data flywheel through the HTTP API.

Each round, every simulated visitor uses the running service exactly as a browser would,
through its HTTP API (an in-process ASGI client: ``httpx.ASGITransport``; the app's
lifespan runs as in ``uvicorn``):

1. asks for predictions (``POST /api/predict``) on items of the project's pool and likes
   or dislikes each one (``POST /api/feedback``) by its ground truth;
2. answers panel challenges (``GET /api/challenge``, ``POST /api/challenge/{id}``):
   selects the panels whose item has the asked-for label.

Then the retraining trigger runs (``retrain.check_and_maybe_retrain``) with the
simulation's policy: enough new curated labels and no cooldown. When it is due, a new
model version is trained on seed set + curated labels, registered and approved
(automatically, here only), and the service serves it from the next round on, without a
restart.

The visitors' ground truth is the pool's held-back truth (``Pool.truth``, and the seed
set's labels for the known panels): only the visitors in this module read it. Training
sees it only through what they did: their votes, in the lake, turned into curated labels.
``--voters random`` makes visitors who pass the known panels (they are human) but answer
everything else by a coin flip: the flywheel then has nothing to learn from, and the
``truthful_likes`` of a round (how many of its predictions a truthful visitor would have
liked) shows no lift.

What a simulated visitor cannot do is *look* at a panel: it reads which pool item a panel
shows from the service's own memory (``panel_items``), in place of the eyes of a person.
It learns nothing else from there.

Deterministic for a seed: visitors, their cookies, items, answers and the service's HMAC
key derive from ``--seed``, and the challenges are drawn by a seeded random generator
(``Settings.challenge_seed``, settable only in code, never from the environment).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import shutil
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .settings import Settings
from .stats import wilson_interval

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
        retrained: Whether the trigger started retraining after the round.
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
    votes: int = field(default=0)


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
            item for positives, negatives in self.pool.known.values() for item in positives + negatives
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


async def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise SimulationError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:200]}"
        )
    return response.json()


async def visit(
    client: httpx.AsyncClient, app: Any, population: Population, visitor: Visitor
) -> None:
    """One visitor's session of a round: predictions with votes, then challenges."""
    options, task, pool = population.options, population.task, population.pool
    headers = {"cookie": f"fb_sid={visitor.cookie}"}
    for _ in range(options.predictions_per_visitor):
        features, key = task.request(pool, visitor.index, visitor.rng)
        made = await _ok(
            await client.post("/api/predict", json={"features": features}, headers=headers)
        )
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
        await _ok(await client.post("/api/feedback", json=body, headers=headers))
        visitor.votes += 1
        visitor.truthful_likes += int(liked_by_truth)
    for _ in range(options.challenges_per_visitor):
        challenge = await _ok(await client.get("/api/challenge", headers=headers))
        target = pool.prompts.index(challenge["prompt"])  # reading the prompt
        shows = panel_items(app, challenge["challenge_id"])
        selected = [
            panel["id"]
            for panel in challenge["panels"]
            if population.answer_panel(visitor, shows[panel["id"]], target)
        ]
        url = f"/api/challenge/{challenge['challenge_id']}"
        await _ok(await client.post(url, json={"selected": selected}, headers=headers))
