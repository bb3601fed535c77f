"""Plots a person wants to see for a regression: the target, and predicted vs actual.

Figures are built without pyplot, so plotting works in scripts, tests and notebooks alike.
"""

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from . import artifacts, data, model


def plot_overview(frame: pd.DataFrame, reports_dir: Path) -> Path:
    """Plot the distribution of the target to `reports_dir/target_distribution.png`."""
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    axes.hist(frame[data.TARGET], bins=30, color="tab:blue")
    axes.set(title=f"Distribution of {data.TARGET}", xlabel=data.TARGET, ylabel="rows")
    return artifacts.save_figure(figure, Path(reports_dir) / "target_distribution.png")


def plot_results(fitted: model.Model, test: pd.DataFrame, reports_dir: Path) -> list[Path]:
    """Plot predicted against actual values on the test set, with the baseline's guess."""
    actual = test[data.TARGET]
    predicted = model.predict(fitted, test)
    baseline = fitted.baseline.predict(test[fitted.columns])
    low, high = float(actual.min()), float(actual.max())
    figure = Figure(figsize=(6, 6))
    axes = figure.subplots()
    axes.scatter(actual, predicted, alpha=0.6, label="model")
    axes.plot([low, high], [low, high], color="grey", linestyle="--", label="perfect")
    axes.axhline(baseline[0], color="tab:red", label="trivial baseline (mean)")
    axes.set(title="Predicted vs actual (test set)", xlabel="actual", ylabel="predicted")
    axes.legend()
    return [artifacts.save_figure(figure, Path(reports_dir) / "predicted_vs_actual.png")]
