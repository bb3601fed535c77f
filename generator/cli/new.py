"""`mljourney new` and `mljourney assess`: the questionnaire and the project it makes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

from generator.cli import prompts
from generator.cli._options import config_option
from generator.config import load_config
from generator.errors import UsageError
from generator.journey import (
    LEVEL_ACTIONS,
    MODELS_IN_PRODUCTION,
    Assessment,
    assess,
    next_steps,
)
from generator.questionnaire import core_question
from generator.questions import parse_data_pairs


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


def _warn(message: str) -> None:
    click.echo(message, err=True)


@click.command()
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
@config_option
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
    from generator.layers import resolve_sources
    from generator.plan import Given, make_plan
    from generator.scaffold import Destination, create_project

    config = load_config(config_path)
    answers: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if answers_file is not None:
        answers.update(_read_answers_file(answers_file))
        origins = dict.fromkeys(answers, f"answers file {answers_file}")
    for key, value in parse_data_pairs(data_pairs).items():
        answers[key] = value
        origins.pop(key, None)
    if stage is not None:
        answers["stage"] = stage
        origins.pop("stage", None)
    prompter = None
    if not defaults:
        if not prompts.is_interactive():
            raise UsageError(prompts.NON_INTERACTIVE_HINT)
        prompter = prompts.make_prompter()
    plan = make_plan(
        Given(answers, origins, production=production, yes=yes),
        config.defaults,
        prompter=prompter,
        warn=_warn,
        org_origin=f"config {config_path}" if config_path else "the organisation config",
    )
    target = dest if dest is not None else Path(plan.project_name)
    committed = create_project(
        Destination(target, into_existing=into_existing),
        plan.layers,
        resolve_sources(config.template_sources),
        plan.data(),
        init_git=not no_git,
        overlays=(*config.overlays, *overlays),
        trust=trust,
    )
    click.echo(
        f"Created {plan.project_name} in {target} "
        f"(stage {plan.stage}, {LEVEL_ACTIONS[plan.level].title}; "
        f"layers: {', '.join(plan.layers)})"
        + ("; committed to a new git repository" if committed else "")
    )
    click.echo("\nNext steps:")
    for line in next_steps(plan.project_name, str(target), plan.stage, plan.level, plan.layers):
        click.echo(f"  {line}")


@click.command("assess")
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
    if None in (models, pipeline, lake, sponsor):
        if not prompts.is_interactive():
            raise UsageError(
                "no terminal to ask questions in: give --models, --pipeline/--no-pipeline, "
                "--lake/--no-lake and --sponsor/--no-sponsor"
            )
        prompter = prompts.make_prompter()
        if models is None:
            question = core_question("models_in_production")
            models = str(
                prompter.choose(
                    "How many ML models run in production in your organisation?",
                    question.choices,
                    "0",
                )
            )
        if pipeline is None:
            pipeline = prompter.confirm("Do you have a data pipeline feeding ML work?", False)
        if lake is None:
            lake = prompter.confirm(
                "Is your data in one source of truth (data lake / warehouse)?", False
            )
        if sponsor is None:
            sponsor = prompter.confirm("Does the first use case have an executive sponsor?", False)
    result = assess(Assessment(str(models), bool(pipeline), bool(lake), bool(sponsor)))
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
