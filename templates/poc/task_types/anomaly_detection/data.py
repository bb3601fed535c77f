"""Load, split and describe the data (anomaly detection: rare malignant tumours).

The sample is built from scikit-learn's bundled breast cancer data set (30 cell-nucleus
measurements per tumour): every benign tumour and a fixed random handful of the
malignant ones (seed `SAMPLE_SEED`), so about 5 % of the rows are anomalies, as in real
anomaly detection. It ships inside scikit-learn, so nothing is downloaded. Replace
`load_sample` with a loader for your own data.
"""

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

LABEL = "is_anomaly"
SAMPLE_SEED = 0
N_ANOMALIES = 19


def load_sample() -> pd.DataFrame:
    """Return the sample: one row per tumour, `LABEL` true for the rare anomalies.

    The label is only used to judge the detector; training never sees it.
    """
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns=lambda name: name.replace(" ", "_"))
    # In this data set target 0 is malignant.
    frame[LABEL] = frame.pop("target") == 0
    anomalies = frame.index[frame[LABEL]].to_numpy()
    kept = np.random.default_rng(SAMPLE_SEED).choice(anomalies, N_ANOMALIES, replace=False)
    chosen = ~frame[LABEL] | frame.index.isin(kept)
    return frame[chosen].reset_index(drop=True)


def split(
    frame: pd.DataFrame, seed: int = 0, test_size: float = 0.25
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows at random, keeping the share of anomalies the same in both parts."""
    train, test = train_test_split(
        frame, test_size=test_size, random_state=seed, stratify=frame[LABEL]
    )
    return train, test


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Return the input columns a prediction request carries (all but the label)."""
    return [column for column in frame.columns if column != LABEL]
