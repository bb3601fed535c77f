"""The answer matrix `mljourney smoke` renders: which answer sets, with which ids.

Options that change what is rendered together (task type, the production layer, the
feedback loop) are multiplied; options that do not interact with them (the exact stage
within the PoC or production stages, the number of models in production) are *cycled*
over the cases, so each value still appears without multiplying the matrix. Every case
passes ``_is_valid``: the combinations `mljourney new` itself refuses are never built.
"""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from generator.errors import UsageError
from generator.journey import layers_for
from generator.questionnaire import core_question, default_for, layer_questions, production_stages


@dataclass(frozen=True)
class Choices:
    """The values the core layer's questions offer (read from its copier.yml)."""

    stages: tuple[str, ...]
    task_types: tuple[str, ...]
    models_in_production: tuple[str, ...]
    default_stage: str = "prototyping"
    default_task_type: str = "classification"


@dataclass(frozen=True)
class Case:
    """One answer set of the matrix."""

    id: str
    stage: str
    task_type: str
    is_production: bool
    feedback_loop: bool
    models_in_production: str

    @property
    def layers(self) -> tuple[str, ...]:
        """The layers `new` renders for these answers, in order."""
        return layers_for(self.is_production, self.feedback_loop)

    @property
    def project_name(self) -> str:
        return self.id

    def given(self) -> dict[str, Any]:
        """The answers handed to the generator (the stage is passed on its own)."""
        return {
            "project_name": self.project_name,
            "task_type": self.task_type,
            "is_production": self.is_production,
            "feedback_loop": self.feedback_loop,
            "models_in_production": self.models_in_production,
        }


def question_choices(layer: str = "poc") -> dict[str, tuple[Any, ...]]:
    """Each question of ``layer`` that has a closed set of answers, with those answers.

    Copier's ``choices`` is a list of values or a mapping of label -> value; a ``bool``
    question that can be asked offers false and true.
    """
    found: dict[str, tuple[Any, ...]] = {}
    for question in layer_questions(layer):
        if question.choices:
            found[question.name] = question.values
        elif question.is_bool and question.when is not False:
            found[question.name] = (False, True)
    return found


def load_choices() -> Choices:
    """The matrix's axes, as the core template defines them."""
    choices = question_choices("poc")
    return Choices(
        stages=tuple(str(v) for v in choices["stage"]),
        task_types=tuple(str(v) for v in choices["task_type"]),
        models_in_production=tuple(str(v) for v in choices["models_in_production"]),
        default_stage=str(default_for(core_question("stage"), {})),
        default_task_type=str(default_for(core_question("task_type"), {})),
    )


def case_id(stage: str, task_type: str, feedback_loop: bool) -> str:
    """A readable id that is also a valid project name, e.g. ``building-classification-fb``."""
    return f"{stage}-{task_type.replace('_', '-')}" + ("-fb" if feedback_loop else "")


def _is_valid(case: Case, choices: Choices) -> bool:
    """Whether `mljourney new` would render these answers as they are."""
    return (
        case.stage in choices.stages
        and case.task_type in choices.task_types
        and case.models_in_production in choices.models_in_production
        # At a production stage the production layer is always applied.
        and (case.is_production or case.stage not in production_stages())
        and case.id == case_id(case.stage, case.task_type, case.feedback_loop)
    )


def _rotated(values: Sequence[str], first: str) -> tuple[str, ...]:
    """``values`` starting at ``first`` (so the cycles begin with the template defaults)."""
    if first not in values:
        return tuple(values)
    index = values.index(first)
    return (*values[index:], *values[:index])


def _stage_cycles(choices: Choices) -> dict[bool, Iterator[str]]:
    early = [s for s in choices.stages if s not in production_stages()]
    production = [s for s in choices.stages if s in production_stages()]
    return {
        False: itertools.cycle(_rotated(early, choices.default_stage)),
        True: itertools.cycle(production),
    }


def _cases(combinations: Iterable[tuple[str, bool, bool]], choices: Choices) -> tuple[Case, ...]:
    stages = _stage_cycles(choices)
    models = itertools.cycle(choices.models_in_production)
    cases = []
    for task_type, is_production, feedback_loop in combinations:
        stage = next(stages[is_production], None)
        if stage is None:  # the template offers no stage of this kind
            continue
        cases.append(
            Case(
                id=case_id(stage, task_type, feedback_loop),
                stage=stage,
                task_type=task_type,
                is_production=is_production,
                feedback_loop=feedback_loop,
                models_in_production=next(models),
            )
        )
    return tuple(case for case in cases if _is_valid(case, choices))


def build_matrix(choices: Choices | None = None, *, quick: bool = False) -> tuple[Case, ...]:
    """The smoke matrix: every task type x PoC/production x feedback off/on.

    With ``quick``, one case per layer combination (poc; poc + feedback-loop;
    poc + production; all three), the task type cycled over them.
    """
    choices = choices or load_choices()
    task_types = _rotated(choices.task_types, choices.default_task_type)
    bases = (False, True)
    feedbacks = (False, True)
    if quick:
        combos = list(itertools.product(bases, feedbacks))
        cycle = itertools.cycle(task_types)
        return _cases(((next(cycle), prod, fb) for prod, fb in combos), choices)
    return _cases(itertools.product(task_types, bases, feedbacks), choices)


def select_cases(cases: Sequence[Case], patterns: Sequence[str]) -> tuple[Case, ...]:
    """The cases whose id matches one of ``patterns`` (exact ids or globs), in matrix order."""
    if not patterns:
        return tuple(cases)
    unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(c.id, p) for c in cases)]
    if unmatched:
        known = ", ".join(c.id for c in cases[:8]) + (" ..." if len(cases) > 8 else "")
        raise UsageError(f"no smoke case matches '{unmatched[0]}' (cases: {known})")
    return tuple(c for c in cases if any(fnmatch.fnmatchcase(c.id, p) for p in patterns))


@dataclass(frozen=True)
class Shard:
    """Part ``index`` (1-based) of ``count`` parts of the matrix, as in ``--shard 2/4``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Read ``i/n`` (1 <= i <= n); anything else is a ``UsageError`` naming the form."""
        index, sep, count = text.strip().partition("/")
        if sep and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count):
            return cls(int(index), int(count))
        raise UsageError(f"shard '{text}' is not I/N with 1 <= I <= N, e.g. 2/4")

    def select(self, cases: Sequence[Case]) -> tuple[Case, ...]:
        """The cases of this shard: every ``count``-th case from position ``index``, in order.

        Round-robin over the matrix order, so the shards' cases together are exactly
        ``cases`` (each once) and the heavy layer combinations spread over the shards.
        """
        return tuple(
            case for position, case in enumerate(cases) if position % self.count == self.index - 1
        )
