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
import random
import secrets
import threading
import time
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
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = secrets.SystemRandom() if self.seed is None else random.Random(self.seed)

    def issue(self, subject: str, target: int | None = None) -> tuple[Challenge, list[str]]:
        """Draw a new challenge; returns it and the panels' PNG data URIs in grid order.

        The target is drawn at random among those with enough panels when not given;
        raises ``LookupError`` when the pool has no such target.
        """
        pool = load_pool()
        with self._lock:
            rand = random.Random(self._random.getrandbits(64))
        rng = np.random.default_rng(rand.getrandbits(64))
        if target is None:
            askable = pool.askable(KNOWN_PER_CHALLENGE, UNKNOWN_PER_CHALLENGE)
            if not askable:
                raise LookupError("the pool has no target with enough seed and pool items")
            target = rand.choice(askable)
        positives, negatives = pool.known[target]
        n_pos = rand.randint(2, min(4, len(positives)))
        chosen: list[tuple[str, bool | None]] = [(i, True) for i in rand.sample(positives, n_pos)]
        chosen += [(i, False) for i in rand.sample(negatives, KNOWN_PER_CHALLENGE - n_pos)]
        chosen += [(i, None) for i in rand.sample(pool.unknown[target], UNKNOWN_PER_CHALLENGE)]
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
