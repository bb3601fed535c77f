"""What a simulated visitor asks and likes (recommendation).

Each request is a session of a user drawn at random (independent draws keep the round's
like-rate an honest binomial count): the visitor asks for that user's recommendations and
likes the list when its first item is one of the user's ``FAVOURITES`` best-liked items
(by their hidden affinity, ``data.affinity``) among the items not in their seed history,
and dislikes it otherwise. What the visitor likes does not change with what the model
learns: an item the user already had before it was recommended may still be a favourite
(they interacted with it because they like it). Used by ``feedback simulate`` only.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

import numpy as np

from .. import data
from .items import Pool
from .pool import cold_start

#: How many items each simulated user counts as favourites (of ``data.N_ITEMS``).
FAVOURITES = 5


@lru_cache(maxsize=1)
def favourites() -> dict[int, frozenset[int]]:
    """user -> the ``FAVOURITES`` items they like best, leaving out their seed items."""
    seed, _ = cold_start()
    history = seed.groupby(data.USER)[data.ITEM].agg(set)
    affinity = data.affinity()
    chosen = {}
    for user in range(data.N_USERS):
        held = history.get(user, set())
        ranked = (int(item) for item in np.argsort(-affinity[user], kind="stable"))
        chosen[user] = frozenset([item for item in ranked if item not in held][:FAVOURITES])
    return chosen


def request(pool: Pool, visitor: int, rng: random.Random) -> tuple[dict[str, Any], int]:
    """Recommendations for a user drawn at random: ``{"user_id": user}``."""
    del pool, visitor
    user = rng.randrange(data.N_USERS)
    return {data.USER: user}, user


def would_like(pool: Pool, user: int, prediction: Any) -> bool | None:
    """True when the first recommended item is one of the user's favourites."""
    del pool
    if not prediction:
        return False
    return int(prediction[0]) in favourites().get(user, frozenset())
