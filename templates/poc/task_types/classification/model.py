"""Train the model and its trivial baseline, save and load them, predict records."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from . import artifacts, data, features


@dataclass
class Model:
    """A fitted model with the trivial baseline it has to beat."""

    estimator: Pipeline
    baseline: DummyClassifier
    columns: list[str]


def train(train: pd.DataFrame, seed: int = 0) -> Model:
    """Fit a logistic regression and a majority-class baseline on the training frame."""
    inputs = features.feature_matrix(train)
    target = train[data.TARGET]
    estimator = make_pipeline(
        features.preprocessor(), LogisticRegression(max_iter=1000, random_state=seed)
    )
    estimator.fit(inputs, target)
    baseline = DummyClassifier(strategy="most_frequent").fit(inputs, target)
    return Model(estimator=estimator, baseline=baseline, columns=list(inputs.columns))


def predict(fitted: Model, frame: pd.DataFrame) -> np.ndarray:
    """Predict the class of every row of `frame`."""
    return fitted.estimator.predict(frame[fitted.columns])


def predict_records(fitted: Model, records: list[dict[str, Any]]) -> list[str]:
    """Predict for feature rows given as dicts (e.g. a JSON request body)."""
    frame = pd.DataFrame.from_records(records, columns=fitted.columns)
    return [str(label) for label in predict(fitted, frame)]


def save(fitted: Model, path: str | Path) -> Path:
    """Pickle the fitted model to `path` (parent folders are created)."""
    return artifacts.save_pickle(fitted, path)


def load(path: str | Path) -> Model:
    """Load a model saved by `save` (only load files you trust: this is pickle)."""
    return artifacts.load_pickle(path, Model)
