"""Plots a person wants to see for a ranking: relevance grades, NDCG at each cut-off.

Figures are built without pyplot, so plotting works in scripts, tests and notebooks alike.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import artifacts, data, evaluate, model


def plot_overview(frame: pd.DataFrame, reports_dir: Path) -> Path:
    """Plot how many (query, document) pairs have each relevance grade."""
    counts = frame[data.TARGET].value_counts().sort_index()
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    axes.bar(counts.index.astype(str), counts.to_numpy(), color="tab:blue")
    axes.set(title="Pairs per relevance grade", xlabel=data.TARGET, ylabel="pairs")
    return artifacts.save_figure(figure, Path(reports_dir) / "relevance_grades.png")


def plot_results(fitted: model.Model, test: pd.DataFrame, reports_dir: Path) -> list[Path]:
    """Plot NDCG@k for k = 1..10 on the test queries, model against random order."""
    cutoffs = list(range(1, 11))
    ours = model.score(fitted, test)
    trivial = np.zeros(len(test))
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    axes.plot(
        cutoffs, [evaluate.mean_ndcg(test, ours, k) for k in cutoffs], marker="o", label="model"
    )
    axes.plot(
        cutoffs,
        [evaluate.mean_ndcg(test, trivial, k) for k in cutoffs],
        marker="o",
        label="trivial baseline (random order)",
    )
    axes.set(title="NDCG@k (test queries)", xlabel="k", ylabel="NDCG@k", ylim=(0, 1))
    axes.legend()
    return [artifacts.save_figure(figure, Path(reports_dir) / "ndcg_at_k.png")]
