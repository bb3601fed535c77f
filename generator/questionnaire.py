"""The questions, as the layers' ``copier.yml`` declare them: the one declaration of each.

Each question's text (``help``), type, choices, default and ``when`` are read from the
layer's ``copier.yml`` - the file plain ``copier copy`` reads too - so `mljourney new` and
Copier ask the same questions. What Copier cannot express stays in Python, keyed by
question name (:mod:`generator.questions`).

One setting is mljourney's own: the core's ``_poc_stage_questions`` lists the questions
`new` asks only at the PoC stages (the charter's). It is not a Copier ``when:``, because a
``when:`` that turns false drops the recorded answer on the next update - graduating
would reset the charter in ``docs/``. Copier ignores settings it does not know.

Defaults and ``when`` may be Jinja; they are rendered (lazily: Jinja costs ~0.1 s to
import) with the answers given so far, as Copier renders them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.layers import LAYERS, templates_dir

CORE = "poc"


@dataclass(frozen=True)
class Question:
    """One question as a layer's copier.yml declares it.

    ``choices`` are ``(label, value)`` pairs in declaration order (a plain list of values
    gives each value as its own label). ``default`` and ``when`` are as written (may be
    Jinja); use :func:`default_for` and :func:`is_asked_by_copier` to evaluate them.
    ``translations`` holds the other languages' texts as copier.yml declares them
    (``help_ja``, ``choices_ja``: ``{"ja": (help, {value: label})}``); :meth:`in_language`
    gives the question as asked in one language.
    """

    name: str
    layer: str
    help: str
    type: str
    choices: tuple[tuple[str, Any], ...] = ()
    default: Any = None
    when: Any = True
    translations: Mapping[str, tuple[str | None, Mapping[Any, str]]] = field(
        default_factory=dict, compare=False
    )

    def in_language(self, language: str) -> Question:
        """The question with its help and choice labels in ``language`` (English if none)."""
        if language not in self.translations:
            return self
        help_text, labels = self.translations[language]
        return dataclasses.replace(
            self,
            help=help_text or self.help,
            choices=tuple((labels.get(value, label), value) for label, value in self.choices),
        )

    @property
    def values(self) -> tuple[Any, ...]:
        """The values of the choices (empty for an open question)."""
        return tuple(value for _, value in self.choices)

    @property
    def is_bool(self) -> bool:
        return self.type == "bool"


@functools.cache
def _config(layer: str) -> Mapping[str, Any]:
    import yaml

    path = templates_dir() / layer / "copier.yml"
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a mapping")
    return loaded


def _choices(raw: Any) -> tuple[tuple[str, Any], ...]:
    if isinstance(raw, dict):
        return tuple((str(label), value) for label, value in raw.items())
    if isinstance(raw, list):
        return tuple((str(value), value) for value in raw)
    return ()


def _other_languages(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """The languages a question spec has texts in besides English (``help_<lang>`` keys)."""
    found = {
        key.partition("_")[2]
        for key in spec
        if isinstance(key, str) and key.startswith(("help_", "choices_"))
    }
    return tuple(sorted(found))


def _labels_by_value(
    labels: Mapping[str, str], choices: tuple[tuple[str, Any], ...]
) -> Mapping[Any, str]:
    """Translated labels keyed by the choices' own values (YAML keys are read as text)."""
    return {value: labels[str(value)] for _, value in choices if str(value) in labels}


@functools.cache
def layer_questions(layer: str) -> tuple[Question, ...]:
    """The questions of ``layer``'s copier.yml, in file order (``_`` settings left out)."""
    questions = []
    for name, spec in _config(layer).items():
        if name.startswith("_"):
            continue
        spec = spec if isinstance(spec, dict) else {"default": spec}
        default = spec.get("default")
        translations = {
            language: (
                spec.get(f"help_{language}"),
                {str(k): str(v) for k, v in (spec.get(f"choices_{language}") or {}).items()},
            )
            for language in _other_languages(spec)
        }
        questions.append(
            Question(
                name=name,
                layer=layer,
                help=str(spec.get("help", name)),
                type=str(spec.get("type") or type(default).__name__),
                choices=_choices(spec.get("choices")),
                default=default,
                when=spec.get("when", True),
                translations={
                    language: (text, _labels_by_value(labels, _choices(spec.get("choices"))))
                    for language, (text, labels) in translations.items()
                },
            )
        )
    return tuple(questions)


def question_names(layer: str) -> frozenset[str]:
    """Names of the questions ``layer`` asks."""
    return frozenset(q.name for q in layer_questions(layer))


def questionnaire(layers: tuple[str, ...] = LAYERS) -> tuple[Question, ...]:
    """Every question of ``layers``, each once, in layer order then file order.

    A question several layers declare (``project_name``, ``stage`` ...) is the core's:
    the other layers receive the core's answer.
    """
    seen: dict[str, Question] = {}
    for layer in LAYERS:
        if layer in layers:
            for question in layer_questions(layer):
                seen.setdefault(question.name, question)
    return tuple(seen.values())


def core_question(name: str) -> Question:
    """The core layer's question ``name``; ``KeyError`` when the core does not ask it."""
    for question in layer_questions(CORE):
        if question.name == name:
            return question
    raise KeyError(name)


def poc_stage_questions() -> frozenset[str]:
    """The questions `new` asks only at the PoC stages (the core's ``_poc_stage_questions``)."""
    return frozenset(_config(CORE).get("_poc_stage_questions", ()))


def organisation_questions() -> frozenset[str]:
    """The questions `new` never prompts for (the core's ``_organisation_questions``).

    How the project's CI installs mljourney and treats drift: an organisation's decision,
    set in its config's ``defaults:``; a team may still give them with ``--data``.
    """
    return frozenset(_config(CORE).get("_organisation_questions", ()))


@functools.cache
def _jinja() -> Any:
    from jinja2.sandbox import SandboxedEnvironment

    # Copier's default filters (regex_search, ...) come from jinja2-ansible-filters.
    return SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])


def _render(value: Any, answers: Mapping[str, Any]) -> Any:
    if not isinstance(value, str) or "{" not in value:
        return value
    return _jinja().from_string(value).render(**answers)


def _cast(question: Question, value: Any) -> Any:
    """A rendered default as Copier casts it to the question's type."""
    if question.type == "bool" and isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "y", "on", "1"}
    if question.type == "int" and isinstance(value, str):
        return int(value.strip())
    if question.type == "str" and value is not None and not isinstance(value, str):
        return str(value)
    return value


def default_for(question: Question, answers: Mapping[str, Any]) -> Any:
    """The question's default, rendered with ``answers`` and cast to its type (None: none)."""
    if question.default is None:
        return None
    return _cast(question, _render(question.default, answers))


def is_asked_by_copier(question: Question, answers: Mapping[str, Any]) -> bool:
    """Whether the question's ``when`` holds for ``answers`` (false: never asked nor recorded)."""
    when = _render(question.when, answers)
    if isinstance(when, str):
        return when.strip().lower() not in {"false", "no", "n", "off", "0", ""}
    return bool(when)


def stage_choices(language: str = "en") -> tuple[tuple[str, str], ...]:
    """``(stage, one-line summary)`` of each stage, from the core's ``stage`` choices.

    A label reads ``"<stage> - <summary>"``; a label without `` - `` is its own summary.
    ``language`` picks the labels' language (``choices_ja`` for ``ja``).
    """
    pairs = []
    for label, value in core_question("stage").in_language(language).choices:
        _, _, summary = label.partition(" - ")
        pairs.append((str(value), summary or label))
    return tuple(pairs)


@functools.cache
def production_stages() -> frozenset[str]:
    """The stages that get the production layer: where ``is_production`` defaults to true."""
    question = core_question("is_production")
    return frozenset(
        stage for stage, _ in stage_choices() if default_for(question, {"stage": stage}) is True
    )


def defaults_following(answers: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Answers still at their default, given their default after ``changes`` instead.

    When a project changes an answer other defaults depend on - its language
    (``update --data language=ja``), its stage (``graduate``) - an answer the team never
    changed from its default (a description, "to be named") should follow; an answer the
    team wrote stays as written. Questions Copier does not ask (``when`` false: computed
    values) are left to their templates.

    Args:
        answers: The project's current answers (every layer's, merged).
        changes: The answers being changed, e.g. ``{"language": "ja"}``.

    Returns:
        ``{name: new default}`` for each other answer equal to its current default whose
        default differs after ``changes``; empty when none does.
    """
    from jinja2 import TemplateError

    before = dict(answers)
    after = {**answers, **changes}
    followed: dict[str, Any] = {}
    for question in questionnaire():
        if question.name in changes or question.name not in answers:
            continue
        try:
            if not is_asked_by_copier(question, after):
                continue
            old_default, new_default = default_for(question, before), default_for(question, after)
        except (TemplateError, ValueError, TypeError, KeyError):  # cannot render: leave it
            continue
        if answers[question.name] == old_default and new_default != old_default:
            followed[question.name] = new_default
            after[question.name] = new_default
    return followed
