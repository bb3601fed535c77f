"""Ground truth for model quality: the service's logged predictions joined to curated labels.

The service logs every prediction in the lake (``predictions``: model version, input,
prediction). The curated labels table (``labels.py``) holds the consensus labels visitors
gave pool items in the challenge. A prediction whose input is a labelled pool item is a
*labelled prediction*: what the model version answered next to what people agreed the item
is. ``monitor`` (production layer) scores the model on these rows.

Only challenge labels are used. A feedback label is derived from the prediction itself (a
like confirms the predicted class), so scoring the model on it would judge the model by its
own answers; the like-rate already measures that reaction (``stats.py``).

A prediction is matched to a pool item on its feature values, rounded to ``DECIMALS``
decimal places on both sides: the service's sample rows went through JSON with 10 decimal
places (pandas' ``to_json`` default), so the rounding only absorbs that serialisation.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from .. import data
from . import labels as curated
from . import pool as task_pool
from .lake import connect
from .settings import Settings

DECIMALS = 8
#: The columns of :func:`labelled_predictions` besides the feature columns.
COLUMNS = ["prediction_id", "model_version", "server_ts", "item_id", "label", "prediction"]


def _rounded(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].copy()
    for column in columns:
        if pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].astype(float).round(DECIMALS)
    return out


def labelled_predictions(
    settings: Settings,
    watermark: int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Logged predictions of pool items that hold a challenge consensus label.

    Args:
        settings: Where the lake is.
        watermark: Newest ``server_ts`` (microseconds) read, of labels and predictions
            alike; the newest event when None.
        con: An open ``lake.connect`` connection to reuse.

    Returns:
        One row per logged prediction of a labelled pool item, oldest first: ``COLUMNS``
        (``label``: the consensus label, decoded from JSON; ``prediction``: what the model
        version answered, decoded from JSON) then the feature columns. Empty (same
        columns) when nothing matches.
    """
    con = con or connect(settings)
    built = curated.derive(settings, watermark, con)
    usable = built.usable()
    usable = usable[usable["source"] == "challenge"]
    features = list(data.feature_columns(data.load_sample()))
    empty = pd.DataFrame(columns=[*COLUMNS, *features])
    items = task_pool.pool_items()
    usable = usable[usable["item_id"].isin(items.index)]
    if usable.empty or any(column not in items.columns for column in features):
        return empty
    logged = con.execute(
        "SELECT prediction_id, model_version, server_ts, input_json, prediction_json "
        "FROM predictions WHERE server_ts <= ? ORDER BY server_ts, prediction_id",
        [built.watermark],
    ).df()
    if logged.empty:
        return empty
    inputs = pd.DataFrame.from_records([json.loads(text) for text in logged["input_json"]])
    if any(column not in inputs.columns for column in features):
        return empty  # inputs of another feature set (an older model version)
    labelled = items.loc[usable["item_id"], features].assign(
        item_id=list(usable["item_id"]), label=[json.loads(text) for text in usable["label"]]
    )
    left = _rounded(inputs, features).assign(row=range(len(logged)))
    right = _rounded(labelled, features).assign(
        item_id=list(labelled["item_id"]), label=list(labelled["label"])
    )
    right = right.drop_duplicates(features)  # two items alike: one label per input
    matched = left.merge(right, on=features, how="inner").sort_values("row")
    rows = logged.iloc[matched["row"].to_numpy()].reset_index(drop=True)
    result = pd.DataFrame(
        {
            "prediction_id": rows["prediction_id"],
            "model_version": rows["model_version"],
            "server_ts": rows["server_ts"],
            "item_id": matched["item_id"].to_numpy(),
            "label": matched["label"].to_numpy(),
            "prediction": [json.loads(text) for text in rows["prediction_json"]],
        }
    )
    original = inputs.iloc[matched["row"].to_numpy()][features].reset_index(drop=True)
    return pd.concat([result, original], axis=1)
