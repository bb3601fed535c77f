"""The ML journey: stages, maturity levels and what each level should focus on.

Plain data and pure functions, no I/O beyond reading the core layer's ``copier.yml``,
which declares the stages, task types and model counts (the answers' choices) once:
the names here are read from it (see :mod:`generator.questionnaire`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from generator import questionnaire


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


LEVEL_ACTIONS: dict[Level, LevelActions] = {
    Level.STARTING: LevelActions(
        title="Level 1 - starting",
        signal="interested in ML, little hands-on experience",
        ai_strategy=(
            "Run a proof of concept on a high-importance problem that shows results quickly",
            "Build momentum and explain why ML matters for this problem",
        ),
        data_strategy=(
            "Find and document the data you already have (docs/data-inventory.md)",
            "Record for each source whether it is usable for ML",
            "No data pipeline yet: plan a timeline for one",
        ),
        collaboration=(
            "Let teams explore and experiment",
            "Work with outside experts",
            "Use managed services instead of building infrastructure",
        ),
    ),
    Level.FIRST_WINS: LevelActions(
        title="Level 2 - first wins",
        signal="a few models in production",
        ai_strategy=(
            "Build ML capability across the organisation",
            "Agree a strategy to move proofs of concept to production",
            "Work across teams",
        ),
        data_strategy=(
            "Merge sources into one source of truth (data lake or warehouse)",
            "Raise data literacy",
        ),
        collaboration=(
            "Form an in-house ML team",
            "Train the existing workforce",
        ),
    ),
    Level.IMPACT: LevelActions(
        title="Level 3 - impact",
        signal="several production models with business impact",
        ai_strategy=(
            "Put a long-term AI strategy at the core of the business",
            "Establish AI leadership and a hiring pipeline",
        ),
        data_strategy=("Bring in external data to raise quality",),
        collaboration=(
            "Build an ML organisation that works with every team",
            "Keep exploring new use cases",
        ),
    ),
}

EARLY_PRODUCTION_WARNING = (
    "Building a complete ML infrastructure before a proof of concept has shown value is the "
    "classic early mistake: it costs months, and the pipeline is shaped before anyone knows "
    "which model, data or metric matters. Start with a PoC on a problem with an executive "
    "sponsor, document your data, and graduate to production when the PoC wins "
    "(`mljourney graduate`)."
)


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
            reasons.append("no executive sponsor yet: find a high-importance problem first")
        elif not answers.data_pipeline:
            stage = "experimenting"
            reasons.append("a sponsor but no data pipeline: explore and document the data")
        else:
            stage = "prototyping"
            reasons.append("a sponsor and a data pipeline: build a proof of concept")
        if answers.data_lake:
            reasons.append("a data lake already exists: use it as the PoC's source of truth")
    elif level is Level.FIRST_WINS:
        stage = "deploying" if answers.data_lake else "building"
        reasons.append("models in production: standardise the path from PoC to production")
        if not answers.data_lake:
            reasons.append("no data lake: merge sources into one source of truth")
    else:
        stage = "scaling" if answers.data_lake and answers.data_pipeline else "deploying"
        reasons.append("several models with impact: scale monitoring and retraining")
        if not (answers.data_lake and answers.data_pipeline):
            reasons.append("the data platform lags the models: build the lake and pipelines")
    if level is not Level.STARTING and not answers.data_pipeline:
        reasons.append("no data pipeline: plan one before the next model")
    return AssessmentResult(stage=stage, level=level, reasons=tuple(reasons))


def next_steps(
    project_name: str, dest: str, stage: str, level: Level, layers: tuple[str, ...]
) -> list[str]:
    """What the team does right after `new`: commands first, then the level's focus."""
    lines = [
        f"cd {dest}",
        "python -m venv .venv && . .venv/bin/activate && pip install -e '.[test]'",
        "pytest    # the project's own tests pass right away",
    ]
    if "production" in layers:
        lines += [
            f"{project_name} run-local    # ingest -> preprocess -> train -> evaluate -> register",
            f"{project_name} definition   # the SageMaker pipeline definition, built offline",
            "Then: deploy infra/ with CloudFormation and let .github/workflows run the pipeline",
        ]
    else:
        lines += [
            f"{project_name} baseline     # baseline vs trivial baseline -> reports/",
            "Fill in docs/poc-charter.md (problem, sponsor, success metric, timebox)",
            "Fill in docs/data-inventory.md: which data you have and whether it can serve ML",
        ]
    if "feedback-loop" in layers:
        lines.append(
            f"{project_name} feedback serve --host 127.0.0.1 --port 8000"
            "   # like button + panel challenge"
        )
    actions = LEVEL_ACTIONS[level]
    lines.append(f"Focus for {actions.title} ({actions.signal}):")
    lines += [f"  AI strategy: {item}" for item in actions.ai_strategy]
    lines += [f"  Data strategy: {item}" for item in actions.data_strategy]
    lines += [f"  Collaboration: {item}" for item in actions.collaboration]
    if stage not in questionnaire.production_stages():
        lines.append("When the PoC meets its success metric: mljourney graduate")
    return lines
