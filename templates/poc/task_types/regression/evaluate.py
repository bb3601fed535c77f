"""Score the model and its trivial baseline on held-out data.

Every metric appears twice: `<name>` for the model and `baseline_<name>` for the
trivial baseline (always predict the training mean), so the lift is visible.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

from . import data, model

PRIMARY_METRIC = "rmse"
HIGHER_IS_BETTER = False


def scores(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Return RMSE, MAE and R² of one set of predictions."""
    return {
        "rmse": float(root_mean_squared_error(actual, predicted)),
        "mae": float(mean_absolute_error(actual, predicted)),
        "r2": float(r2_score(actual, predicted)),
    }


def evaluate(fitted: model.Model, test: pd.DataFrame) -> dict[str, float]:
    """Return the model's and the baseline's scores on `test`."""
    actual = test[data.TARGET].to_numpy()
    inputs = test[fitted.columns]
    ours = scores(actual, model.predict(fitted, test))
    trivial = scores(actual, fitted.baseline.predict(inputs))
    return {
        **ours,
        **{f"baseline_{name}": value for name, value in trivial.items()},
        "n_test": float(len(test)),
    }
