"""The project's own pool (regression): a small labelled seed set, the rest to label.

Cold start: of the default training split (``data.split(sample, seed=0)``), only
``SEED_SIZE`` patients keep their measured progression (the *seed set*); the other
training patients form the *pool*. People do not guess a number well, but they can place
an item in a range: the challenge asks "Select every patient whose disease progression is
between 96 and 151" over ``N_BINS`` ranges cut at the seed set's quantiles, and a
consensus label is the seed set's median progression in that range (a coarse label).
Feedback on a prediction gives no label (a like does not say what the number should have
been); the like-rate still drives the retraining trigger. Training never reads the pool's
held-back values (``Pool.truth``: only the simulated visitors read them).
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import data
from .items import Pool, row_pool
from .messages import gettext as _

ITEM = "patient"
SEED_SIZE = 40
N_BINS = 4
POOL_SEED = 0
# Feedback on a prediction -> label (SQL over value, input_json, prediction_json; NULL: none):
# no label from a like or dislike on a number.
LIKE_LABEL_SQL: str | None = None
LIKE_HOLDS_SQL: str | None = None


def item_ids(frame: pd.DataFrame) -> list[str]:
    """The item id of each row of the sample (or of a part of it): ``patient-<row>``."""
    return [f"{ITEM}-{index}" for index in frame.index]


@lru_cache(maxsize=1)
def cold_start() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(seed set, pool) of the default training split, indexed by item id.

    Both keep the sample's columns; the pool's ``data.TARGET`` is the held-back truth:
    only :func:`load_pool` (for ``Pool.truth``) reads it.
    """
    train, _ = data.split(data.load_sample(), seed=0)
    shuffled = train.sample(frac=1.0, random_state=POOL_SEED)
    chosen = shuffled.index[:SEED_SIZE]
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
    """The challenge's pool: one target per range of the seed set's progression."""
    seed, pool = cold_start()
    edges = np.quantile(seed[data.TARGET], np.linspace(0, 1, N_BINS + 1)[1:-1]).round()
    seed_bins = pd.Series(np.digitize(seed[data.TARGET], edges), index=seed.index)
    targets = tuple(float(seed[data.TARGET][seed_bins == b].median()) for b in range(N_BINS))
    bounds = [_("below {value}").format(value=f"{edges[0]:g}")]
    bounds += [
        _("between {low} and {high}").format(low=f"{lo:g}", high=f"{hi:g}")
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
    ]
    bounds += [_("{value} or more").format(value=f"{edges[-1]:g}")]
    columns = data.feature_columns(seed)
    return row_pool(
        seed[columns],
        seed_bins,
        pool[columns],
        pd.Series(np.digitize(pool[data.TARGET], edges), index=pool.index),
        targets,
        tuple(
            _("Select every patient whose disease progression is {range}").format(range=b)
            for b in bounds
        ),
    )


def training_rows(labels: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """Rows in the sample's shape for the labels that hold (one label per item).

    Challenge labels become the pool patient with the range's seed median, only when that
    patient is part of ``train`` (so a split with another seed never trains on its test rows).
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
        rows.append(features | {data.TARGET: json.loads(label)})
    return pd.DataFrame(rows, columns=[*data.feature_columns(train), data.TARGET])
