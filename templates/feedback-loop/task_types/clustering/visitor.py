"""What a simulated visitor asks and likes (clustering).

Cluster ids are arbitrary: a visitor cannot tell whether "cluster 2" is right, so the
simulated visitors ask for predictions but cast no vote on them (the like-rate stays
empty); their labels come from the challenge. Used by ``feedback simulate`` only.
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
    """None: no vote on a cluster id."""
    del pool, item, prediction
    return None
