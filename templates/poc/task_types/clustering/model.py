"""Train the model and its trivial baseline, save and load them, predict records."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.pipeline import Pipeline, make_pipeline

from . import artifacts, features

N_CLUSTERS = 3


@dataclass
class Model:
    """A fitted clustering with the seed of the trivial baseline (random assignment)."""

    estimator: Pipeline
    seed: int
    columns: list[str]


def train(train: pd.DataFrame, seed: int = 0) -> Model:
    """Find `N_CLUSTERS` clusters with k-means on scaled features."""
    inputs = features.feature_matrix(train)
    estimator = make_pipeline(
        features.preprocessor(), KMeans(n_clusters=N_CLUSTERS, n_init=10, random_state=seed)
    )
    estimator.fit(inputs)
    return Model(estimator=estimator, seed=seed, columns=list(inputs.columns))


def predict(fitted: Model, frame: pd.DataFrame) -> np.ndarray:
    """Assign every row of `frame` to its nearest cluster."""
    return fitted.estimator.predict(frame[fitted.columns])


def predict_baseline(fitted: Model, frame: pd.DataFrame) -> np.ndarray:
    """Assign every row to a random cluster: what any clustering has to beat."""
    return np.random.default_rng(fitted.seed).integers(0, N_CLUSTERS, size=len(frame))


def predict_records(fitted: Model, records: list[dict[str, Any]]) -> list[int]:
    """Return the cluster of feature rows given as dicts (e.g. a JSON request body)."""
    frame = pd.DataFrame.from_records(records, columns=fitted.columns)
    return [int(cluster) for cluster in predict(fitted, frame)]


def save(fitted: Model, path: str | Path) -> Path:
    """Pickle the fitted model to `path` (parent folders are created)."""
    return artifacts.save_pickle(fitted, path)


def load(path: str | Path) -> Model:
    """Load a model saved by `save` (only load files you trust: this is pickle)."""
    return artifacts.load_pickle(path, Model)
