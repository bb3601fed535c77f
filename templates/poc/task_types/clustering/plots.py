"""Plots a person wants to see for a clustering: the data and the clusters in 2-D.

Figures are built without pyplot, so plotting works in scripts, tests and notebooks alike.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.decomposition import PCA

from . import artifacts, data, features, model


def _scatter(figure: Figure, points: np.ndarray, groups: pd.Series, title: str) -> None:
    axes = figure.subplots()
    for group in sorted(groups.unique()):
        chosen = (groups == group).to_numpy()
        axes.scatter(points[chosen, 0], points[chosen, 1], alpha=0.7, label=str(group))
    axes.set(title=title, xlabel="first principal component", ylabel="second component")
    axes.legend()


def plot_overview(frame: pd.DataFrame, reports_dir: Path) -> Path:
    """Plot the rows on their two principal components, coloured by the reference."""
    scaled = features.preprocessor().fit_transform(features.feature_matrix(frame))
    points = PCA(n_components=2).fit_transform(scaled)
    figure = Figure(figsize=(6, 5))
    _scatter(figure, points, frame[data.REFERENCE], f"Sample by {data.REFERENCE}")
    return artifacts.save_figure(figure, Path(reports_dir) / "overview_pca.png")


def plot_results(fitted: model.Model, test: pd.DataFrame, reports_dir: Path) -> list[Path]:
    """Plot the test rows on their two principal components, coloured by cluster."""
    scaled = fitted.estimator[:-1].transform(test[fitted.columns])
    points = PCA(n_components=2).fit_transform(scaled)
    clusters = pd.Series(model.predict(fitted, test), index=test.index).map("cluster {}".format)
    figure = Figure(figsize=(6, 5))
    _scatter(figure, points, clusters, "Clusters (test set)")
    return [artifacts.save_figure(figure, Path(reports_dir) / "clusters_pca.png")]
