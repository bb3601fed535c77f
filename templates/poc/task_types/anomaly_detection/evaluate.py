"""Score the detector and a trivial baseline on held-out data.

Every metric appears twice: `<name>` for the model and `baseline_<name>` for the
trivial baseline (the same score for every row), so the lift is visible. Average
precision is the primary metric: with rare anomalies it shows how many of the flagged
rows are real; the baseline's average precision is the share of anomalies.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score

from . import data, model

PRIMARY_METRIC = "average_precision"
HIGHER_IS_BETTER = True


def scores(actual: np.ndarray, anomaly_score: np.ndarray, threshold: float) -> dict[str, float]:
    """Return ranking quality (average precision, ROC AUC) and flag quality at `threshold`."""
    flagged = anomaly_score > threshold
    return {
        "average_precision": float(average_precision_score(actual, anomaly_score)),
        "roc_auc": float(roc_auc_score(actual, anomaly_score)),
        "precision": float(precision_score(actual, flagged, zero_division=0)),
        "recall": float(recall_score(actual, flagged, zero_division=0)),
    }


def evaluate(fitted: model.Model, test: pd.DataFrame) -> dict[str, float]:
    """Return the model's and the baseline's scores on `test`."""
    actual = test[data.LABEL].to_numpy()
    ours = scores(actual, model.score(fitted, test), fitted.threshold)
    # The baseline scores every row alike and so flags every row.
    trivial = scores(actual, np.zeros(len(test)), -1.0)
    return {
        **ours,
        **{f"baseline_{name}": value for name, value in trivial.items()},
        "n_test": float(len(test)),
        "anomaly_rate": float(actual.mean()),
    }
