"""Train the ranker, save and load it, score records.

The ranker learns the relevance grade of each (query, document) pair and orders a
query's documents by that score (pointwise learning to rank). The trivial baseline
needs no fitting: it scores every document alike, i.e. a random order.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor

from . import artifacts, data, features


@dataclass
class Model:
    """A fitted ranker."""

    estimator: GradientBoostingRegressor
    columns: list[str]


def train(train: pd.DataFrame, seed: int = 0) -> Model:
    """Fit gradient-boosted trees to the relevance grades of the training pairs."""
    inputs = features.feature_matrix(train)
    estimator = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=seed)
    estimator.fit(inputs, train[data.TARGET])
    return Model(estimator=estimator, columns=list(inputs.columns))


def score(fitted: Model, frame: pd.DataFrame) -> np.ndarray:
    """Return a ranking score for every row: within a query, higher ranks first."""
    return fitted.estimator.predict(frame[fitted.columns])


def predict_records(fitted: Model, records: list[dict[str, Any]]) -> list[float]:
    """Score candidate documents given as dicts of features; sort by score to rank them."""
    frame = pd.DataFrame.from_records(records, columns=fitted.columns)
    return [float(value) for value in score(fitted, frame)]


def save(fitted: Model, path: str | Path) -> Path:
    """Pickle the fitted model to `path` (parent folders are created)."""
    return artifacts.save_pickle(fitted, path)


def load(path: str | Path) -> Model:
    """Load a model saved by `save` (only load files you trust: this is pickle)."""
    return artifacts.load_pickle(path, Model)
