"""`mljourney new` and `mljourney assess`: the questionnaire and the project it makes."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click
import yaml

from generator import i18n, questions
from generator.cli import prompts
from generator.cli._options import config_option
from generator.config import load_config
from generator.errors import UsageError
from generator.journey import (
    MODELS_IN_PRODUCTION,
    Assessment,
    assess,
    level_actions,
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
    """Create a project for your journey stage in DEST (default: ./PROJECT_NAME).

    The project's name defaults to DEST's folder name when that is a valid name.
    """
    from generator.layers import resolve_sources
    from generator.plan import Given, make_plan
    from generator.scaffold import Destination, create_project

    config = load_config(config_path)
    i18n.set_language(i18n.default_language(config.defaults))
    answers: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if answers_file is not None:
        answers.update(_read_answers_file(answers_file))
        origins = dict.fromkeys(answers, f"answers file {answers_file}")
    for key, value in parse_data_pairs(data_pairs).items():
        answers[key] = value
        origins.pop(key, None)
    if stage is not None:
        if "stage" in answers and answers["stage"] != stage:
            raise UsageError(i18n.t("new.two_stages", option=stage, answer=answers["stage"]))
        answers["stage"] = stage
        origins.pop("stage", None)
    org_defaults = dict(config.defaults)
    if dest is not None and "project_name" not in answers:
        # The destination's folder names the project unless an answer does (a name the
        # questions would refuse keeps the template's default instead).
        with contextlib.suppress(UsageError):
            org_defaults["project_name"] = questions.validate_project_name(dest.resolve().name)
    prompter = None
    if not defaults:
        if not prompts.is_interactive():
            raise UsageError(i18n.t("new.no_terminal"))
        prompter = prompts.make_prompter()
    plan = make_plan(
        Given(answers, origins, production=production, yes=yes),
        org_defaults,
        prompter=prompter,
        warn=_warn,
        org_origin=f"config {config_path}" if config_path else "the organisation config",
    )
    i18n.set_language(plan.language)
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
        i18n.t(
            "new.created",
            project=plan.project_name,
            target=target,
            stage=plan.stage,
            level=level_actions(plan.level).title,
            layers=", ".join(plan.layers),
        )
        + (i18n.t("new.committed") if committed else "")
    )
    click.echo("\n" + i18n.t("new.next_steps"))
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
@click.option(
    "--language",
    type=click.Choice(i18n.LANGUAGES),
    help="Language of the questions and advice (default: the config's, then the locale's).",
)
@config_option
def assess_command(
    models: str | None,
    pipeline: bool | None,
    lake: bool | None,
    sponsor: bool | None,
    save: Path | None,
    language: str | None,
    config_path: Path | None,
) -> None:
    """Find your journey stage and maturity level, and what to focus on."""
    language = language or i18n.default_language(load_config(config_path).defaults)
    i18n.set_language(language)
    if None in (models, pipeline, lake, sponsor):
        if not prompts.is_interactive():
            raise UsageError(i18n.t("assess.no_terminal"))
        prompter = prompts.make_prompter()
        if models is None:
            question = core_question("models_in_production").in_language(language)
            models = str(prompter.choose(i18n.t("assess.models"), question.choices, "0"))
        if pipeline is None:
            pipeline = prompter.confirm(i18n.t("assess.pipeline"), False)
        if lake is None:
            lake = prompter.confirm(i18n.t("assess.lake"), False)
        if sponsor is None:
            sponsor = prompter.confirm(i18n.t("assess.sponsor"), False)
    result = assess(Assessment(str(models), bool(pipeline), bool(lake), bool(sponsor)))
    actions = level_actions(result.level)
    click.echo(i18n.t("assess.stage", stage=result.stage))
    click.echo(i18n.t("assess.maturity", title=actions.title, signal=actions.signal))
    for reason in result.reasons:
        click.echo(f"  - {reason}")
    click.echo(i18n.t("assess.focus"))
    for area in ("ai_strategy", "data_strategy", "collaboration"):
        for item in getattr(actions, area):
            click.echo(f"  {i18n.t(f'journey.areas.{area}')}: {item}")
    if save is not None:
        if save.exists():
            raise UsageError(i18n.t("assess.exists", path=save))
        answers = {"stage": result.stage, "models_in_production": str(models)}
        if language != i18n.DEFAULT_LANGUAGE:
            answers["language"] = language
        try:
            save.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
        except OSError as error:
            raise UsageError(i18n.t("assess.cannot_write", path=save, error=error)) from error
        click.echo(i18n.t("assess.saved", path=save))
    else:
        start = i18n.t("assess.start", stage=result.stage, models=models)
        if language != i18n.DEFAULT_LANGUAGE:  # the project speaks the assessment's language
            start += f" --data language={language}"
        click.echo(start)
