"""Train the recommender and its popularity baseline, save and load them, recommend.

The model is item-based collaborative filtering: an item is recommended when it is
similar (shared by the same users) to items the user already has. The trivial baseline
recommends the most popular items the user does not have yet. Neither recommends an item
the user said they are not interested in (rows marked in the `NOT_INTERESTED` column of
the training frame, when it has one).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import artifacts, data, features

TOP_K = 10
#: Optional boolean column of a training frame: True marks a (user, item) the user is not
#: interested in (e.g. a dismissed recommendation). Not an interaction: the item is only
#: never recommended to that user again.
NOT_INTERESTED = "not_interested"


@dataclass
class Model:
    """Item similarities, each user's known items, item popularity, dismissed items."""

    similarity: np.ndarray
    seen: np.ndarray
    popularity: np.ndarray
    # users x items, 1 where the user is not interested (None in models saved before it)
    dismissed: np.ndarray | None = None


def train(train: pd.DataFrame, seed: int = 0) -> Model:
    """Compute item similarities and popularity from the training interactions.

    Rows marked in the `NOT_INTERESTED` column (when present) are not interactions: they
    only keep those items out of that user's recommendations. Both are deterministic, so
    `seed` is unused; it is kept so every task type trains with the same call.
    """
    del seed
    marked = (
        train[NOT_INTERESTED].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if NOT_INTERESTED in train.columns
        else np.zeros(len(train), dtype=bool)
    )
    seen = features.interaction_matrix(train[~marked])
    return Model(
        similarity=features.item_similarity(seen),
        seen=seen,
        popularity=seen.sum(axis=0),
        dismissed=features.interaction_matrix(train[marked]),
    )


def _top(scores: np.ndarray, excluded: np.ndarray, k: int) -> list[int]:
    ranked = np.argsort(-np.where(excluded > 0, -np.inf, scores), kind="stable")
    return [int(item) for item in ranked[:k]]


def _known_items(fitted: Model, user: int) -> np.ndarray:
    if 0 <= user < len(fitted.seen):
        return fitted.seen[user]
    return np.zeros(fitted.seen.shape[1])


def _excluded(fitted: Model, user: int) -> np.ndarray:
    """Items never to recommend to `user`: those they have, and those they dismissed."""
    known = _known_items(fitted, user)
    if fitted.dismissed is None or not 0 <= user < len(fitted.dismissed):
        return known
    return known + fitted.dismissed[user]


def recommend(fitted: Model, user: int, k: int = TOP_K) -> list[int]:
    """Return `k` items for `user` that the user does not have yet, best first.

    Users without history (cold start) get the most popular items. Items the user is not
    interested in are never returned.
    """
    known = _known_items(fitted, user)
    if not known.any():
        return recommend_popular(fitted, user, k)
    scores = known @ fitted.similarity + 1e-9 * fitted.popularity
    return _top(scores, _excluded(fitted, user), k)


def recommend_popular(fitted: Model, user: int, k: int = TOP_K) -> list[int]:
    """Return the `k` most popular items `user` does not have yet (the trivial baseline)."""
    return _top(fitted.popularity.astype(float), _excluded(fitted, user), k)


def predict_records(fitted: Model, records: list[dict[str, Any]]) -> list[list[int]]:
    """Return the top `TOP_K` item ids for each request, e.g. ``{"user_id": 3}``."""
    return [recommend(fitted, int(record[data.USER])) for record in records]


def save(fitted: Model, path: str | Path) -> Path:
    """Pickle the fitted model to `path` (parent folders are created)."""
    return artifacts.save_pickle(fitted, path)


def load(path: str | Path) -> Model:
    """Load a model saved by `save` (only load files you trust: this is pickle)."""
    return artifacts.load_pickle(path, Model)
