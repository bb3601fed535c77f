"""How every answer is validated: what Copier's ``copier.yml`` cannot express, by name.

The questions themselves (text, type, choices, default, ``when``) are declared once, in
the layers' ``copier.yml`` (:mod:`generator.questionnaire`). Here are the checks Copier
cannot express, keyed by question name, and the one function that validates an answer
whatever its origin: typed at a prompt, ``--data KEY=VALUE``, an answers file or the
organisation config. So ``--data project_name=../x`` fails exactly like typing ``../x``,
and ``organisation: on`` in an answers file (YAML 1.1 reads it as ``true``) is refused
with a hint to quote it instead of becoming ``'True'``.
"""

from __future__ import annotations

import functools
import keyword
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

from generator.errors import UsageError
from generator.layers import templates_dir
from generator.questionnaire import Question, questionnaire

MAX_NAME_LENGTH = 40
_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_PACKAGE = re.compile(r"^[a-z][a-z0-9_]*$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_ORGANISATION = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
# A pip requirement that is safe inside a GitHub Actions expression's quoted string.
_REQUIREMENT = re.compile(r"^[A-Za-z0-9_.+:/@=<>!~,#&%?\[\]-]{0,200}\Z")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}

# Distributions whose import name is not their normalised project name.
_IMPORT_NAMES = {"scikit-learn": "sklearn", "pyyaml": "yaml", "pillow": "PIL"}
_IMPORT = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
_DEPENDENCY = re.compile(r'^\s*"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*[<>=!~;"]', re.M)


def _normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


@functools.cache
def project_dependencies() -> frozenset[str]:
    """Distribution names a generated project may ever depend on (normalised, PEP 503).

    Read from the core's ``pyproject.toml.jinja``, which lists every layer's dependencies.
    """
    text = (templates_dir() / "poc" / "template" / "pyproject.toml.jinja").read_text("utf-8")
    # The build backend too: a project called "setuptools" could not be built.
    return frozenset({"setuptools", *(_normalise(name) for name in _DEPENDENCY.findall(text))})


@functools.cache
def project_imports() -> frozenset[str]:
    """Top-level modules a generated project may ever import, over every layer and task type.

    The ``import``/``from`` statements of every template file, plus the import names of
    its dependencies (:func:`project_dependencies`); the standard library left out.
    """
    found: set[str] = set()
    for path in templates_dir().rglob("*"):
        if path.is_file() and path.name.endswith((".py", ".py.jinja", ".ipynb", ".ipynb.jinja")):
            found.update(_IMPORT.findall(path.read_text(encoding="utf-8", errors="replace")))
    for distribution in project_dependencies():
        found.add(_IMPORT_NAMES.get(distribution, distribution.replace("-", "_")))
    return frozenset(name for name in found if name not in sys.stdlib_module_names) - {"__future__"}


def _check_package(package: str, *, what: str) -> None:
    """Refuse a package name Python cannot import as the project's own (``what``: the answer)."""
    if keyword.iskeyword(package) or keyword.issoftkeyword(package):
        raise UsageError(f"{what} gives the package name '{package}', a Python keyword")
    if package in sys.stdlib_module_names:
        raise UsageError(
            f"{what} gives the package name '{package}', which shadows Python's "
            f"standard library module '{package}'"
        )
    if package in project_imports():
        raise UsageError(
            f"{what} gives the package name '{package}', which shadows the module "
            f"'{package}' the generated project imports (a dependency of one of its layers): "
            f"`import {package}` would find the project itself; choose another name"
        )


def validate_project_name(value: str) -> str:
    """Return ``value`` if it is a usable project slug, else raise ``UsageError``.

    A slug of at most ``MAX_NAME_LENGTH`` characters whose package name
    (:func:`package_name_for`) is no keyword, standard library module or module the
    generated project imports, and which is no distribution the project depends on.
    """
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
    _check_package(package_name_for(value), what=f"project_name '{value}'")
    if _normalise(value) in project_dependencies():
        raise UsageError(
            f"project_name '{value}' is the name of a distribution the generated project "
            "depends on: installing the project would replace it; choose another name"
        )
    return value


def validate_package_name(value: str) -> str:
    """Return ``value`` if it can be the project's own package, else raise ``UsageError``."""
    if not _PACKAGE.match(value):
        raise UsageError(
            f"package_name '{value}' is not a Python package name: lowercase letters, digits "
            "and underscores, starting with a letter"
        )
    _check_package(value, what=f"package_name '{value}'")
    return value


def package_name_for(project_name: str) -> str:
    """The Python package name derived from a project slug."""
    return project_name.replace("-", "_")


def _pattern(name: str, pattern: re.Pattern[str], example: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise UsageError(f"{name} '{value}' is not valid: expected something like {example}")
        return value

    return check


def _text(name: str, *, required: bool = True, limit: int = 300) -> Callable[[str], str]:
    def check(value: str) -> str:
        if required and not value.strip():
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


def _requirement(value: str) -> str:
    if not _REQUIREMENT.match(value):
        raise UsageError(
            "mljourney_requirement must be one pip requirement of at most 200 characters, "
            f"without spaces or quotes (e.g. 'mljourney==0.2.0'), not '{value[:60]}'"
        )
    return value


# The checks Copier's copier.yml cannot express, by question name (a test keeps every key
# a question of some layer). Choices and types are checked for every question.
VALIDATORS: Mapping[str, Callable[[str], str]] = {
    "project_name": validate_project_name,
    "package_name": validate_package_name,
    "description": _text("description"),
    "organisation": _pattern("organisation", _ORGANISATION, "'acme-ml'"),
    "repository_url": _text("repository_url"),
    "author_name": _text("author_name"),
    "executive_sponsor": _text("executive_sponsor"),
    "success_metric": _text("success_metric", limit=500),
    "timebox_weeks": _weeks,
    "data_sources": _text("data_sources", required=False),
    "aws_region": _pattern("aws_region", _REGION, "eu-west-1"),
    "aws_account_id": _pattern("aws_account_id", _ACCOUNT, "123456789012"),
    "mljourney_requirement": _requirement,
}


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


def _yaml_hint(name: str, value: Any, origin: str) -> UsageError:
    kind = "boolean" if isinstance(value, bool) else "number"
    return UsageError(
        f"{name} in {origin} is read as the {kind} {str(value).lower()!r}, not as text "
        f"(YAML 1.1 reads unquoted on/off/yes/no as booleans and digits as numbers): "
        f'quote it, e.g. {name}: "..."'
    )


def _questions() -> Mapping[str, Question]:
    return {question.name: question for question in questionnaire()}


def validate_answer(name: str, value: Any, origin: str | None = None) -> Any:
    """Validate one answer and return it as its question's type.

    ``origin`` names the YAML file an answer was read from (an answers file, the
    organisation config): there a boolean or number given for a text question is
    refused with a hint to quote it. Typed answers and ``--data`` values are text.
    Answers to questions no layer declares pass through unchanged.
    Raises ``UsageError`` with one line saying what is wrong.
    """
    question = _questions().get(name)
    if question is None:
        return value
    if isinstance(value, list | dict | tuple | set) or value is None:
        shown = "nothing" if value is None else type(value).__name__
        raise UsageError(f"{name} must be a single value, not {shown}")
    if question.is_bool:
        return parse_bool(name, value)
    if question.type == "int":
        if isinstance(value, bool):
            raise _yaml_hint(name, value, origin or "the answers")
        text = str(value)
    elif isinstance(value, bool | int | float) and origin is not None:
        raise _yaml_hint(name, value, origin)
    else:
        text = str(value)
    if question.values and text not in [str(v) for v in question.values]:
        shown = ", ".join(str(v) for v in question.values)
        raise UsageError(f"unknown {name} '{text}': choose one of {shown}")
    check = VALIDATORS.get(name)
    if check is not None:
        text = check(text)
    if question.type == "int":
        try:
            return int(text)
        except ValueError as error:
            raise UsageError(f"{name} must be a whole number, not '{text}'") from error
    return text


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
