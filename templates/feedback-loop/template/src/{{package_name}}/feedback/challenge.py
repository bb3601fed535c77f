"""The panel-selection challenge: a 3x3 grid whose known panels verify, unknown ones label.

The image pool is scikit-learn's bundled handwritten digits (no download). The first part
of the pool counts as *known* (labels trusted, used to grade); the rest is treated as
*unknown*: its labels are never read, they are what the challenge collects. Replace
:func:`load_pool` with your own images to collect labels for your problem.

What reaches the browser: a prompt, nine opaque random panel ids and nine PNG images
re-rendered with random jitter for every impression (no stable bytes or checksums to
build an image-to-label table from). Which panels are known, and their labels, stay in
the server's memory; a challenge can be answered once, before it expires.
"""

from __future__ import annotations

import base64
import secrets
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

GRID = 9
KNOWN_PER_CHALLENGE = 6  # random guessing passes with probability <= 2**-6
UNKNOWN_PER_CHALLENGE = GRID - KNOWN_PER_CHALLENGE
CONSENSUS_MIN_VOTES = 3
CONSENSUS_MIN_AGREEMENT = 0.8
DEFAULT_TARGET = 3


@dataclass(frozen=True)
class Pool:
    """Images (n, 8, 8) in 0..16 with their item ids; labels only for the known part."""

    images: np.ndarray
    item_ids: list[str]
    known: dict[int, int]  # index -> label, the control panels
    unknown: list[int]  # indexes whose labels are collected


@lru_cache(maxsize=1)
def load_pool() -> Pool:
    """The digits pool: 1,200 known images, the remaining 597 to be labelled."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.asarray(digits.images, dtype=np.float64)
    n_known = 1200
    known = {i: int(digits.target[i]) for i in range(n_known)}
    unknown = list(range(n_known, len(images)))
    return Pool(images, [f"digits-{i:04d}" for i in range(len(images))], known, unknown)


def png_bytes(pixels: np.ndarray) -> bytes:
    """Encode a 2-D uint8 array as a grayscale PNG (no imaging library needed)."""
    height, width = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def render_panel(image: np.ndarray, rng: np.random.Generator, scale: int = 6) -> bytes:
    """Render one 8x8 image as a 64x64 PNG with a random offset and pixel noise."""
    ink = 255 - np.clip(image / 16.0 * 230.0, 0, 255)  # dark strokes on a light panel
    big = np.kron(ink, np.ones((scale, scale)))
    size = 64
    canvas = np.full((size, size), 250.0)
    top, left = rng.integers(0, size - big.shape[0] + 1, size=2)
    canvas[top : top + big.shape[0], left : left + big.shape[1]] = big
    canvas += rng.normal(0.0, 6.0, canvas.shape)
    return png_bytes(np.clip(canvas, 0, 255).astype(np.uint8))


@dataclass
class Panel:
    """One panel of a challenge as the server keeps it."""

    panel_id: str
    index: int
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
    votes: list[tuple[int, bool]]  # (pool index, selected) for unknown panels, on a pass


@dataclass
class ChallengeStore:
    """Outstanding challenges and pass tokens, in memory: both are single-use."""

    ttl_s: float = 120.0
    pass_ttl_s: float = 120.0
    max_outstanding: int = 50_000
    _challenges: dict[str, Challenge] = field(default_factory=dict)
    _passes: dict[str, tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, subject: str, target: int = DEFAULT_TARGET) -> tuple[Challenge, list[str]]:
        """Draw a new challenge; returns it and the panels' PNG data URIs in grid order."""
        pool = load_pool()
        rand = secrets.SystemRandom()
        rng = np.random.default_rng(secrets.randbits(64))
        positives = [i for i, label in pool.known.items() if label == target]
        negatives = [i for i, label in pool.known.items() if label != target]
        n_pos = rand.randint(2, 4)
        chosen = [(i, True) for i in rand.sample(positives, n_pos)]
        chosen += [(i, False) for i in rand.sample(negatives, KNOWN_PER_CHALLENGE - n_pos)]
        chosen += [(i, None) for i in rand.sample(pool.unknown, UNKNOWN_PER_CHALLENGE)]
        rand.shuffle(chosen)
        panels = [Panel(secrets.token_urlsafe(12), i, label) for i, label in chosen]
        challenge = Challenge(
            secrets.token_urlsafe(18), subject, target, panels, time.monotonic() + self.ttl_s
        )
        images = [
            "data:image/png;base64,"
            + base64.b64encode(render_panel(pool.images[p.index], rng)).decode()
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
        [(p.index, p.panel_id in selected) for p in challenge.panels if p.known_label is None]
        if passed
        else []
    )
    return Outcome(passed, correct, len(known), votes)


CONSENSUS_SQL = f"""
WITH latest AS (
    SELECT item_id, target, subject, selected, server_ts
    FROM label_votes
    QUALIFY row_number() OVER (
        PARTITION BY item_id, target, subject ORDER BY server_ts DESC) = 1
), tally AS (
    SELECT item_id, target, count(*) AS votes,
           sum(CASE WHEN selected THEN 1 ELSE 0 END) AS yes,
           max(server_ts) AS labelled_ts
    FROM latest GROUP BY item_id, target
)
SELECT item_id, target, yes * 2 > votes AS is_target, votes,
       greatest(yes, votes - yes) / votes AS agreement, labelled_ts
FROM tally
WHERE votes >= {CONSENSUS_MIN_VOTES}
  AND greatest(yes, votes - yes) / votes >= {CONSENSUS_MIN_AGREEMENT}
ORDER BY item_id, target
"""
