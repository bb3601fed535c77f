"""What a simulated visitor asks and likes (ranking).

A visitor asks for the score of a search result of the pool and likes it when the result
is relevant (true grade at least ``pool.LIKED_GRADE``, the pool's held-back truth) and
the model scores it above the middle of the grade scale, or irrelevant and scored below:
a like says the score put the result where it belongs. Used by ``feedback simulate`` only.
"""

from __future__ import annotations

import json
import random
from typing import Any

from .items import Pool


def _requests() -> list[tuple[str, dict[str, Any]]]:
    """(item id, request features) of every pool item, in a fixed order."""
    from .. import data
    from .pool import pool_items

    items = pool_items()
    columns = data.feature_columns(data.load_sample())
    records = json.loads(items[columns].to_json(orient="records"))
    return list(zip(items.index.astype(str), records, strict=True))


_REQUESTS: list[tuple[str, dict[str, Any]]] = []


def request(pool: Pool, visitor: int, rng: random.Random) -> tuple[dict[str, Any], str]:
    """The features a visitor asks a prediction for, and the pool item they belong to."""
    del pool, visitor
    if not _REQUESTS:
        _REQUESTS.extend(_requests())
    item, features = rng.choice(_REQUESTS)
    return features, item


def would_like(pool: Pool, item: str, prediction: Any) -> bool | None:
    """True when relevance and score agree (both high or both low)."""
    from .pool import LIKED_GRADE

    relevant = pool.targets[pool.truth[item]] >= LIKED_GRADE
    middle = (min(pool.targets) + max(pool.targets)) / 2
    return relevant == (float(prediction) >= middle)
