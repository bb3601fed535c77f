"""What a pool of items is, and how one item is drawn as a challenge panel (Pillow).

A :class:`Pool` is task-independent: the task-specific module ``pool.py`` builds it from
the project's own sample data (a labelled *seed* set and unlabelled *pool* items: a cold
start). ``label_votes.target`` holds a target's index in :attr:`Pool.targets`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PANEL_PX = 96


@dataclass(frozen=True)
class Pool:
    """The items a challenge shows, by target.

    Attributes:
        targets: Label values a challenge asks about; ``label_votes.target`` is the index.
        prompts: The question shown for each target, same order as ``targets``.
        known: target index -> (seed items that have it, seed items that do not): the
            control panels that grade an answer.
        unknown: target index -> pool items a challenge may ask about (labels unknown to
            the system: what the challenge collects).
        display: item id -> the numbers drawn on its panel (z-scores against the seed set).
        captions: item id -> a short text drawn on its panel ("" for none).
        truth: pool item id -> the index of the target that is true for it, -1 for none.
            Held back: only the simulated visitors of ``feedback simulate`` read it; no
            training code does (training reads the curated labels table).
        rotation: How many targets challenges ask about at a time; 0 for any askable
            target. With a rotation, challenges stay on a few targets, and on a batch of
            ``batch`` of their pool items until each was shown ``shows_per_item`` times:
            votes gather on few items, so they reach a consensus even when the pool is
            much larger than the votes (recommendation: 300 users x 22 pairs).
        shows_per_item: See ``rotation``.
        batch: See ``rotation``.
    """

    targets: tuple[Any, ...]
    prompts: tuple[str, ...]
    known: dict[int, tuple[list[str], list[str]]]
    unknown: dict[int, list[str]]
    display: dict[str, tuple[float, ...]]
    captions: dict[str, str]
    truth: dict[str, int]
    rotation: int = 0
    shows_per_item: int = 4
    batch: int = 3

    def askable(self, known_per_challenge: int, unknown_per_challenge: int) -> list[int]:
        """Targets a challenge can ask about: 2+ positive and enough negative control
        panels (a challenge shows 2-4 positives), and enough pool items."""
        return [
            target
            for target, (positive, negative) in self.known.items()
            if len(positive) >= 2
            and len(negative) >= known_per_challenge - min(4, len(positive))
            and len(self.unknown.get(target, [])) >= unknown_per_challenge
        ]

    def answer(self, item_id: str, target: int) -> bool:
        """The true answer for a pool item (simulated visitors only; raises KeyError)."""
        return self.truth[item_id] == target


def render_panel(pool: Pool, item_id: str, rng: np.random.Generator) -> bytes:
    """Draw one item as a ``PANEL_PX``-square PNG: its profile as bars, and its caption.

    Each bar is one number of ``pool.display[item_id]`` (a z-score, clipped to +-3): up
    from the middle line when above the seed set's mean. Every impression is drawn with a
    random offset and pixel noise, so no two impressions have the same bytes (no image
    checksum can be turned into an image-to-label table).
    """
    image = Image.new("L", (PANEL_PX, PANEL_PX), 250)
    draw = ImageDraw.Draw(image)
    dx, dy = (int(v) for v in rng.integers(-4, 5, size=2))
    values = np.clip(np.asarray(pool.display.get(item_id, ()), dtype=float), -3.0, 3.0)
    caption = pool.captions.get(item_id, "")
    middle = PANEL_PX // 2 + dy + (8 if caption else 0)
    if len(values):
        width = (PANEL_PX - 16) / len(values)
        for i, value in enumerate(values):
            left = 8 + dx + i * width
            top, bottom = sorted((middle, middle - value * 12))
            draw.rectangle((left, top, left + max(1.0, width - 2), bottom), fill=60)
        draw.line((6 + dx, middle, PANEL_PX - 6 + dx, middle), fill=150)
    if caption:
        font = ImageFont.load_default(size=14)
        draw.text((8 + dx, 6 + dy), caption, fill=20, font=font)
    pixels = np.asarray(image, dtype=float) + rng.normal(0.0, 6.0, (PANEL_PX, PANEL_PX))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def zscores(frame: Any, reference: Any) -> dict[str, tuple[float, ...]]:
    """Each row of ``frame`` (indexed by item id) as z-scores against ``reference``'s columns."""
    mean, std = reference.mean(), reference.std(ddof=0).replace(0, 1.0)
    scaled = ((frame - mean) / std).round(3)
    return {str(item): tuple(float(v) for v in row) for item, row in scaled.iterrows()}


def row_pool(
    seed: Any,
    seed_truth: Any,
    pool: Any,
    pool_truth: Any,
    targets: tuple[Any, ...],
    prompts: tuple[str, ...],
) -> Pool:
    """A pool whose items are rows, each with one true target (every task but recommendation).

    Args:
        seed: Feature frame of the seed set, indexed by item id (numeric columns).
        seed_truth: The seed items' target indexes (a Series on the same index).
        pool: Feature frame of the pool items, indexed by item id.
        pool_truth: The pool items' held-back target indexes.
        targets: Label values, by target index.
        prompts: The question for each target.
    """
    known = {
        target: (
            list(seed_truth.index[seed_truth == target]),
            list(seed_truth.index[seed_truth != target]),
        )
        for target in range(len(targets))
    }
    unknown = {target: list(pool.index) for target in range(len(targets))}
    display = zscores(seed, seed) | zscores(pool, seed)
    truth = {str(item): int(value) for item, value in pool_truth.items()}
    return Pool(targets, prompts, known, unknown, display, {}, truth)
