"""The ML journey: stages, maturity levels and what each level should focus on.

Plain data and pure functions, no I/O beyond reading the core layer's ``copier.yml``,
which declares the stages, task types and model counts (the answers' choices) once:
the names here are read from it (see :mod:`generator.questionnaire`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from generator import i18n, questionnaire


@dataclass(frozen=True)
class Stage:
    """One step of the journey and its one-line summary (from the ``stage`` choices)."""

    name: str
    summary: str


STAGES: tuple[Stage, ...] = tuple(
    Stage(name, summary) for name, summary in questionnaire.stage_choices()
)
STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in STAGES)
TASK_TYPES: tuple[str, ...] = tuple(str(v) for v in questionnaire.core_question("task_type").values)
MODELS_IN_PRODUCTION: tuple[str, ...] = tuple(
    str(v) for v in questionnaire.core_question("models_in_production").values
)

if TYPE_CHECKING:
    # The stages whose `is_production` answer defaults to true (computed on first use:
    # rendering that default needs Jinja, which `mljourney --help` should not import).
    PRODUCTION_STAGES: frozenset[str]


def __getattr__(name: str) -> Any:
    if name == "PRODUCTION_STAGES":
        return questionnaire.production_stages()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Level(IntEnum):
    """Organisational ML maturity."""

    STARTING = 1
    FIRST_WINS = 2
    IMPACT = 3


@dataclass(frozen=True)
class LevelActions:
    """What a level should focus on, per area."""

    title: str
    signal: str
    ai_strategy: tuple[str, ...]
    data_strategy: tuple[str, ...]
    collaboration: tuple[str, ...]


def level_actions(level: Level, language: str | None = None) -> LevelActions:
    """What ``level`` should focus on, in ``language`` (default: the current one).

    The texts are the catalogue's ``journey.levels`` (``generator/messages.yml``), from
    the enablement workshop's three maturity levels.
    """
    key = f"journey.levels.{int(level)}"
    return LevelActions(
        title=i18n.t(f"{key}.title", language),
        signal=i18n.t(f"{key}.signal", language),
        ai_strategy=i18n.texts(f"{key}.ai_strategy", language),
        data_strategy=i18n.texts(f"{key}.data_strategy", language),
        collaboration=i18n.texts(f"{key}.collaboration", language),
    )


# English, for callers that want the texts as data (the CLI speaks through level_actions).
LEVEL_ACTIONS: dict[Level, LevelActions] = {level: level_actions(level, "en") for level in Level}

EARLY_PRODUCTION_WARNING = i18n.t("journey.early_production_warning", "en")


def early_production_warning(language: str | None = None) -> str:
    """The warning against building full ML infrastructure before a PoC has shown value."""
    return i18n.t("journey.early_production_warning", language)


def level_for(models_in_production: str) -> Level:
    """Maturity level from how many models the organisation runs in production."""
    return {"0": Level.STARTING, "1-2": Level.FIRST_WINS, "3+": Level.IMPACT}[models_in_production]


def layers_for(production: bool, feedback_loop: bool) -> tuple[str, ...]:
    """Layers a project gets, in the order they are applied.

    The poc layer is the core of every project; production (``is_production``) and the
    feedback loop (``feedback_loop``) are added on top of it.
    """
    layers = ["poc"]
    if production:
        layers.append("production")
    if feedback_loop:
        layers.append("feedback-loop")
    return tuple(layers)


def next_stage(stage: str) -> str:
    """The stage a team graduates to: the first production stage, or the next one."""
    index = STAGE_NAMES.index(stage)
    if stage not in questionnaire.production_stages():
        return next(s for s in STAGE_NAMES if s in questionnaire.production_stages())
    return STAGE_NAMES[min(index + 1, len(STAGE_NAMES) - 1)]


@dataclass(frozen=True)
class Assessment:
    """Answers of `mljourney assess`."""

    models_in_production: str
    data_pipeline: bool
    data_lake: bool
    executive_sponsor: bool


@dataclass(frozen=True)
class AssessmentResult:
    """Where the assessment puts the team."""

    stage: str
    level: Level
    reasons: tuple[str, ...]


def assess(answers: Assessment) -> AssessmentResult:
    """Place a team on the journey from four facts about it.

    No model in production means a PoC stage: without a sponsor, learn first; with a sponsor
    but no pipeline, experiment on the data you have; with a sponsor and a pipeline,
    prototype. Models in production mean a production stage, advanced by how much of the
    data platform exists.
    """
    level = level_for(answers.models_in_production)
    reasons: list[str] = []
    if level is Level.STARTING:
        if not answers.executive_sponsor:
            stage = "learning"
            reasons.append(i18n.t("journey.reasons.no_sponsor"))
        elif not answers.data_pipeline:
            stage = "experimenting"
            reasons.append(i18n.t("journey.reasons.no_pipeline_poc"))
        else:
            stage = "prototyping"
            reasons.append(i18n.t("journey.reasons.prototype"))
        if answers.data_lake:
            reasons.append(i18n.t("journey.reasons.lake_exists"))
    elif level is Level.FIRST_WINS:
        stage = "deploying" if answers.data_lake else "building"
        reasons.append(i18n.t("journey.reasons.first_wins"))
        if not answers.data_lake:
            reasons.append(i18n.t("journey.reasons.no_lake"))
    else:
        stage = "scaling" if answers.data_lake and answers.data_pipeline else "deploying"
        reasons.append(i18n.t("journey.reasons.impact"))
        if not (answers.data_lake and answers.data_pipeline):
            reasons.append(i18n.t("journey.reasons.platform_lags"))
    if level is not Level.STARTING and not answers.data_pipeline:
        reasons.append(i18n.t("journey.reasons.no_pipeline"))
    return AssessmentResult(stage=stage, level=level, reasons=tuple(reasons))


def next_steps(
    project_name: str, dest: str, stage: str, level: Level, layers: tuple[str, ...]
) -> list[str]:
    """What the team does right after `new`: commands first, then the level's focus.

    In the current language (:mod:`generator.i18n`); commands stay as they are.
    """
    steps = "journey.next_steps"
    lines = [f"cd {dest}", i18n.t(f"{steps}.install"), i18n.t(f"{steps}.pytest")]
    if "production" in layers:
        lines += [
            i18n.t(f"{steps}.run_local", project=project_name),
            i18n.t(f"{steps}.definition", project=project_name),
            i18n.t(f"{steps}.deploy"),
        ]
    else:
        lines += [
            i18n.t(f"{steps}.baseline", project=project_name),
            i18n.t(f"{steps}.charter"),
            i18n.t(f"{steps}.inventory"),
        ]
    if "feedback-loop" in layers:
        lines.append(i18n.t(f"{steps}.feedback", project=project_name))
    actions = level_actions(level)
    lines.append(i18n.t(f"{steps}.focus", title=actions.title, signal=actions.signal))
    for area in ("ai_strategy", "data_strategy", "collaboration"):
        label = i18n.t(f"journey.areas.{area}")
        lines += [f"  {label}: {item}" for item in getattr(actions, area)]
    if stage not in questionnaire.production_stages():
        lines.append(i18n.t(f"{steps}.graduate"))
    return lines
