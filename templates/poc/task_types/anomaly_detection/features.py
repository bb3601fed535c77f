"""Turn data frames into model inputs."""

import pandas as pd
from sklearn.preprocessing import StandardScaler

from . import data


def feature_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the model's input columns, in a fixed order."""
    return frame[data.feature_columns(frame)]


def preprocessor() -> StandardScaler:
    """Scale every feature to zero mean and unit variance (so no feature dominates)."""
    return StandardScaler()
