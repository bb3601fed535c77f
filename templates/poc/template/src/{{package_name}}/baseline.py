"""Run the baseline end to end: load, split, train, evaluate, write the reports, track the run."""

import json
from dataclasses import dataclass
from pathlib import Path

from . import data, evaluate, model, plots, tracking, trainset


@dataclass(frozen=True)
class BaselineRun:
    """What one baseline run produced."""

    metrics: dict[str, float]
    metrics_path: Path
    model_path: Path
    plot_paths: list[Path]
    model_version: tracking.ModelVersion | None = None


def project_root(start: Path | None = None) -> Path:
    """Return the nearest folder at or above `start` (default: the cwd) with a pyproject.toml.

    Notebooks run in `notebooks/`, scripts in the project root: both find the same
    `reports/` and `models/` this way.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return here


def write_metrics(metrics: dict[str, float], path: Path) -> Path:
    """Write `metrics` as JSON, with the primary metric named so tools can find it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "primary_metric": evaluate.PRIMARY_METRIC,
        "higher_is_better": evaluate.HIGHER_IS_BETTER,
        "metrics": metrics,
    }
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def lift_summary(metrics: dict[str, float]) -> str:
    """Say in one line how the model compares with the trivial baseline."""
    name = evaluate.PRIMARY_METRIC
    ours, trivial = metrics[name], metrics[f"baseline_{name}"]
    better = ours > trivial if evaluate.HIGHER_IS_BETTER else ours < trivial
    verdict = "beats" if better else "does NOT beat"
    return f"{name}: model {ours:.3f} {verdict} the trivial baseline {trivial:.3f}"


def run_baseline(
    reports_dir: Path | None = None, models_dir: Path | None = None, seed: int = 0
) -> BaselineRun:
    """Train and evaluate the baseline on the sample data; write metrics, plots and model.

    Defaults: `reports/` and `models/` of the project (see `project_root`). The run is
    tracked in MLflow (see `tracking`): parameters, metrics, plots, the training data and
    the model, registered as a new model version pending approval. A run that fails is
    recorded as a failed MLflow run with its reason, then the error is raised again.
    It trains on `trainset.training_set` (with the feedback loop: seed set + curated
    labels) and the model version records its training rows, label count and lake watermark.
    """
    root = project_root()
    reports_dir = Path(reports_dir) if reports_dir else root / "reports"
    models_dir = Path(models_dir) if models_dir else root / "models"
    params = {"seed": seed, "primary_metric": evaluate.PRIMARY_METRIC}
    tags = {"command": "baseline"}
    try:
        frame = data.load_sample()
        train, test = data.split(frame, seed=seed)
        trained_on = trainset.training_set(train, root)
        tags |= trained_on.tags()
        fitted = model.train(trained_on.frame, seed=seed)
        metrics = evaluate.evaluate(fitted, test)
        plot_paths = [
            plots.plot_overview(frame, reports_dir),
            *plots.plot_results(fitted, test, reports_dir),
        ]
    except Exception as error:
        tracking.log_failed_run(params=params, reason=f"{type(error).__name__}: {error}", tags=tags)
        raise
    version = tracking.log_training(
        fitted,
        params=params,
        metrics=metrics,
        training_data=trained_on.frame,
        figures=plot_paths,
        tags=tags,
    )
    return BaselineRun(
        metrics=metrics,
        metrics_path=write_metrics(metrics, reports_dir / "metrics.json"),
        model_path=model.save(fitted, models_dir / "model.pkl"),
        plot_paths=plot_paths,
        model_version=version,
    )
