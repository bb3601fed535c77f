"""Train the detector, save and load it, score records.

The trivial baseline needs no fitting: it gives every row the same score (it cannot
tell anomalies apart), which `evaluate` computes directly.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import Pipeline, make_pipeline

from . import artifacts, features

# The share of rows flagged as anomalies: what the team expects, and can investigate.
EXPECTED_ANOMALY_RATE = 0.05


@dataclass
class Model:
    """A fitted detector with the score above which a row is flagged."""

    estimator: Pipeline
    threshold: float
    columns: list[str]


def train(train: pd.DataFrame, seed: int = 0) -> Model:
    """Fit an isolation forest on the training rows (labels unused) and set the threshold."""
    inputs = features.feature_matrix(train)
    estimator = make_pipeline(
        features.preprocessor(), IsolationForest(n_estimators=200, random_state=seed)
    )
    estimator.fit(inputs)
    fitted = Model(estimator=estimator, threshold=0.0, columns=list(inputs.columns))
    fitted.threshold = float(np.quantile(score(fitted, train), 1 - EXPECTED_ANOMALY_RATE))
    return fitted


def score(fitted: Model, frame: pd.DataFrame) -> np.ndarray:
    """Return an anomaly score for every row of `frame`: higher is more unusual."""
    return -fitted.estimator.score_samples(frame[fitted.columns])


def predict_records(fitted: Model, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Score feature rows given as dicts and flag those above the threshold."""
    frame = pd.DataFrame.from_records(records, columns=fitted.columns)
    return [
        {"anomaly_score": float(value), "is_anomaly": bool(value > fitted.threshold)}
        for value in score(fitted, frame)
    ]


def save(fitted: Model, path: str | Path) -> Path:
    """Pickle the fitted model to `path` (parent folders are created)."""
    return artifacts.save_pickle(fitted, path)


def load(path: str | Path) -> Model:
    """Load a model saved by `save` (only load files you trust: this is pickle)."""
    return artifacts.load_pickle(path, Model)
