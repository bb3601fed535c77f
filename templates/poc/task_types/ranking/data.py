"""Load, split and describe the data (ranking: search results with graded relevance).

No real ranking data set ships inside a Python package, so the sample is *generated*,
deterministically (seed `SAMPLE_SEED`): `N_QUERIES` search queries with
`DOCS_PER_QUERY` candidate documents each, six features per query-document pair, and a
relevance grade from 0 (irrelevant) to 4 (perfect) that depends on some features (and
noise), not on others. Replace `load_sample` with a loader for your own judged results.
"""

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

QUERY = "query_id"
DOCUMENT = "doc_id"
TARGET = "relevance"
SAMPLE_SEED = 0
N_QUERIES = 200
DOCS_PER_QUERY = 20
FEATURES = ("text_match", "title_match", "freshness", "popularity", "price_gap", "noise")
_WEIGHTS = np.array([1.5, 0.8, 0.5, 0.6, -0.7, 0.0])


def load_sample() -> pd.DataFrame:
    """Return the generated sample: one row per (query, document) with its relevance."""
    rng = np.random.default_rng(SAMPLE_SEED)
    rows = N_QUERIES * DOCS_PER_QUERY
    values = rng.normal(size=(rows, len(FEATURES)))
    signal = values @ _WEIGHTS + 0.5 * values[:, 0] * values[:, 1]
    signal += rng.normal(scale=1.5, size=rows)
    grades = np.digitize(signal, np.quantile(signal, [0.5, 0.75, 0.9, 0.97]))
    frame = pd.DataFrame(values.round(4), columns=list(FEATURES))
    frame.insert(0, QUERY, np.repeat(np.arange(N_QUERIES), DOCS_PER_QUERY))
    frame.insert(1, DOCUMENT, np.tile(np.arange(DOCS_PER_QUERY), N_QUERIES))
    frame[TARGET] = grades
    return frame


def split(
    frame: pd.DataFrame, seed: int = 0, test_size: float = 0.25
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by query: all documents of a query land in the same part."""
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    train_rows, test_rows = next(splitter.split(frame, groups=frame[QUERY]))
    return frame.iloc[train_rows], frame.iloc[test_rows]


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Return the input columns a prediction request carries (the pair's features)."""
    return [column for column in frame.columns if column not in (QUERY, DOCUMENT, TARGET)]
