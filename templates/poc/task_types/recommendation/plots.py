"""Plots a person wants to see for recommendations: item popularity, hit rate at k.

Figures are built without pyplot, so plotting works in scripts, tests and notebooks alike.
"""

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from . import artifacts, data, evaluate, model


def plot_overview(frame: pd.DataFrame, reports_dir: Path) -> Path:
    """Plot interactions per item, most popular first (the long tail)."""
    counts = frame[data.ITEM].value_counts().to_numpy()
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    axes.bar(range(len(counts)), counts, width=1.0, color="tab:blue")
    axes.set(title="Interactions per item (long tail)", xlabel="item rank", ylabel="interactions")
    return artifacts.save_figure(figure, Path(reports_dir) / "item_popularity.png")


def plot_results(fitted: model.Model, test: pd.DataFrame, reports_dir: Path) -> list[Path]:
    """Plot hit rate@k for k = 1..20 on the test users, model against popularity."""
    cutoffs = list(range(1, 21))
    ours = [evaluate.hit_rate_and_recall(fitted, test, model.recommend, k)[0] for k in cutoffs]
    popular = [
        evaluate.hit_rate_and_recall(fitted, test, model.recommend_popular, k)[0] for k in cutoffs
    ]
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    axes.plot(cutoffs, ours, marker="o", label="model (item-based)")
    axes.plot(cutoffs, popular, marker="o", label="trivial baseline (most popular)")
    axes.set(title="Hit rate@k (test users)", xlabel="k", ylabel="hit rate@k", ylim=(0, 1))
    axes.legend()
    return [artifacts.save_figure(figure, Path(reports_dir) / "hit_rate_at_k.png")]
