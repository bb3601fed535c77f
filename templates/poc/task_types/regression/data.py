"""Load, split and describe the data (regression: diabetes progression).

The sample is scikit-learn's bundled diabetes data set (442 patients, 10 baseline
measurements, disease progression one year later). It ships inside scikit-learn, so
nothing is downloaded. Replace `load_sample` with a loader for your own data.
"""

import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

TARGET = "progression"


def load_sample() -> pd.DataFrame:
    """Return the bundled sample: one row per patient, the target in `TARGET`."""
    bunch = load_diabetes(as_frame=True)
    return bunch.frame.rename(columns={"target": TARGET})


def split(
    frame: pd.DataFrame, seed: int = 0, test_size: float = 0.25
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows at random into a training and a held-out test frame."""
    train, test = train_test_split(frame, test_size=test_size, random_state=seed)
    return train, test


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Return the input columns a prediction request carries (all but the target)."""
    return [column for column in frame.columns if column != TARGET]
