"""`mljourney update`, `add` and `graduate`: keeping a project on the standard over time.

Each command is one call into :mod:`generator.lifecycle`; this module prints the report
it returns and turns conflicts and unapplied template changes into exit code 3.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator import i18n
from generator.cli._options import config_option, project_path_argument
from generator.config import load_config
from generator.errors import MljourneyError, UsageError

if TYPE_CHECKING:
    from generator.lifecycle import LifecycleReport


def _print_report(report: LifecycleReport, *, dry_run: bool = False) -> None:
    from generator.lifecycle import report_lines

    out, err = report_lines(report, dry_run=dry_run)
    for line in out:
        click.echo(line)
    for line in err:
        click.echo(line, err=True)


def _finish(report: LifecycleReport, summary_json: Path | None) -> None:
    """Write the summary, then exit 3 when conflicts or unapplied changes wait."""
    import json

    from generator.lifecycle import EXIT_NEEDS_ATTENTION

    if summary_json is not None:
        try:
            summary_json.write_text(json.dumps(report.summary(), indent=2) + "\n", "utf-8")
        except OSError as error:
            raise MljourneyError(f"cannot write {summary_json}: {error}") from error
    if report.needs_attention:
        sys.exit(EXIT_NEEDS_ATTENTION)


_BRANCH_HELP = "Commit the result on this new branch; the current branch stays as it is."
_SUMMARY_HELP = "Write a JSON summary (layers, versions, changed files, conflicts) to FILE."


def _speak_project_language(path: Path) -> None:
    """Print in the project's ``language`` answer (a project without one speaks English)."""
    from generator.project import load_project

    try:
        answers = load_project(path.resolve()).user_answers("poc")
    except (MljourneyError, KeyError, OSError):  # the command itself reports a broken project
        return
    i18n.set_language(str(answers.get("language", i18n.DEFAULT_LANGUAGE)))


def _project_name(path: Path) -> str:
    """The project's console script (its ``project_name`` answer), for the next steps."""
    from generator.project import load_project

    try:
        return str(load_project(path.resolve()).user_answers("poc")["project_name"])
    except (MljourneyError, KeyError, OSError):
        return "<project>"


def _defaults_in(path: Path, language: str) -> dict[str, object]:
    """The project's answers still at their default, re-defaulted in ``language``.

    See :func:`generator.questionnaire.defaults_following`.
    """
    from generator.project import load_project
    from generator.questionnaire import defaults_following

    try:
        project = load_project(path.resolve())
    except (MljourneyError, OSError):  # update itself reports what is wrong with the project
        return {}
    answers: dict[str, object] = {}
    for layer in reversed(list(project.layers)):  # the core's answers win
        answers.update(project.user_answers(layer))
    if answers.get("language", i18n.DEFAULT_LANGUAGE) == language:
        return {}
    return defaults_following(answers, {"language": language})


def _answer_changes(data_pairs: tuple[str, ...]) -> dict[str, object]:
    """``--data KEY=VALUE`` for update: answers some layer asks, each validated."""
    from generator.questionnaire import questionnaire
    from generator.questions import parse_data_pairs, validate_answer

    data = parse_data_pairs(data_pairs)
    known = {question.name for question in questionnaire()}
    for key in data:
        if key not in known:
            raise UsageError(f"unknown answer '{key}'; known: {', '.join(sorted(known))}")
    return {key: validate_answer(key, value) for key, value in data.items()}


@click.command()
@project_path_argument
@click.option("--dry-run", is_flag=True, help="Show what would change; touch nothing.")
@click.option(
    "--data",
    "data_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change an answer on the way (e.g. language=ja); repeatable.",
)
@click.option("--branch", metavar="NAME", help=_BRANCH_HELP)
@click.option("--summary-json", type=click.Path(path_type=Path, dir_okay=False), help=_SUMMARY_HELP)
@click.option("--trust", is_flag=True, help="Let overlays run Copier tasks (unsafe; off).")
def update(
    path: Path,
    dry_run: bool,
    data_pairs: tuple[str, ...],
    branch: str | None,
    summary_json: Path | None,
    trust: bool,
) -> None:
    """Bring every layer of the project at PATH to the current template version.

    Exit codes: 0 done (committed), 1 failed (nothing changed), 2 usage error,
    3 conflicts or template changes not applied (left uncommitted, or on --branch),
    130 interrupted (nothing changed).
    """
    from generator.lifecycle import update_project

    data = _answer_changes(data_pairs)
    if "language" in data:
        data = {**_defaults_in(path, str(data["language"])), **data}
    report = update_project(path.resolve(), dry_run=dry_run, branch=branch, trust=trust, data=data)
    _speak_project_language(path)
    _print_report(report, dry_run=dry_run)
    _finish(report, summary_json)


@click.command()
@click.argument("layer", type=click.Choice(["feedback-loop", "production"]))
@project_path_argument
@config_option
def add(layer: str, path: Path, config_path: Path | None) -> None:
    """Add LAYER to the existing project at PATH, reusing its answers (exit codes: update)."""
    from generator.lifecycle import add_layer

    report = add_layer(path.resolve(), layer, config=load_config(config_path))
    _print_report(report)
    _finish(report, None)


@click.command()
@project_path_argument
@config_option
def graduate(path: Path, config_path: Path | None) -> None:
    """Move the PoC at PATH to production: same answers, code and docs, plus production.

    Exit codes as for update.
    """
    from generator.lifecycle import graduate as graduate_project

    report = graduate_project(path.resolve(), config=load_config(config_path))
    _speak_project_language(path)
    _print_report(report)
    click.echo(i18n.t("lifecycle.graduate_next", project=_project_name(path)))
    _finish(report, None)
