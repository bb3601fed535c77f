"""What a simulated visitor asks and likes (recommendation).

Each request is a session of a user drawn at random (independent draws keep the round's
like-rate an honest binomial count): the visitor asks for that user's recommendations and
likes the list when its first item is one the user would pick (a pool pair whose held-back
answer is "interacted"), as a like is read as a positive interaction with the first item.
Used by ``feedback simulate`` only.
"""

from __future__ import annotations

import random
from typing import Any

from .. import data
from .items import Pool
from .pool import pair_id


def request(pool: Pool, visitor: int, rng: random.Random) -> tuple[dict[str, Any], int]:
    """Recommendations for a user drawn at random: ``{"user_id": user}``."""
    del pool, visitor
    user = rng.randrange(data.N_USERS)
    return {data.USER: user}, user


def would_like(pool: Pool, user: int, prediction: Any) -> bool | None:
    """True when the first recommended item is one the user would pick."""
    if not prediction:
        return False
    return pool.truth.get(pair_id(user, int(prediction[0])), -1) == user
