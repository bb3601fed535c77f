"""The project's own pool (recommendation): a few known interactions, the rest to find.

Cold start: of the default training split (each user's earlier interactions), only the
first ``SEED_PER_USER`` interactions of each user are known (the *seed set*). The *pool*
holds (user, item) pairs whose answer the system does not know: each user's other training
interactions and as many items the user never touched. Visitors judge pairs in the
challenge ("Select every item user 17 would pick": the user's seed items and items they
never touched are the control panels); a consensus "yes" is an interaction. Challenges
ask about ``ROTATION`` users at a time, each pair shown ``SHOWS_PER_ITEM`` times before
the next users come (spread over 300 users, pairs would almost never reach the
``MIN_VOTES`` a consensus needs).

Feedback: a dislike on a recommendation list is "not interested" in its first item: that
item is never recommended to that user again (``model.NOT_INTERESTED``). A like gives no
label: the first item is the model's own top choice, so learning it teaches the model its
own ranking (exposure bias) and takes the item out of the user's later lists; measured in
``feedback simulate``, learning likes lowered the like-rate round after round (see
docs/feedback-loop.md). The like-rate still drives the retraining trigger. Training never
reads the pool's held-back answers (``Pool.truth``: only the simulated visitors read them).
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import data, model
from .items import Pool
from .messages import gettext as _

SEED_PER_USER = 4
KNOWN_NEGATIVES_PER_USER = 8
POOL_SEED = 0
#: Interactions learnt from labels get this timestamp: after every sample interaction.
LABEL_TIME = 10**9
ANSWER = "interacted"
#: Challenges ask about this many users at a time ...
ROTATION = 4
#: ... until each of their pool pairs was shown this many times (votes: those who pass).
SHOWS_PER_ITEM = 4
# Feedback on a prediction -> label (SQL over value, input_json, prediction_json; NULL: none):
# a dislike is "not interested" in the list's first item; a like is no label.
LIKE_LABEL_SQL: str | None = "CASE WHEN value = -1 THEN json_extract(prediction_json, '$[0]') END"
LIKE_HOLDS_SQL: str | None = "true"


def pair_id(user: int, item: int) -> str:
    """The item id of a (user, item) pair: ``u<user>-i<item>``."""
    return f"u{int(user)}-i{int(item)}"


def item_ids(frame: pd.DataFrame) -> list[str]:
    """The pair id of each interaction row of the sample (or of a part of it)."""
    return [pair_id(u, i) for u, i in zip(frame[data.USER], frame[data.ITEM], strict=True)]


@lru_cache(maxsize=1)
def _cold_start() -> tuple[pd.DataFrame, pd.DataFrame, dict[int, list[str]]]:
    sample = data.load_sample()
    train, _ = data.split(sample, seed=0)
    ordered = train.sort_values([data.USER, data.TIME])
    is_seed = ordered.groupby(data.USER).cumcount() < SEED_PER_USER
    seed = ordered[is_seed].set_axis(item_ids(ordered[is_seed]))
    positives = ordered[~is_seed]
    touched = sample.groupby(data.USER)[data.ITEM].apply(set)
    rng = np.random.default_rng(POOL_SEED)
    pool_rows, known_negatives = [], {}
    for user, rows in positives.groupby(data.USER, sort=True):
        pool_rows += [(user, item, True) for item in rows[data.ITEM]]
        never = np.array(sorted(set(range(data.N_ITEMS)) - touched[user]))
        picked = rng.choice(never, len(rows) + KNOWN_NEGATIVES_PER_USER, replace=False)
        pool_rows += [(user, int(item), False) for item in picked[: len(rows)]]
        known_negatives[int(user)] = [pair_id(user, item) for item in picked[len(rows) :]]
    pool = pd.DataFrame(pool_rows, columns=[data.USER, data.ITEM, ANSWER])
    return seed, pool.set_axis(item_ids(pool)), known_negatives


def cold_start() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(seed interactions, pool pairs), indexed by pair id.

    The pool's ``ANSWER`` column (did the user interact?) is the held-back truth: only
    :func:`load_pool` (for ``Pool.truth``) reads it.
    """
    seed, pool, _ = _cold_start()
    return seed, pool


def is_seed(frame: pd.DataFrame) -> pd.Series:
    """True for the interactions of ``frame`` (a part of the sample) in the seed set."""
    seed, _ = cold_start()
    return pd.Series([item in seed.index for item in item_ids(frame)], index=frame.index)


def pool_items() -> pd.DataFrame:
    """The pool's pairs only (no answers), indexed by pair id: what training may join."""
    _, pool = cold_start()
    return pool.drop(columns=[ANSWER])


@lru_cache(maxsize=1)
def load_pool() -> Pool:
    """The challenge's pool: one target per user, the user's pairs as panels."""
    seed, pool, known_negatives = _cold_start()
    targets = tuple(range(data.N_USERS))
    known = {
        user: (list(seed.index[seed[data.USER] == user]), known_negatives.get(user, []))
        for user in targets
    }
    unknown = {user: list(pool.index[pool[data.USER] == user]) for user in targets}
    every = [*seed.index, *pool.index, *(p for ids in known_negatives.values() for p in ids)]
    captions = {pair: "item " + pair.partition("-i")[2] for pair in every}
    truth = {
        pair: int(user) if answer else -1
        for pair, user, answer in zip(pool.index, pool[data.USER], pool[ANSWER], strict=True)
    }
    prompts = tuple(_("Select every item user {user} would pick").format(user=u) for u in targets)
    return Pool(targets, prompts, known, unknown, {}, captions, truth, ROTATION, SHOWS_PER_ITEM)


def training_rows(labels: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """Rows for the labels that hold: consensus pairs (interactions) and disliked first
    items (``model.NOT_INTERESTED`` True: not interactions, only never recommended again)."""
    del train  # pool pairs come from the training part only, whatever the split's seed
    items = pool_items()
    rows = []
    for item, label, source, input_json in labels[
        ["item_id", "label", "source", "input_json"]
    ].itertuples(index=False):
        if source == "challenge" and item in items.index:
            user, chosen = items.loc[item, [data.USER, data.ITEM]]
            rows.append((int(user), int(chosen), LABEL_TIME, False))
        elif source == "feedback" and input_json:
            user, chosen = json.loads(input_json)[data.USER], json.loads(label)
            rows.append((int(user), int(chosen), LABEL_TIME, True))
    return pd.DataFrame(rows, columns=[data.USER, data.ITEM, data.TIME, model.NOT_INTERESTED])
