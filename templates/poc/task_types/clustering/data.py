"""Load, split and describe the data (clustering: iris flowers).

The sample is scikit-learn's bundled iris data set (150 flowers, 4 measurements). The
known species is kept in `REFERENCE` only to judge the clusters afterwards; the model
never sees it. It ships inside scikit-learn, so nothing is downloaded. Replace
`load_sample` with a loader for your own data.
"""

import pandas as pd
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

REFERENCE = "species"


def load_sample() -> pd.DataFrame:
    """Return the bundled sample: one row per flower, the known species in `REFERENCE`."""
    bunch = load_iris(as_frame=True)
    frame = bunch.frame.rename(columns=lambda name: name.replace(" (cm)", "_cm").replace(" ", "_"))
    species = [str(name) for name in bunch.target_names]
    frame[REFERENCE] = [species[code] for code in frame.pop("target")]
    return frame


def split(
    frame: pd.DataFrame, seed: int = 0, test_size: float = 0.25
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows at random: clusters are found on one part and checked on the other."""
    train, test = train_test_split(frame, test_size=test_size, random_state=seed)
    return train, test


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Return the input columns a prediction request carries (all but the reference)."""
    return [column for column in frame.columns if column != REFERENCE]
