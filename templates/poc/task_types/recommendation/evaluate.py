"""Score the recommender and its popularity baseline on held-out interactions.

Every metric appears twice: `<name>` for the model and `baseline_<name>` for the
trivial baseline (most popular items), so the lift is visible. For each test user:
hit rate@k is 1 when any held-out item is among the top k; recall@k is the share of
held-out items found there.
"""

from collections.abc import Callable

import numpy as np
import pandas as pd

from . import data, model

PRIMARY_METRIC = f"hit_rate_at_{model.TOP_K}"
HIGHER_IS_BETTER = True

Recommender = Callable[[model.Model, int, int], list[int]]


def hit_rate_and_recall(
    fitted: model.Model, test: pd.DataFrame, recommender: Recommender, k: int
) -> tuple[float, float]:
    """Return the mean hit rate@k and recall@k of `recommender` over the test users."""
    hits, recalls = [], []
    for user, rows in test.groupby(data.USER):
        held_out = set(rows[data.ITEM])
        found = held_out.intersection(recommender(fitted, int(user), k))
        hits.append(1.0 if found else 0.0)
        recalls.append(len(found) / len(held_out))
    return float(np.mean(hits)), float(np.mean(recalls))


def evaluate(fitted: model.Model, test: pd.DataFrame) -> dict[str, float]:
    """Return the model's and the baseline's hit rate and recall at `model.TOP_K`."""
    k = model.TOP_K
    ours = hit_rate_and_recall(fitted, test, model.recommend, k)
    trivial = hit_rate_and_recall(fitted, test, model.recommend_popular, k)
    return {
        f"hit_rate_at_{k}": ours[0],
        f"recall_at_{k}": ours[1],
        f"baseline_hit_rate_at_{k}": trivial[0],
        f"baseline_recall_at_{k}": trivial[1],
        "n_test_users": float(test[data.USER].nunique()),
    }
