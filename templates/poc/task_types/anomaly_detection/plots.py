"""Plots a person wants to see for anomaly detection: score spread, precision-recall.

Figures are built without pyplot, so plotting works in scripts, tests and notebooks alike.
"""

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve

from . import artifacts, data, model


def plot_overview(frame: pd.DataFrame, reports_dir: Path) -> Path:
    """Plot two features with the known anomalies highlighted."""
    x_name, y_name = data.feature_columns(frame)[:2]
    normal = frame[~frame[data.LABEL]]
    unusual = frame[frame[data.LABEL]]
    figure = Figure(figsize=(6, 5))
    axes = figure.subplots()
    axes.scatter(normal[x_name], normal[y_name], alpha=0.4, label="normal")
    axes.scatter(unusual[x_name], unusual[y_name], color="tab:red", label="anomaly")
    axes.set(title="Sample: known anomalies", xlabel=x_name, ylabel=y_name)
    axes.legend()
    return artifacts.save_figure(figure, Path(reports_dir) / "overview_anomalies.png")


def plot_results(fitted: model.Model, test: pd.DataFrame, reports_dir: Path) -> list[Path]:
    """Plot the precision-recall curve on the test set against the trivial baseline."""
    actual = test[data.LABEL].to_numpy()
    precision, recall, _ = precision_recall_curve(actual, model.score(fitted, test))
    figure = Figure(figsize=(6, 5))
    axes = figure.subplots()
    axes.step(recall, precision, where="post", label="model")
    axes.axhline(actual.mean(), color="tab:red", linestyle="--", label="trivial baseline")
    axes.set(
        title="Precision-recall (test set)", xlabel="recall", ylabel="precision", ylim=(0, 1.05)
    )
    axes.legend()
    return [artifacts.save_figure(figure, Path(reports_dir) / "precision_recall.png")]
