"""Score the ranker and a trivial baseline on held-out queries.

Every metric appears twice: `<name>` for the model and `baseline_<name>` for the
trivial baseline (a random order: every document scored alike, ties averaged), so the
lift is visible. NDCG@k rewards putting the most relevant documents first.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import ndcg_score

from . import data, features, model

PRIMARY_METRIC = "ndcg_at_10"
HIGHER_IS_BETTER = True
CUTOFFS = (5, 10)


def mean_ndcg(frame: pd.DataFrame, scores: np.ndarray, k: int) -> float:
    """Average NDCG@k over the queries of `frame`, given one score per row."""
    by_row = pd.Series(scores, index=frame.index)
    values = [
        ndcg_score([rows[data.TARGET].to_numpy()], [by_row[rows.index].to_numpy()], k=k)
        for rows in features.queries(frame).values()
    ]
    return float(np.mean(values))


def evaluate(fitted: model.Model, test: pd.DataFrame) -> dict[str, float]:
    """Return the model's and the baseline's NDCG on `test`."""
    ours = model.score(fitted, test)
    trivial = np.zeros(len(test))
    metrics: dict[str, float] = {}
    for k in CUTOFFS:
        metrics[f"ndcg_at_{k}"] = mean_ndcg(test, ours, k)
        metrics[f"baseline_ndcg_at_{k}"] = mean_ndcg(test, trivial, k)
    metrics["n_test_queries"] = float(test[data.QUERY].nunique())
    return metrics
