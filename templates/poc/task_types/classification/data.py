"""Load, split and describe the data (classification: wine cultivars).

The sample is scikit-learn's bundled wine data set (178 wines, 13 chemical
measurements, 3 cultivars). It ships inside scikit-learn, so nothing is downloaded.
Replace `load_sample` with a loader for your own data.
"""

import pandas as pd
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split

TARGET = "cultivar"


def load_sample() -> pd.DataFrame:
    """Return the bundled sample: one row per wine, the class label in `TARGET`."""
    bunch = load_wine(as_frame=True)
    frame = bunch.frame.rename(columns=lambda name: name.replace("/", "_"))
    labels = [str(name) for name in bunch.target_names]
    frame[TARGET] = [labels[code] for code in frame.pop("target")]
    return frame


def split(
    frame: pd.DataFrame, seed: int = 0, test_size: float = 0.25
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows at random, keeping the class balance the same in both parts."""
    train, test = train_test_split(
        frame, test_size=test_size, random_state=seed, stratify=frame[TARGET]
    )
    return train, test


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Return the input columns a prediction request carries (all but the target)."""
    return [column for column in frame.columns if column != TARGET]
