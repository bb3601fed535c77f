"""What `mljourney new` will make, decided once and outside Click: the plan.

Answers given (``--data``, an answers file), the organisation's default answers and the
stage go in; one immutable :class:`Plan` comes out: the stage, the layers in the order
they are applied, every answer each layer receives, and the warnings given on the way.
`new` renders a plan; `smoke` builds its cases' plans with the same function, so a smoke
case is exactly what `new --defaults` would make.

Questions are asked through a :class:`Prompter` (the CLI's is questionary's); without
one, defaults are taken. Which questions are asked, in which order, with which default,
comes from the layers' ``copier.yml`` (:mod:`generator.questionnaire`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from generator.errors import UsageError
from generator.journey import EARLY_PRODUCTION_WARNING, Level, layers_for, level_for
from generator.questionnaire import (
    Question,
    core_question,
    default_for,
    is_asked_by_copier,
    organisation_questions,
    poc_stage_questions,
    production_stages,
    questionnaire,
)
from generator.questions import validate_answer

# Decided by the plan itself, never asked as such: the stage is asked first, on its own;
# `is_production` follows from the stage (or `--production`).
_DECIDED = frozenset({"stage", "is_production"})


class Prompter(Protocol):
    """Asks the user; the CLI's implementation is questionary's, tests script their own."""

    def stage(self, question: Question, default: str) -> str:
        """Ask the journey stage (``question`` is the core's ``stage``); return its value."""

    def answer(self, question: Question, default: Any, validate: Callable[[Any], Any]) -> Any:
        """Ask ``question``; ``validate`` returns the valid answer or raises ``UsageError``."""

    def confirm(self, prompt: str, default: bool) -> bool:
        """Ask a yes/no question that is no answer of the templates."""


@dataclass(frozen=True)
class Given:
    """What the user gave before any question: answers and flags.

    ``origins`` names the YAML file each answer read from one came from (for the hint to
    quote YAML 1.1 booleans and numbers); answers without an origin are text.
    """

    answers: Mapping[str, Any] = field(default_factory=dict)
    origins: Mapping[str, str] = field(default_factory=dict)
    production: bool = False
    yes: bool = False


@dataclass(frozen=True)
class Plan:
    """One project to make: the stage, its layers in order, every answer, the warnings."""

    stage: str
    layers: tuple[str, ...]
    answers: Mapping[str, Any]
    warnings: tuple[str, ...] = ()

    @property
    def project_name(self) -> str:
        return str(self.answers["project_name"])

    @property
    def level(self) -> Level:
        return level_for(str(self.answers["models_in_production"]))

    def data(self) -> dict[str, Any]:
        """The answers passed to every layer (each layer ignores what it does not ask)."""
        return dict(self.answers)


def _validated(name: str, value: Any, origin: str | None) -> Any:
    return validate_answer(name, value, origin)


def _stage(given: Given, prompter: Prompter | None) -> str:
    question = core_question("stage")
    if "stage" in given.answers:
        return str(_validated("stage", given.answers["stage"], given.origins.get("stage")))
    default = str(default_for(question, {}))
    return default if prompter is None else prompter.stage(question, default)


def _production(
    stage: str, given: Given, prompter: Prompter | None, warn: Callable[[str], None]
) -> tuple[bool, tuple[str, ...]]:
    """Whether the production layer is applied; an early stage must confirm it."""
    default = default_for(core_question("is_production"), {"stage": stage})
    wanted = given.production or bool(
        _validated(
            "is_production",
            given.answers.get("is_production", default),
            given.origins.get("is_production"),
        )
    )
    if not wanted or stage in production_stages():
        return wanted, ()
    warning = f"Careful: you are at the {stage} stage. {EARLY_PRODUCTION_WARNING}"
    warn(warning)
    if not given.yes:
        if prompter is None:
            raise UsageError(
                f"the production layer at the {stage} stage needs explicit confirmation: add --yes"
            )
        if not prompter.confirm("Build the production layer anyway?", False):
            raise UsageError("stopped: no production layer at this stage")
    return True, (warning,)


def make_plan(
    given: Given,
    org_defaults: Mapping[str, Any] | None = None,
    *,
    prompter: Prompter | None = None,
    warn: Callable[[str], None] = lambda message: None,
    org_origin: str = "the organisation config",
) -> Plan:
    """Decide the stage, the layers and every answer of a new project.

    Given answers are validated first (an unknown one is a ``UsageError`` naming the known
    ones); then each question of the plan's layers, in copier.yml order, is asked
    (``prompter``) or takes its default: the organisation's default answer
    (``org_defaults``, validated, used only for questions this plan's layers ask) or the
    copier.yml default rendered with the answers so far. The charter's questions
    (``_poc_stage_questions``) are asked at the PoC stages only, the organisation's CI
    settings (``_organisation_questions``) never; a question whose ``when`` is false is
    neither asked nor passed. ``warn`` is called with each warning as it arises (the
    early-production warning, before its confirmation).
    """
    defaults = dict(org_defaults or {})
    known_everywhere = {q.name for q in questionnaire()}
    unknown = sorted(set(given.answers) - known_everywhere)
    if unknown:
        raise UsageError(
            f"unknown answer '{unknown[0]}'; known: {', '.join(sorted(known_everywhere))}"
        )
    # Every given answer is checked before the first question is asked.
    checked = {
        name: _validated(name, value, given.origins.get(name))
        for name, value in given.answers.items()
    }
    stage = _stage(given, prompter)
    production, warnings = _production(stage, given, prompter, warn)
    values: dict[str, Any] = {"stage": stage, "is_production": production}
    skipped_here = poc_stage_questions() if stage in production_stages() else frozenset()
    skipped_here |= organisation_questions()

    def settle(question: Question) -> None:
        name = question.name
        if name in _DECIDED or name in values:
            return
        if name in checked:
            values[name] = checked[name]
            return
        if not is_asked_by_copier(question, values):
            return
        if name in defaults:
            default = _validated(name, defaults[name], org_origin)
        else:
            default = default_for(question, values)
        if prompter is None or name in skipped_here:
            values[name] = default
        else:

            def validate(value: Any) -> Any:
                return _validated(name, value, None)

            values[name] = prompter.answer(question, default, validate)

    # The core's questions first: `feedback_loop` among them decides the other layers.
    for question in questionnaire(("poc",)):
        settle(question)
    layers = layers_for(production, bool(values["feedback_loop"]))
    for question in questionnaire(layers):
        settle(question)
    asked_by_layers = {q.name for q in questionnaire(layers)}
    not_here = sorted(set(given.answers) - asked_by_layers)
    if not_here:
        raise UsageError(
            f"unknown answer '{not_here[0]}' for stage {stage} (layers {', '.join(layers)}); "
            f"known: {', '.join(sorted(asked_by_layers))}"
        )
    return Plan(
        stage=stage,
        layers=layers,
        answers=MappingProxyType(values),
        warnings=warnings,
    )
