"""Load, split and describe the data (recommendation: implicit feedback).

No real interaction log ships inside a Python package, so the sample is *generated*,
deterministically (seed `SAMPLE_SEED`): `N_USERS` users each interact with
`INTERACTIONS_PER_USER` of `N_ITEMS` items (views, clicks, purchases: implicit feedback,
no ratings). Users have hidden tastes and items have a popularity, so both a
personalised model and a popularity list can find signal. Replace `load_sample` with a
loader for your own interaction log.

`affinity` returns those hidden tastes (how much each user likes each item). No model
reads it: it is the ground truth a simulation of users may judge recommendations by.
"""

import numpy as np
import pandas as pd

USER = "user_id"
ITEM = "item_id"
TIME = "timestamp"
SAMPLE_SEED = 0
N_USERS = 300
N_ITEMS = 120
INTERACTIONS_PER_USER = 20
_N_TASTES = 4


def _affinity(rng: np.random.Generator) -> np.ndarray:
    tastes = rng.normal(size=(N_USERS, _N_TASTES))
    profiles = rng.normal(size=(N_ITEMS, _N_TASTES))
    popularity = rng.normal(scale=1.0, size=N_ITEMS)
    return 1.5 * tastes @ profiles.T + popularity


def affinity() -> np.ndarray:
    """Return the hidden affinity of every user for every item (`N_USERS` x `N_ITEMS`).

    Higher is liked better: 1.5 x (user tastes . item profile) + item popularity, the
    log-weights `load_sample` draws each user's interactions with. Ground truth for
    simulations only: training must never read it.
    """
    return _affinity(np.random.default_rng(SAMPLE_SEED))


def load_sample() -> pd.DataFrame:
    """Return the generated sample: one row per (user, item) interaction, in time order."""
    rng = np.random.default_rng(SAMPLE_SEED)
    affinity = _affinity(rng)
    rows = []
    for user in range(N_USERS):
        weights = np.exp(affinity[user] - affinity[user].max())
        items = rng.choice(N_ITEMS, INTERACTIONS_PER_USER, replace=False, p=weights / weights.sum())
        rows.extend((user, int(item), step) for step, item in enumerate(items))
    frame = pd.DataFrame(rows, columns=[USER, ITEM, TIME])
    frame[TIME] = frame[TIME] + frame[USER] * INTERACTIONS_PER_USER
    return frame


def split(
    frame: pd.DataFrame, seed: int = 0, test_size: float = 0.25
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split within each user: a user's latest interactions are held out for testing.

    The split is by time, so it is the same for every `seed` (kept so every task type
    splits with the same call). Every user keeps at least one interaction for training.
    """
    del seed
    ordered = frame.sort_values([USER, TIME])
    position = ordered.groupby(USER).cumcount()
    size = ordered.groupby(USER)[ITEM].transform("size")
    held_out = position >= np.maximum(1, np.ceil(size * (1 - test_size)))
    return ordered[~held_out], ordered[held_out]


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Return the input columns a recommendation request carries (just the user)."""
    del frame
    return [USER]
