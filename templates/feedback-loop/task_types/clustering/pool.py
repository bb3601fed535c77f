"""The project's own pool (clustering): a small labelled seed set, the rest to label.

Cold start: of the default training split (``data.split(sample, seed=0)``), only
``SEED_PER_CLASS`` flowers of each species keep their known species (the *seed set*); the
other training flowers form the *pool*. Visitors name pool flowers' species in the
challenge ("Select every flower of species setosa": seed flowers are the control panels).
k-means never reads a label, so labels add rows to cluster (and judge the clusters by);
a like on a cluster id says nothing about a species: no label from feedback (the
like-rate still drives the retraining trigger). Training never reads the pool's held-back
species (``Pool.truth``: only the simulated visitors read them).
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from .. import data
from .items import Pool, row_pool
from .messages import gettext as _

ITEM = "flower"
SEED_PER_CLASS = 4
POOL_SEED = 0
# Feedback on a prediction -> label (SQL over value, input_json, prediction_json; NULL: none):
# cluster ids are arbitrary, so a like or dislike on one is no label.
LIKE_LABEL_SQL: str | None = None
LIKE_HOLDS_SQL: str | None = None


def item_ids(frame: pd.DataFrame) -> list[str]:
    """The item id of each row of the sample (or of a part of it): ``flower-<row>``."""
    return [f"{ITEM}-{index}" for index in frame.index]


@lru_cache(maxsize=1)
def cold_start() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(seed set, pool) of the default training split, indexed by item id.

    Both keep the sample's columns; the pool's ``data.REFERENCE`` is the held-back truth:
    only :func:`load_pool` (for ``Pool.truth``) reads it.
    """
    train, _ = data.split(data.load_sample(), seed=0)
    shuffled = train.sample(frac=1.0, random_state=POOL_SEED)
    chosen = shuffled.groupby(data.REFERENCE, sort=True).head(SEED_PER_CLASS).index
    seed, pool = train[train.index.isin(chosen)], train[~train.index.isin(chosen)]
    return seed.set_axis(item_ids(seed)), pool.set_axis(item_ids(pool))


def is_seed(frame: pd.DataFrame) -> pd.Series:
    """True for the rows of ``frame`` (a part of the sample) that are in the seed set."""
    seed, _ = cold_start()
    return pd.Series([item in seed.index for item in item_ids(frame)], index=frame.index)


def pool_items() -> pd.DataFrame:
    """The pool's features only (no labels), indexed by item id: what training may join."""
    _, pool = cold_start()
    return pool.drop(columns=[data.REFERENCE])


@lru_cache(maxsize=1)
def load_pool() -> Pool:
    """The challenge's pool: one target per species."""
    seed, pool = cold_start()
    targets = tuple(sorted(data.load_sample()[data.REFERENCE].unique()))
    index = {label: i for i, label in enumerate(targets)}
    columns = data.feature_columns(seed)
    return row_pool(
        seed[columns],
        seed[data.REFERENCE].map(index),
        pool[columns],
        pool[data.REFERENCE].map(index),
        targets,
        tuple(_("Select every flower of species {label}").format(label=label) for label in targets),
    )


def training_rows(labels: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """Rows in the sample's shape for the labels that hold (one label per item).

    Challenge labels become the pool flower with its consensus species, only when that
    flower is part of ``train`` (so a split with another seed never trains on its test rows).
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
        rows.append(features | {data.REFERENCE: json.loads(label)})
    return pd.DataFrame(rows, columns=[*data.feature_columns(train), data.REFERENCE])
