"""The project's own pool (ranking): a small judged seed set, the rest to judge.

Cold start: of the default training split (``data.split(sample, seed=0)``), only the
documents of ``SEED_QUERIES`` queries keep their relevance grade (the *seed set*); the
other training queries' (query, document) pairs form the *pool*. Visitors grade pool
results in the challenge ("Select every search result a judge would grade 3 of 4": seed
results are the control panels). Feedback: a like on a result is a positive interaction,
relevance ``LIKED_GRADE``; a dislike is relevance 0. Training never reads the pool's
held-back grades (``Pool.truth``: only the simulated visitors read them).
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import data
from .items import Pool, row_pool
from .messages import gettext as _

ITEM = "result"
SEED_QUERIES = 40
LIKED_GRADE = 2
POOL_SEED = 0
# Feedback on a prediction -> label (SQL over value, input_json, prediction_json; NULL: none):
# a like is a positive interaction (grade LIKED_GRADE), a dislike grade 0.
LIKE_LABEL_SQL: str | None = f"CASE WHEN value = 1 THEN '{LIKED_GRADE}' ELSE '0' END"
LIKE_HOLDS_SQL: str | None = "true"


def item_ids(frame: pd.DataFrame) -> list[str]:
    """The item id of each row of the sample (or of a part of it): ``result-<row>``."""
    return [f"{ITEM}-{index}" for index in frame.index]


@lru_cache(maxsize=1)
def cold_start() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(seed set, pool) of the default training split, indexed by item id.

    Both keep the sample's columns; the pool's ``data.TARGET`` is the held-back truth:
    only :func:`load_pool` (for ``Pool.truth``) reads it.
    """
    train, _ = data.split(data.load_sample(), seed=0)
    queries = np.random.default_rng(POOL_SEED).permutation(np.sort(train[data.QUERY].unique()))
    chosen = train.index[train[data.QUERY].isin(queries[:SEED_QUERIES])]
    seed, pool = train[train.index.isin(chosen)], train[~train.index.isin(chosen)]
    return seed.set_axis(item_ids(seed)), pool.set_axis(item_ids(pool))


def is_seed(frame: pd.DataFrame) -> pd.Series:
    """True for the rows of ``frame`` (a part of the sample) that are in the seed set."""
    seed, _ = cold_start()
    return pd.Series([item in seed.index for item in item_ids(frame)], index=frame.index)


def pool_items() -> pd.DataFrame:
    """The pool's features only (no labels), indexed by item id: what training may join."""
    _, pool = cold_start()
    return pool.drop(columns=[data.TARGET])


@lru_cache(maxsize=1)
def load_pool() -> Pool:
    """The challenge's pool: one target per relevance grade (0 irrelevant ... 4 perfect)."""
    seed, pool = cold_start()
    targets = tuple(int(grade) for grade in sorted(data.load_sample()[data.TARGET].unique()))
    columns = data.feature_columns(seed)
    return row_pool(
        seed[columns],
        seed[data.TARGET].astype(int),
        pool[columns],
        pool[data.TARGET].astype(int),
        targets,
        tuple(
            _("Select every search result a judge would grade {grade} of 4").format(grade=g)
            for g in targets
        ),
    )


def training_rows(labels: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """Rows in the sample's shape for the labels that hold (one label per item).

    Challenge labels become the pool pair with its consensus grade, only when that pair is
    part of ``train`` (so a split with another seed never trains on its test rows); feedback
    becomes the prediction's input (query and document -1: unknown) with its grade.
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
            features = json.loads(input_json) | {data.QUERY: -1, data.DOCUMENT: -1}
        else:
            continue
        rows.append(features | {data.TARGET: json.loads(label)})
    columns = [data.QUERY, data.DOCUMENT, *data.feature_columns(train), data.TARGET]
    return pd.DataFrame(rows, columns=columns)
