"""`mljourney update`, `add` and `graduate`: keeping a project on the standard over time.

Each command is one call into :mod:`generator.lifecycle`; this module prints the report
it returns and turns conflicts into exit code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli._options import config_option, project_path_argument
from generator.config import load_config

if TYPE_CHECKING:
    from generator.lifecycle import LifecycleReport


def _print_report(report: LifecycleReport, *, dry_run: bool = False) -> None:
    prefix = "would be " if dry_run else ""
    for change in report.changes:
        versions = (
            f"{change.from_version or '-'} -> {change.to_version or '-'}"
            if change.from_version != change.to_version
            else f"{change.to_version}"
        )
        click.echo(f"{change.layer}: {prefix}{change.action} ({versions})")
        for path in change.changed_files:
            marker = "  CONFLICT " if path in change.conflicts else "  "
            click.echo(f"{marker}{path}")
    if report.conflicts:
        click.echo(
            f"{len(report.conflicts)} file(s) have conflicts marked inline (<<<<<<< / >>>>>>>): "
            "resolve them, then commit.",
            err=True,
        )


def _exit_on_conflicts(report: LifecycleReport) -> None:
    if report.conflicts:
        sys.exit(1)


@click.command()
@project_path_argument
@click.option("--dry-run", is_flag=True, help="Show what would change; touch nothing.")
def update(path: Path, dry_run: bool) -> None:
    """Bring every layer of the project at PATH to the current template version."""
    from generator.lifecycle import update_project

    report = update_project(path.resolve(), dry_run=dry_run)
    _print_report(report, dry_run=dry_run)
    _exit_on_conflicts(report)


@click.command()
@click.argument("layer", type=click.Choice(["feedback-loop", "production"]))
@project_path_argument
@config_option
def add(layer: str, path: Path, config_path: Path | None) -> None:
    """Add LAYER to the existing project at PATH, reusing its answers."""
    from generator.lifecycle import add_layer

    report = add_layer(path.resolve(), layer, config=load_config(config_path))
    _print_report(report)
    _exit_on_conflicts(report)


@click.command()
@project_path_argument
@config_option
def graduate(path: Path, config_path: Path | None) -> None:
    """Move the PoC at PATH to production: same answers, code and docs, plus production."""
    from generator.lifecycle import graduate as graduate_project

    report = graduate_project(path.resolve(), config=load_config(config_path))
    _print_report(report)
    click.echo("Next: pip install -e '.[test]' again (production dependencies), then run-local.")
    _exit_on_conflicts(report)
