"""The `mljourney` command line: Click only - options, prompts, output.

Every command maps its flags onto one call into a core module; every failure the user
can act on is an ``MljourneyError`` that becomes one line on stderr and an exit code here.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import yaml

from generator import __version__
from generator.config import load_config
from generator.errors import MljourneyError, UsageError
from generator.journey import (
    EARLY_PRODUCTION_WARNING,
    LEVEL_ACTIONS,
    MODELS_IN_PRODUCTION,
    PRODUCTION_STAGES,
    STAGES,
    Assessment,
    assess,
    layers_for,
    level_for,
    next_steps,
)
from generator.questions import (
    Question,
    complete_answers,
    parse_bool,
    parse_data_pairs,
    validate_stage,
)

if TYPE_CHECKING:
    from generator.lifecycle import LifecycleReport

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Turns mljourney errors into one line on stderr and their exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MljourneyError as error:
            click.echo(f"mljourney: error: {error}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut this
                signal.signal(sig, signal.SIG_IGN)
            click.echo(
                "mljourney: interrupted; nothing half-done was left (git log shows where the "
                "project stands)",
                err=True,
            )
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mljourney")
def main() -> None:
    """Scaffold ML projects for where your team stands on the ML journey.

    learning / experimenting / prototyping get a SageMaker Studio Lab proof of concept;
    building / deploying / scaling get a SageMaker production project; either can carry a
    feedback loop that collects labels through the product.
    """


def _config_option(function: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Organisation config (template sources, defaults, policy); or $MLJOURNEY_CONFIG.",
    )(function)


def _read_answers_file(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(
            f"cannot read answers file {path}: {' '.join(str(error).split())}"
        ) from error
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise UsageError(f"answers file {path} must be a mapping of answer names to values")
    # An answers file written by Copier or `assess --save` carries bookkeeping keys: skip them.
    return {str(k): v for k, v in raw.items() if not str(k).startswith("_")}


def _ask_stage() -> str:
    click.echo("Where does your team stand on the ML journey?")
    for number, stage in enumerate(STAGES, start=1):
        click.echo(f"  {number}. {stage.name:<14} {stage.summary}")
    choice = click.prompt(
        "Stage (number or name)",
        default="prototyping",
        value_proc=_stage_from_choice,
    )
    return str(choice)


def _stage_from_choice(value: str) -> str:
    value = value.strip()
    if value.isdigit() and 1 <= int(value) <= len(STAGES):
        return STAGES[int(value) - 1].name
    try:
        return validate_stage(value)
    except UsageError as error:
        raise click.BadParameter(str(error)) from error


def _ask(question: Question, default: Any) -> Any:
    if question.is_bool:
        return click.confirm(question.prompt, default=bool(default))
    if question.choices:
        return click.prompt(
            question.prompt, type=click.Choice(question.choices), default=str(default)
        )
    validate = question.validate

    def check(value: str) -> str:
        if validate is None:
            return value
        try:
            return validate(value)
        except UsageError as error:
            raise click.BadParameter(str(error)) from error

    return click.prompt(question.prompt, default=str(default), value_proc=check)


@main.command()
@click.argument("dest", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--stage",
    help="Journey stage: learning, experimenting, prototyping, building, deploying, scaling.",
)
@click.option(
    "--data", "data_pairs", multiple=True, metavar="KEY=VALUE", help="An answer; repeatable."
)
@click.option(
    "--answers-file", type=click.Path(path_type=Path, dir_okay=False), help="YAML file of answers."
)
@click.option(
    "--defaults", is_flag=True, help="Do not ask: take defaults for everything not given."
)
@click.option("--production", is_flag=True, help="Add the production layer even at an early stage.")
@click.option("--yes", is_flag=True, help="Confirm warnings without asking.")
@click.option(
    "--into-existing", is_flag=True, help="Allow a non-empty DEST (never overwrites files)."
)
@click.option("--no-git", is_flag=True, help="Do not make DEST a git repository.")
@click.option(
    "--overlay",
    "overlays",
    multiple=True,
    metavar="SOURCE",
    help="A Copier or Cookiecutter template to render on top (path or git URL); repeatable.",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Let overlays run Copier tasks, migrations and Jinja extensions (unsafe; off).",
)
@_config_option
def new(
    dest: Path | None,
    stage: str | None,
    data_pairs: tuple[str, ...],
    answers_file: Path | None,
    defaults: bool,
    production: bool,
    yes: bool,
    into_existing: bool,
    no_git: bool,
    overlays: tuple[str, ...],
    trust: bool,
    config_path: Path | None,
) -> None:
    """Create a project for your journey stage in DEST (default: ./PROJECT_NAME)."""
    from generator.layers import resolve_sources, template_questions
    from generator.scaffold import Destination, create_project

    config = load_config(config_path)
    given: dict[str, Any] = {}
    if answers_file is not None:
        given.update(_read_answers_file(answers_file))
    given.update(parse_data_pairs(data_pairs))
    if stage is not None:
        given["stage"] = stage
    interactive = not defaults
    if "stage" in given:
        chosen_stage = validate_stage(str(given["stage"]))
    else:
        chosen_stage = _ask_stage() if interactive else "prototyping"

    wants_production = production or parse_bool(
        "is_production", given.get("is_production", chosen_stage in PRODUCTION_STAGES)
    )
    if wants_production and chosen_stage not in PRODUCTION_STAGES:
        click.echo(
            f"Careful: you are at the {chosen_stage} stage. {EARLY_PRODUCTION_WARNING}", err=True
        )
        if not yes:
            if not interactive:
                raise UsageError(
                    f"the production layer at the {chosen_stage} stage needs explicit "
                    "confirmation: add --yes"
                )
            if not click.confirm("Build the production layer anyway?", default=False):
                raise UsageError("stopped: no production layer at this stage")
    given["is_production"] = wants_production
    feedback = parse_bool(
        "feedback_loop", given.get("feedback_loop", config.defaults.get("feedback_loop", False))
    )
    layers = layers_for("building" if wants_production else chosen_stage, feedback)
    known = frozenset().union(*(template_questions(layer) for layer in layers))
    answers = complete_answers(
        chosen_stage, given, _ask if interactive else None, known, config.defaults
    )
    if answers.feedback_loop != feedback:
        layers = layers_for("building" if wants_production else chosen_stage, answers.feedback_loop)
    target = dest if dest is not None else Path(answers.project_name)
    committed = create_project(
        Destination(target, into_existing=into_existing),
        layers,
        resolve_sources(config.template_sources),
        answers.as_data(),
        init_git=not no_git,
        overlays=(*config.overlays, *overlays),
        trust=trust,
    )
    level = level_for(answers.models_in_production)
    click.echo(
        f"Created {answers.project_name} in {target} "
        f"(stage {chosen_stage}, {LEVEL_ACTIONS[level].title}; layers: {', '.join(layers)})"
        + ("; committed to a new git repository" if committed else "")
    )
    click.echo("\nNext steps:")
    for line in next_steps(answers.project_name, str(target), chosen_stage, level, layers):
        click.echo(f"  {line}")


@main.command("assess")
@click.option(
    "--models", "models", type=click.Choice(MODELS_IN_PRODUCTION), help="Models in production."
)
@click.option("--pipeline/--no-pipeline", default=None, help="Is there a data pipeline?")
@click.option("--lake/--no-lake", default=None, help="Is there a data lake or warehouse?")
@click.option(
    "--sponsor/--no-sponsor", default=None, help="Has the first use case an executive sponsor?"
)
@click.option(
    "--save",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the result as an answers file for `new --answers-file`.",
)
def assess_command(
    models: str | None,
    pipeline: bool | None,
    lake: bool | None,
    sponsor: bool | None,
    save: Path | None,
) -> None:
    """Find your journey stage and maturity level, and what to focus on."""
    if models is None:
        models = click.prompt(
            "How many ML models run in production in your organisation?",
            type=click.Choice(MODELS_IN_PRODUCTION),
            default="0",
        )
    if pipeline is None:
        pipeline = click.confirm("Do you have a data pipeline feeding ML work?", default=False)
    if lake is None:
        lake = click.confirm(
            "Is your data in one source of truth (data lake / warehouse)?", default=False
        )
    if sponsor is None:
        sponsor = click.confirm("Does the first use case have an executive sponsor?", default=False)
    result = assess(Assessment(str(models), pipeline, lake, sponsor))
    actions = LEVEL_ACTIONS[result.level]
    click.echo(f"Stage: {result.stage}")
    click.echo(f"Maturity: {actions.title} ({actions.signal})")
    for reason in result.reasons:
        click.echo(f"  - {reason}")
    click.echo("Focus:")
    for area, items in (
        ("AI strategy", actions.ai_strategy),
        ("Data strategy", actions.data_strategy),
        ("Collaboration", actions.collaboration),
    ):
        for item in items:
            click.echo(f"  {area}: {item}")
    if save is not None:
        if save.exists():
            raise UsageError(f"{save} exists; not overwriting it")
        try:
            save.write_text(
                yaml.safe_dump({"stage": result.stage, "models_in_production": str(models)}),
                encoding="utf-8",
            )
        except OSError as error:
            raise UsageError(f"cannot write {save}: {error}") from error
        click.echo(f"Saved; start the project with: mljourney new --answers-file {save}")
    else:
        click.echo(
            f"Start the project with: mljourney new --stage {result.stage} "
            f"--data models_in_production={models}"
        )


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


@main.command()
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change; touch nothing.")
@click.option("--branch", metavar="NAME", help=_BRANCH_HELP)
@click.option("--summary-json", type=click.Path(path_type=Path, dir_okay=False), help=_SUMMARY_HELP)
@click.option("--trust", is_flag=True, help="Let overlays run Copier tasks (unsafe; off).")
def update(
    path: Path, dry_run: bool, branch: str | None, summary_json: Path | None, trust: bool
) -> None:
    """Bring every layer of the project at PATH to the current template version.

    Exit codes: 0 done (committed), 1 failed (nothing changed), 2 usage error,
    3 conflicts or template changes not applied (left uncommitted, or on --branch).
    """
    from generator.lifecycle import update_project

    report = update_project(path.resolve(), dry_run=dry_run, branch=branch, trust=trust)
    _print_report(report, dry_run=dry_run)
    _finish(report, summary_json)


@main.command()
@click.argument("layer", type=click.Choice(["feedback-loop", "production"]))
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False))
def add(layer: str, path: Path) -> None:
    """Add LAYER to the existing project at PATH, reusing its answers (exit codes: update)."""
    from generator.lifecycle import add_layer

    report = add_layer(path.resolve(), layer)
    _print_report(report)
    _finish(report, None)


@main.command()
@click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False))
def graduate(path: Path) -> None:
    """Move the PoC at PATH to production: same answers, code and docs, plus production.

    Exit codes as for update.
    """
    from generator.lifecycle import graduate as graduate_project

    report = graduate_project(path.resolve())
    _print_report(report)
    click.echo("Next: pip install -e '.[test]' again (production dependencies), then run-local.")
    _finish(report, None)


def _register_fleet_commands() -> None:
    """`check` and `smoke` live in their own module; their heavy imports stay lazy."""
    from generator.cli_check_smoke import check_command, smoke_command

    main.add_command(check_command)
    main.add_command(smoke_command)


_register_fleet_commands()


def _register_proposal_commands() -> None:
    """`changelog` and `propose-update` (the update-proposal workflow's steps): cli_fleet.py."""
    from generator.cli_fleet import changelog_command, propose_update

    main.add_command(changelog_command)
    main.add_command(propose_update)


_register_proposal_commands()
