"""What a model version is trained on: the training split, or seed set + collected labels.

Without the feedback loop the bundled sample is fully labelled, so a model trains on the
whole training split (what ``data.split`` returns). With the feedback loop
(``<package>.feedback`` present) the sample is a *cold start*: a small labelled seed set
plus a pool whose labels visitors give through the product; a model then trains on the
seed rows of the split plus the curated labels table of the lake
(``feedback/labels.py``), so every retraining learns from what was collected.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class TrainingSet:
    """What one model version is trained on, and where it came from.

    Attributes:
        frame: The training rows (the sample's columns).
        seed_rows: How many rows came from the labelled seed set (all of them without
            the feedback loop).
        label_count: How many rows came from labels collected through the product.
        watermark: The newest lake event the labels were derived from (``server_ts``,
            microseconds since the epoch; 0 without the feedback loop or on an empty lake).
    """

    frame: pd.DataFrame
    seed_rows: int
    label_count: int
    watermark: int

    def tags(self) -> dict[str, str]:
        """The provenance a model version records (tracking tags, registry metadata)."""
        return {
            "training_rows": str(len(self.frame)),
            "seed_rows": str(self.seed_rows),
            "label_count": str(self.label_count),
            "lake_watermark": str(self.watermark),
        }


def has_feedback_loop() -> bool:
    """True when the project carries the feedback-loop layer."""
    return importlib.util.find_spec(f"{__package__}.feedback") is not None


def training_set(train: pd.DataFrame, root: Path | None = None) -> TrainingSet:
    """The rows to train on, given a training split of the bundled sample.

    Args:
        train: A training split (``data.split(data.load_sample(), seed)[0]``).
        root: The project folder; the feedback lake is ``$FEEDBACK_LAKE_DIR`` or
            ``<root>/lake`` (the current folder when None).

    Raises:
        Whatever reading the lake raises (e.g. ``duckdb.IOException`` for a damaged file).
    """
    if not has_feedback_loop():
        return TrainingSet(train, len(train), 0, 0)
    from .feedback.labels import labelled_training_set
    from .feedback.settings import Settings

    overrides = {}
    if not os.environ.get("FEEDBACK_LAKE_DIR"):
        overrides["lake_dir"] = (root or Path.cwd()) / "lake"
    return labelled_training_set(train, Settings.from_env(**overrides))
