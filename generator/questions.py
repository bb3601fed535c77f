"""What `mljourney new` asks, in which order, and how every answer is validated.

Typed answers and the interactive ones pass through the same validators, so
``--data project_name=../x`` fails exactly like typing ``../x`` at the prompt.
"""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.errors import UsageError
from generator.journey import MODELS_IN_PRODUCTION, PRODUCTION_STAGES, STAGE_NAMES, TASK_TYPES

MAX_NAME_LENGTH = 40
_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_ORGANISATION = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def validate_project_name(value: str) -> str:
    """Return ``value`` if it is a usable project slug, else raise ``UsageError``."""
    if not value:
        raise UsageError("project_name is empty: give a slug such as 'churn-model'")
    if len(value) > MAX_NAME_LENGTH:
        raise UsageError(
            f"project_name '{value[:50]}' is {len(value)} characters long; "
            f"at most {MAX_NAME_LENGTH} are allowed"
        )
    if "/" in value or "\\" in value or ".." in value:
        raise UsageError(f"project_name '{value}' must not contain path separators or '..'")
    if not _SLUG.match(value):
        raise UsageError(
            f"project_name '{value}' is not a slug: use lowercase letters, digits and single "
            "dashes, starting with a letter (e.g. 'churn-model')"
        )
    package = package_name_for(value)
    if keyword.iskeyword(package) or keyword.issoftkeyword(package):
        raise UsageError(
            f"project_name '{value}' gives the package name '{package}', a Python keyword"
        )
    if package in sys.stdlib_module_names:
        raise UsageError(
            f"project_name '{value}' gives the package name '{package}', which shadows Python's "
            f"standard library module '{package}'"
        )
    return value


def package_name_for(project_name: str) -> str:
    """The Python package name derived from a project slug."""
    return project_name.replace("-", "_")


def _choice(name: str, choices: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in choices:
            raise UsageError(f"unknown {name} '{value}': choose one of {', '.join(choices)}")
        return value

    return check


def _pattern(name: str, pattern: re.Pattern[str], example: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise UsageError(f"{name} '{value}' is not valid: expected something like {example}")
        return value

    return check


def _text(name: str, limit: int = 300) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value.strip():
            raise UsageError(f"{name} is empty")
        if len(value) > limit or "\n" in value:
            raise UsageError(f"{name} must be one line of at most {limit} characters")
        return value

    return check


def _weeks(value: str) -> str:
    if not value.strip().isdigit() or not 1 <= int(value) <= 26:
        raise UsageError(
            f"timebox_weeks must be a whole number of weeks from 1 to 26, not '{value}'"
        )
    return value.strip()


def _optional_text(name: str, limit: int = 300) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) > limit or "\n" in value:
            raise UsageError(f"{name} must be one line of at most {limit} characters")
        return value

    return check


def parse_bool(name: str, value: object) -> bool:
    """Read a yes/no answer given as text (``--data``) or as a YAML boolean."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f"{name} must be true or false, not '{value}'")


@dataclass(frozen=True)
class Question:
    """One question of the `new` questionnaire."""

    name: str
    prompt: str
    validate: Callable[[str], str] | None = None
    choices: tuple[str, ...] = ()
    is_bool: bool = False
    default: Callable[[Mapping[str, Any]], Any] = field(default=lambda answers: "")
    production_only: bool = False
    poc_only: bool = False


def _default(value: Any) -> Callable[[Mapping[str, Any]], Any]:
    return lambda answers: value


QUESTIONS: tuple[Question, ...] = (
    Question(
        "project_name",
        "Project name (a slug, e.g. churn-model)",
        validate_project_name,
        default=_default("ml-project"),
    ),
    Question(
        "description",
        "One sentence on the problem the model solves",
        _text("description"),
        default=_default("A proof of concept that shows whether ML can solve our problem."),
    ),
    Question(
        "task_type",
        "ML task type",
        _choice("task_type", TASK_TYPES),
        choices=TASK_TYPES,
        default=_default("classification"),
    ),
    Question(
        "models_in_production",
        "Models your organisation runs in production (0, 1-2, 3+)",
        _choice("models_in_production", MODELS_IN_PRODUCTION),
        choices=MODELS_IN_PRODUCTION,
        default=_default("0"),
    ),
    Question(
        "feedback_loop",
        "Collect labels through the product (like button, panel challenge)?",
        is_bool=True,
        default=_default(False),
    ),
    Question(
        "organisation",
        "GitHub organisation that will host the repository",
        _pattern("organisation", _ORGANISATION, "'acme-ml'"),
        default=_default("your-org"),
    ),
    Question(
        "executive_sponsor",
        "Executive sponsor of the PoC (name and role)",
        _text("executive_sponsor"),
        default=_default("to be named"),
        poc_only=True,
    ),
    Question(
        "timebox_weeks",
        "Timebox of the PoC in weeks",
        _weeks,
        default=_default(6),
        poc_only=True,
    ),
    Question(
        "data_sources",
        "Data sources you have, comma-separated (each gets an entry in the data inventory)",
        _optional_text("data_sources"),
        default=_default(""),
        poc_only=True,
    ),
    Question(
        "aws_region",
        "AWS region",
        _pattern("aws_region", _REGION, "eu-west-1"),
        default=_default("eu-west-1"),
        production_only=True,
    ),
    Question(
        "aws_account_id",
        "AWS account id (12 digits)",
        _pattern("aws_account_id", _ACCOUNT, "123456789012"),
        default=_default("123456789012"),
        production_only=True,
    ),
)
QUESTIONS_BY_NAME: dict[str, Question] = {q.name: q for q in QUESTIONS}

validate_stage = _choice("stage", STAGE_NAMES)


def questions_for(stage: str) -> tuple[Question, ...]:
    """The questions a team at ``stage`` is asked, in order (the stage itself comes first)."""
    production = stage in PRODUCTION_STAGES
    return tuple(
        q
        for q in QUESTIONS
        if not (q.production_only and not production) and not (q.poc_only and production)
    )


def validate_answer(name: str, value: Any) -> Any:
    """Validate one answer we know about; answers owned by a template pass through as given.

    Template-only answers are still checked by the template's own Copier validators.
    """
    if name == "stage":
        return validate_stage(str(value))
    question = QUESTIONS_BY_NAME.get(name)
    if question is None:
        return value
    if question.is_bool:
        return parse_bool(name, value)
    if question.validate is not None:
        if not isinstance(value, str | int | float):
            raise UsageError(f"{name} must be a single value, not {type(value).__name__}")
        return question.validate(str(value))
    return value


@dataclass(frozen=True)
class Answers:
    """A complete, validated set of answers for `new`."""

    stage: str
    values: Mapping[str, Any]

    @property
    def project_name(self) -> str:
        return str(self.values["project_name"])

    @property
    def feedback_loop(self) -> bool:
        return bool(self.values["feedback_loop"])

    @property
    def models_in_production(self) -> str:
        return str(self.values["models_in_production"])

    def as_data(self) -> dict[str, Any]:
        """The data passed to every layer (each layer ignores what it does not ask)."""
        data = dict(self.values)
        data["stage"] = self.stage
        data.setdefault("package_name", package_name_for(self.project_name))
        return data


def parse_data_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    """Parse repeated ``--data KEY=VALUE`` options."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--data '{pair}' is malformed: expected KEY=VALUE")
        if not re.match(r"^[a-z_][a-z0-9_]*$", key):
            raise UsageError(f"--data key '{key}' is not an answer name")
        parsed[key] = value
    return parsed


def complete_answers(
    stage: str,
    given: Mapping[str, Any],
    ask: Callable[[Question, Any], Any] | None,
    known_keys: frozenset[str],
    defaults: Mapping[str, Any] | None = None,
) -> Answers:
    """Validate ``given``, then fill the rest by asking (``ask``) or with defaults (``None``).

    ``defaults`` (an organisation's default answers) replace the built-in defaults of the
    questions that are asked, and answer template-only questions; keys no layer of this
    stage asks are left out, so one organisation file serves every stage.
    """
    unknown = sorted(set(given) - known_keys - {"stage"})
    if unknown:
        raise UsageError(
            f"unknown answer '{unknown[0]}' for stage {stage}; "
            f"known: {', '.join(sorted(known_keys))}"
        )
    org_defaults = {
        key: validate_answer(key, value)
        for key, value in (defaults or {}).items()
        if key in known_keys
    }
    values: dict[str, Any] = {k: validate_answer(k, v) for k, v in given.items() if k != "stage"}
    for question in questions_for(stage):
        if question.name in values:
            continue
        default = org_defaults.get(question.name, question.default(values))
        values[question.name] = default if ask is None else ask(question, default)
    for key, value in org_defaults.items():
        values.setdefault(key, value)
    if "repository_url" not in values:
        values["repository_url"] = (
            f"https://github.com/{values['organisation']}/{values['project_name']}"
        )
    return Answers(stage=stage, values=values)
