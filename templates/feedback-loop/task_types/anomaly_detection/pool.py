"""The project's own pool (anomaly detection): a small labelled seed set, the rest to label.

Cold start: of the default training split (``data.split(sample, seed=0)``), only
``SEED_PER_CLASS`` tumours of each kind (normal, anomaly) keep their label (the *seed
set*); the other training tumours form the *pool*. Visitors judge pool tumours in the
challenge ("Select every tumour that looks anomalous": seed tumours are the control
panels); a "no" consensus on a two-valued question is a label too. Feedback on an alert:
a dislike says "normal", a like "anomaly"; on a row not flagged, a like says "normal", a
dislike "a missed anomaly". The isolation forest does not read labels: labelled rows add
training rows, and confirmed labels let a team judge the detector. Training never reads the
pool's held-back labels (``Pool.truth``: only the simulated visitors read them).
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from .. import data
from .items import Pool, row_pool
from .messages import gettext as _

ITEM = "tumour"
SEED_PER_CLASS = {False: 90, True: 4}
POOL_SEED = 0
# Feedback on a prediction -> label (SQL over value, input_json, prediction_json; NULL: none):
# a like confirms the flag (alert or not), a dislike says the opposite.
LIKE_LABEL_SQL: str | None = (
    "CASE WHEN (json_extract_string(prediction_json, '$.is_anomaly') = 'true') = (value = 1) "
    "THEN 'true' ELSE 'false' END"
)
LIKE_HOLDS_SQL: str | None = "true"


def item_ids(frame: pd.DataFrame) -> list[str]:
    """The item id of each row of the sample (or of a part of it): ``tumour-<row>``."""
    return [f"{ITEM}-{index}" for index in frame.index]


@lru_cache(maxsize=1)
def cold_start() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(seed set, pool) of the default training split, indexed by item id.

    Both keep the sample's columns; the pool's ``data.LABEL`` is the held-back truth:
    only :func:`load_pool` (for ``Pool.truth``) reads it.
    """
    train, _ = data.split(data.load_sample(), seed=0)
    shuffled = train.sample(frac=1.0, random_state=POOL_SEED)
    chosen = [
        index
        for label, rows in shuffled.groupby(data.LABEL, sort=True)
        for index in rows.index[: SEED_PER_CLASS[bool(label)]]
    ]
    seed, pool = train[train.index.isin(chosen)], train[~train.index.isin(chosen)]
    return seed.set_axis(item_ids(seed)), pool.set_axis(item_ids(pool))


def is_seed(frame: pd.DataFrame) -> pd.Series:
    """True for the rows of ``frame`` (a part of the sample) that are in the seed set."""
    seed, _ = cold_start()
    return pd.Series([item in seed.index for item in item_ids(frame)], index=frame.index)


def pool_items() -> pd.DataFrame:
    """The pool's features only (no labels), indexed by item id: what training may join."""
    _, pool = cold_start()
    return pool.drop(columns=[data.LABEL])


@lru_cache(maxsize=1)
def load_pool() -> Pool:
    """The challenge's pool: two targets, normal (False) and anomaly (True)."""
    seed, pool = cold_start()
    targets = (False, True)
    index = {label: i for i, label in enumerate(targets)}
    columns = data.feature_columns(seed)
    return row_pool(
        seed[columns],
        seed[data.LABEL].map(index),
        pool[columns],
        pool[data.LABEL].map(index),
        targets,
        (_("Select every tumour that looks normal"), _("Select every tumour that looks anomalous")),
    )


def training_rows(labels: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """Rows in the sample's shape for the labels that hold (one label per item).

    Challenge labels become the pool tumour with its consensus label, only when that tumour
    is part of ``train`` (so a split with another seed never trains on its test rows);
    feedback becomes the prediction's input with the label its like or dislike gives.
    """
    allowed = set(item_ids(train))
    items = pool_items()
    rows = []
    for item, label, source, input_json in labels[
        ["item_id", "label", "source", "input_json"]
    ].itertuples(index=False):
        if source == "challenge" and item in items.index and item in allowed:
            features = items.loc[item].to_dict()
        elif source == "feedback" and input_json:
            features = json.loads(input_json)
        else:
            continue
        rows.append(features | {data.LABEL: json.loads(label)})
    return pd.DataFrame(rows, columns=[*data.feature_columns(train), data.LABEL])
