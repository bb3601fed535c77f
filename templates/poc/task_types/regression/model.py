"""Train the model and its trivial baseline, save and load them, predict records."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import Pipeline, make_pipeline

from . import artifacts, data, features


@dataclass
class Model:
    """A fitted model with the trivial baseline it has to beat."""

    estimator: Pipeline
    baseline: DummyRegressor
    columns: list[str]


def train(train: pd.DataFrame, seed: int = 0) -> Model:
    """Fit a ridge regression and a mean-predicting baseline on the training frame.

    Ridge regression is deterministic, so `seed` is unused; it is kept so every task
    type trains with the same call.
    """
    del seed
    inputs = features.feature_matrix(train)
    target = train[data.TARGET]
    estimator = make_pipeline(features.preprocessor(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
    estimator.fit(inputs, target)
    baseline = DummyRegressor(strategy="mean").fit(inputs, target)
    return Model(estimator=estimator, baseline=baseline, columns=list(inputs.columns))


def predict(fitted: Model, frame: pd.DataFrame) -> np.ndarray:
    """Predict the target for every row of `frame`."""
    return fitted.estimator.predict(frame[fitted.columns])


def predict_records(fitted: Model, records: list[dict[str, Any]]) -> list[float]:
    """Predict for feature rows given as dicts (e.g. a JSON request body)."""
    frame = pd.DataFrame.from_records(records, columns=fitted.columns)
    return [float(value) for value in predict(fitted, frame)]


def save(fitted: Model, path: str | Path) -> Path:
    """Pickle the fitted model to `path` (parent folders are created)."""
    return artifacts.save_pickle(fitted, path)


def load(path: str | Path) -> Model:
    """Load a model saved by `save` (only load files you trust: this is pickle)."""
    return artifacts.load_pickle(path, Model)
