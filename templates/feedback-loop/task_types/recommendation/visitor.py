"""What a simulated visitor asks and likes (recommendation).

Visitor *v* is user ``v mod N_USERS``: they ask for their recommendations and like the
list when its first item is one they would pick (a pool pair whose held-back answer is
"interacted"), as a like is read as a positive interaction with the first item. Used by
``feedback simulate`` only.
"""

from __future__ import annotations

import random
from typing import Any

from .. import data
from .items import Pool
from .pool import pair_id


def request(pool: Pool, visitor: int, rng: random.Random) -> tuple[dict[str, Any], int]:
    """The visitor's own recommendations: ``{"user_id": user}``."""
    del pool, rng
    user = visitor % data.N_USERS
    return {data.USER: user}, user


def would_like(pool: Pool, user: int, prediction: Any) -> bool | None:
    """True when the first recommended item is one the user would pick."""
    if not prediction:
        return False
    return pool.truth.get(pair_id(user, int(prediction[0])), -1) == user
