"""Plots a person wants to see for a classification: class balance, confusion matrix.

Figures are built without pyplot, so plotting works in scripts, tests and notebooks alike.
"""

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import confusion_matrix

from . import artifacts, data, model


def plot_overview(frame: pd.DataFrame, reports_dir: Path) -> Path:
    """Plot how many rows each class has to `reports_dir/class_balance.png`."""
    counts = frame[data.TARGET].value_counts().sort_index()
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    axes.bar([str(label) for label in counts.index], counts.to_numpy(), color="tab:blue")
    axes.set(title="Rows per class", xlabel=data.TARGET, ylabel="rows")
    return artifacts.save_figure(figure, Path(reports_dir) / "class_balance.png")


def plot_results(fitted: model.Model, test: pd.DataFrame, reports_dir: Path) -> list[Path]:
    """Plot the confusion matrix of the model on the test set."""
    labels = sorted(test[data.TARGET].unique())
    matrix = confusion_matrix(test[data.TARGET], model.predict(fitted, test), labels=labels)
    figure = Figure(figsize=(6, 5))
    axes = figure.subplots()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes)
    for row, column in [(r, c) for r in range(len(labels)) for c in range(len(labels))]:
        dark = matrix[row, column] > matrix.max() / 2
        axes.text(
            column,
            row,
            str(matrix[row, column]),
            ha="center",
            va="center",
            color="white" if dark else "black",
        )
    axes.set(
        title="Confusion matrix (test set)",
        xlabel="predicted",
        ylabel="actual",
        xticks=range(len(labels)),
        yticks=range(len(labels)),
        xticklabels=labels,
        yticklabels=labels,
    )
    return [artifacts.save_figure(figure, Path(reports_dir) / "confusion_matrix.png")]
