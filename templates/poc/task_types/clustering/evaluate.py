"""Score the clusters and a trivial baseline on held-out data.

Every metric appears twice: `<name>` for the model and `baseline_<name>` for the
trivial baseline (random assignment), so the lift is visible. The silhouette needs no
labels; the adjusted Rand index compares clusters with the known reference column.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, silhouette_score

from . import data, model

PRIMARY_METRIC = "silhouette"
HIGHER_IS_BETTER = True


def scores(scaled: np.ndarray, reference: pd.Series, clusters: np.ndarray) -> dict[str, float]:
    """Return the silhouette and the adjusted Rand index of one cluster assignment."""
    return {
        "silhouette": float(silhouette_score(scaled, clusters)),
        "adjusted_rand": float(adjusted_rand_score(reference, clusters)),
    }


def evaluate(fitted: model.Model, test: pd.DataFrame) -> dict[str, float]:
    """Return the model's and the baseline's scores on `test`."""
    scaled = fitted.estimator[:-1].transform(test[fitted.columns])
    reference = test[data.REFERENCE]
    ours = scores(scaled, reference, model.predict(fitted, test))
    trivial = scores(scaled, reference, model.predict_baseline(fitted, test))
    return {
        **ours,
        **{f"baseline_{name}": value for name, value in trivial.items()},
        "n_test": float(len(test)),
    }
