"""The ``feedback`` command group: serve, check-retrain, export-labels, compact."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .settings import Settings


def _settings(lake: str | None) -> Settings:
    try:
        return Settings.from_env(**({"lake_dir": Path(lake)} if lake else {}))
    except ValueError as error:
        raise click.UsageError(str(error)) from None


lake_option = click.option(
    "--lake", default=None, help="Lake directory (default: $FEEDBACK_LAKE_DIR or ./lake)."
)


@click.group()
def feedback() -> None:
    """Collect labels through the product: like button, panel challenge, retraining."""


@feedback.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (they share state through the state store).",
)
@lake_option
def serve(host: str, port: int, workers: int, lake: str | None) -> None:
    """Run the feedback web service (demo page at /, stats at /stats)."""
    import os

    import uvicorn

    settings = _settings(lake)
    options = {"host": host, "port": port, "log_level": "warning", "access_log": False}
    if workers == 1:
        from .service import create_app

        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return
    # Worker processes build the app from the environment: pass the lake on.
    os.environ["FEEDBACK_LAKE_DIR"] = str(settings.lake_dir)
    uvicorn.run(f"{__package__}.service:create_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]


@feedback.command("check-retrain")
@lake_option
@click.option(
    "--window-hours",
    default=24.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Recent window (> 0).",
)
@click.option(
    "--min-samples",
    default=500,
    show_default=True,
    type=click.IntRange(min=1),
    help="Votes needed per side (>= 1).",
)
@click.option(
    "--alpha",
    default=0.05,
    show_default=True,
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    help="Significance level (0 < alpha < 1).",
)
@click.option(
    "--min-new-labels",
    default=100,
    show_default=True,
    type=click.IntRange(min=0),
    help="New curated labels that trigger (>= 0).",
)
@click.option(
    "--cooldown-hours",
    default=24.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Pause after a retraining (>= 0).",
)
@click.option("--dry-run", is_flag=True, help="Decide and explain, start nothing, record nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
def check_retrain(lake: str | None, dry_run: bool, as_json: bool, **thresholds: float) -> None:
    """Decide on the lake whether retraining is due, say why, and start it when it is.

    Exits 1 when a retraining was started and failed (its reason in one line; the check
    is recorded, so the cooldown holds).
    """
    from .retrain import Policy, check_and_maybe_retrain

    policy = Policy(**thresholds)  # type: ignore[arg-type]
    decision, outcome = check_and_maybe_retrain(_settings(lake), policy, dry_run=dry_run)
    if as_json:
        payload = {"due": decision.due, "reasons": decision.reasons, "notes": decision.notes}
        payload |= {"failure": decision.failure}
        click.echo(json.dumps(payload | {"outcome": outcome, "stats": decision.stats}))
        if decision.failure:
            raise SystemExit(1)
        return
    click.echo(f"retraining due: {'yes' if decision.due else 'no'}")
    for reason in decision.reasons:
        click.echo(f"  because {reason}")
    for note in decision.notes:
        click.echo(f"  - {note}")
    if decision.failure:
        raise click.ClickException(f"retraining failed: {decision.failure}")
    click.echo(f"outcome: {outcome}")


@feedback.command("export-labels")
@lake_option
@click.option(
    "--output",
    default="data/feedback_labels.parquet",
    show_default=True,
    help="Where to write the labels (.parquet or .csv).",
)
def export_labels(lake: str | None, output: str) -> None:
    """Rebuild the curated labels table from the lake's events and write a copy of it."""
    path = Path(output)
    if path.suffix not in {".parquet", ".csv"}:
        raise click.UsageError("--output must end in .parquet or .csv")
    from .labels import build

    labels = build(_settings(lake))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        labels.rows.to_csv(path, index=False)
    else:
        labels.rows.to_parquet(path, index=False)
    held = int(labels.rows["holds"].sum())
    click.echo(
        f"wrote {len(labels.rows)} labels ({held} that hold) to {path} "
        f"(lake watermark {labels.watermark})"
    )


@feedback.command()
@lake_option
@click.option(
    "--grace-seconds",
    default=600.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Keep replaced files this long for readers that listed them (then a later run "
    "deletes them).",
)
def compact(lake: str | None, grace_seconds: float) -> None:
    """Merge each partition of the local lake into one de-duplicated file (safe while
    the service runs and readers read)."""
    from .lake import LakeBusy
    from .lake import compact as compact_lake

    settings = _settings(lake)
    if settings.sink != "local":
        raise click.UsageError("compact works on the local lake; in S3 use an Athena CTAS job")
    try:
        result = compact_lake(settings.lake_dir, grace_s=grace_seconds)
    except LakeBusy as error:
        raise click.ClickException(f"busy: {error}") from None
    click.echo(
        f"compacted {result['partitions']} partitions: retired {result['files_retired']} files, "
        f"deleted {result['files_deleted']} retired earlier, "
        f"dropped {result['rows_dropped']} duplicate rows"
    )


def _one_line_usage_error(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


@feedback.command()
@click.option("--rounds", type=int, default=3, show_default=True, help="Rounds of visits.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the run.")
@click.option(
    "--visitors", type=int, default=60, show_default=True, help="Simulated visitors per round."
)
@click.option(
    "--voters",
    default="truthful",
    show_default=True,
    help="truthful (judge by the ground truth) or random (coin flips: the no-lift control).",
)
@click.option(
    "--workdir",
    default=".feedback/simulation",
    show_default=True,
    help="The simulation's own lake, state and keys (replaced on every run).",
)
@click.option("--reports-dir", default="reports", show_default=True, help="Where reports go.")
def simulate(
    rounds: int, seed: int, visitors: int, voters: str, workdir: str, reports_dir: str
) -> None:
    """Turn the flywheel with simulated visitors: votes, labels, retraining, a new version.

    Writes reports/flywheel.json and reports/flywheel.png; the simulation's lake feeds
    the stats page (`feedback serve --lake <workdir>/lake`).
    """
    from .simulate import Options, SimulationError
    from .simulate import simulate as run_simulation

    try:
        options = Options(rounds=rounds, seed=seed, visitors=visitors, voters=voters)
    except ValueError as error:
        _one_line_usage_error(str(error))

    def progress(number: int, report) -> None:  # noqa: ANN001
        rate = "-" if report.like_rate is None else f"{report.like_rate:.1%}"
        click.echo(
            f"round {number}: {report.model_version} ({report.training_rows} training rows): "
            f"like-rate {rate} [{report.ci_low:.1%}, {report.ci_high:.1%}] of {report.votes} "
            f"votes, {report.new_labels} new labels" + (", retrained" if report.retrained else "")
        )

    try:
        _, json_path, png_path = run_simulation(options, Path(workdir), Path(reports_dir), progress)
    except SimulationError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"report: {json_path}")
    click.echo(f"chart:  {png_path}")
    click.echo(f"stats page of this lake: feedback serve --lake {Path(workdir) / 'lake'}")
