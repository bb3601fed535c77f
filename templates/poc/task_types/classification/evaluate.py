"""Score the model and its trivial baseline on held-out data.

Every metric appears twice: `<name>` for the model and `baseline_<name>` for the
trivial baseline (always predict the most frequent class), so the lift is visible.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

from . import data, model

PRIMARY_METRIC = "f1_macro"
HIGHER_IS_BETTER = True


def scores(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Return macro F1, accuracy and balanced accuracy of one set of predictions."""
    return {
        "f1_macro": float(f1_score(actual, predicted, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(actual, predicted)),
        "balanced_accuracy": float(balanced_accuracy_score(actual, predicted)),
    }


def evaluate(fitted: model.Model, test: pd.DataFrame) -> dict[str, float]:
    """Return the model's and the baseline's scores on `test`."""
    actual = test[data.TARGET].to_numpy()
    ours = scores(actual, model.predict(fitted, test))
    trivial = scores(actual, fitted.baseline.predict(test[fitted.columns]))
    return {
        **ours,
        **{f"baseline_{name}": value for name, value in trivial.items()},
        "n_test": float(len(test)),
    }
