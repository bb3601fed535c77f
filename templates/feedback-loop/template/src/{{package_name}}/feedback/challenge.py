"""The panel-selection challenge: a 3x3 grid whose known panels verify, unknown ones label.

The panels are items of the project's own data (``pool.py``, built from the sample: a
labelled *seed* set and an unlabelled *pool*, a cold start). A challenge asks about one
target ("Select every wine of cultivar class_1"): its known panels are seed items (labels
trusted, used to grade), its unknown panels pool items, whose answers are the votes the
curated labels table (``labels.py``) turns into training labels once enough people agree.

What reaches the browser: a prompt, nine opaque random panel ids and nine PNG images drawn
with Pillow, with random jitter for every impression (no stable bytes or checksums to
build an image-to-label table from). Which panels are known, and their labels, stay in
the server's memory; a challenge can be answered once, before it expires.
"""

from __future__ import annotations

import base64
import itertools
import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .items import Pool, render_panel
from .pool import load_pool

GRID = 9
KNOWN_PER_CHALLENGE = 6  # random guessing passes with probability <= 2**-6
UNKNOWN_PER_CHALLENGE = GRID - KNOWN_PER_CHALLENGE

__all__ = ["ChallengeStore", "Pool", "grade", "load_pool", "render_panel"]


@dataclass
class Panel:
    """One panel of a challenge as the server keeps it."""

    panel_id: str
    item_id: str
    known_label: bool | None  # None: an unknown panel


@dataclass
class Challenge:
    """A challenge issued to one subject; answerable once before ``expires_at``."""

    challenge_id: str
    subject: str
    target: int
    panels: list[Panel]
    expires_at: float


@dataclass(frozen=True)
class Outcome:
    """The grading of an answer."""

    passed: bool
    known_correct: int
    known_total: int
    votes: list[tuple[str, bool]]  # (item id, selected) for unknown panels, on a pass


@dataclass
class ChallengeStore:
    """Outstanding challenges and pass tokens, in memory: both are single-use."""

    ttl_s: float = 120.0
    pass_ttl_s: float = 120.0
    max_outstanding: int = 50_000
    seed: int | None = None  # feedback simulate only: reproducible draws
    _challenges: dict[str, Challenge] = field(default_factory=dict)
    _passes: dict[str, tuple[str, float]] = field(default_factory=dict)
    _shown: Counter[str] = field(default_factory=Counter)  # rotating pools: item -> shows
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = secrets.SystemRandom() if self.seed is None else random.Random(self.seed)

    def issue(self, subject: str, target: int | None = None) -> tuple[Challenge, list[str]]:
        """Draw a new challenge; returns it and the panels' PNG data URIs in grid order.

        The target is drawn at random among those with enough panels when not given (for
        a pool with a ``rotation``: among the targets of the current rotation, see
        ``Pool.rotation``); raises ``LookupError`` when the pool has no such target.
        """
        pool = load_pool()
        with self._lock:
            rand = random.Random(self._random.getrandbits(64))
        rng = np.random.default_rng(rand.getrandbits(64))
        if target is None:
            askable = pool.askable(KNOWN_PER_CHALLENGE, UNKNOWN_PER_CHALLENGE)
            if not askable:
                raise LookupError("the pool has no target with enough seed and pool items")
            with self._lock:
                target = rand.choice(self._rotation(pool, askable))
        positives, negatives = pool.known[target]
        n_pos = rand.randint(2, min(4, len(positives)))
        chosen: list[tuple[str, bool | None]] = [(i, True) for i in rand.sample(positives, n_pos)]
        chosen += [(i, False) for i in rand.sample(negatives, KNOWN_PER_CHALLENGE - n_pos)]
        chosen += [(i, None) for i in self._unknown_panels(pool, target, rand)]
        rand.shuffle(chosen)
        panels = [Panel(secrets.token_urlsafe(12), i, label) for i, label in chosen]
        challenge = Challenge(
            secrets.token_urlsafe(18), subject, target, panels, time.monotonic() + self.ttl_s
        )
        images = [
            "data:image/png;base64," + base64.b64encode(render_panel(pool, p.item_id, rng)).decode()
            for p in panels
        ]
        with self._lock:
            self._purge()
            self._challenges[challenge.challenge_id] = challenge
        return challenge, images

    def _unknown_panels(self, pool: Pool, target: int, rand: random.Random) -> list[str]:
        """Pool items to ask about: at random, or (rotating pools) the target's current
        batch first: the most shown of the items not yet shown enough (ties at random)."""
        if not pool.rotation:
            return rand.sample(pool.unknown[target], UNKNOWN_PER_CHALLENGE)
        items = rand.sample(pool.unknown[target], len(pool.unknown[target]))
        with self._lock:
            wanted, _ = self._stage(pool, [target])
            items.sort(key=lambda item: (self._shown[item] >= wanted, -self._shown[item]))
            chosen = items[:UNKNOWN_PER_CHALLENGE]
            self._shown.update(chosen)
        return chosen

    def _open(self, pool: Pool, target: int, wanted: int, quota: int) -> bool:
        """Whether fewer than ``quota`` of the target's items were shown ``wanted`` times."""
        items = pool.unknown[target]
        return sum(self._shown[item] >= wanted for item in items) < min(quota, len(items))

    def _stage(self, pool: Pool, targets: list[int]) -> tuple[int, int]:
        """(shows wanted, items per target) of the first stage where a target is open.

        Stages: ``pool.batch`` items per target shown ``pool.shows_per_item`` times, then
        one more batch each, ... until every item was; then all again for as many shows.
        """
        laps = -(-max(len(pool.unknown[t]) for t in targets) // pool.batch)
        for epoch in itertools.count(1):
            for lap in range(1, laps + 1):
                wanted, quota = pool.shows_per_item * epoch, pool.batch * lap
                if any(self._open(pool, target, wanted, quota) for target in targets):
                    return wanted, quota
        raise AssertionError("unreachable")  # pragma: no cover

    def _rotation(self, pool: Pool, askable: list[int]) -> list[int]:
        """The targets challenges ask about now (all of ``askable`` without a rotation).

        The first ``pool.rotation`` targets still open in the current stage (see
        ``_stage``): the votes land on a few items of a few targets at a time, so they
        reach a consensus, and spread over every target stage after stage. In memory: a
        restarted service starts the rotation over.
        """
        if not pool.rotation:
            return askable
        wanted, quota = self._stage(pool, askable)
        current = [t for t in askable if self._open(pool, t, wanted, quota)]
        return current[: pool.rotation]

    def take(self, challenge_id: str) -> Challenge | None:
        """Remove and return a challenge (so it can never be answered twice)."""
        with self._lock:
            return self._challenges.pop(challenge_id, None)

    def peek(self, challenge_id: str) -> Challenge | None:
        """Look at an outstanding challenge without using it up (tests and tooling)."""
        with self._lock:
            return self._challenges.get(challenge_id)

    def issue_pass(self, subject: str) -> str:
        """A short-lived, single-use pass token for a subject that passed."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._passes[token] = (subject, time.monotonic() + self.pass_ttl_s)
        return token

    def redeem_pass(self, token: str) -> str | None:
        """Use up a pass token; returns its subject, or None if unknown, used or expired."""
        with self._lock:
            entry = self._passes.pop(token, None)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def _purge(self) -> None:
        now = time.monotonic()
        for key in [k for k, c in self._challenges.items() if c.expires_at < now]:
            del self._challenges[key]
        for key in [k for k, (_, exp) in self._passes.items() if exp < now]:
            del self._passes[key]
        while len(self._challenges) >= self.max_outstanding:
            self._challenges.pop(next(iter(self._challenges)))


def grade(challenge: Challenge, selected: set[str]) -> Outcome:
    """Pass when every known panel is right; then the unknown panels' answers are votes."""
    known = [p for p in challenge.panels if p.known_label is not None]
    correct = sum((p.panel_id in selected) == p.known_label for p in known)
    passed = correct == len(known)
    votes = (
        [(p.item_id, p.panel_id in selected) for p in challenge.panels if p.known_label is None]
        if passed
        else []
    )
    return Outcome(passed, correct, len(known), votes)


def prompt_of(challenge: Challenge) -> str:
    """The question a challenge asks, e.g. "Select every wine of cultivar class_1"."""
    return load_pool().prompts[challenge.target]
