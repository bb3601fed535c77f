"""Turn data frames into model inputs."""

import pandas as pd

from . import data


def feature_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the model's input columns, in a fixed order."""
    return frame[data.feature_columns(frame)]


def queries(frame: pd.DataFrame) -> dict[object, pd.DataFrame]:
    """Group the rows of `frame` by query: a ranking is judged one query at a time."""
    return {query: rows for query, rows in frame.groupby(data.QUERY, sort=True)}
