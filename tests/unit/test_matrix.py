"""The smoke matrix: validity filter, cycling, readable ids, determinism."""

from __future__ import annotations

import dataclasses
import itertools
import re

import pytest

from generator.errors import UsageError
from generator.journey import MODELS_IN_PRODUCTION, PRODUCTION_STAGES, STAGE_NAMES, TASK_TYPES
from generator.matrix import (
    Case,
    Choices,
    Shard,
    _is_valid,
    build_matrix,
    case_id,
    load_choices,
    question_choices,
    select_cases,
)
from generator.questions import validate_project_name

CHOICES = Choices(
    stages=STAGE_NAMES,
    task_types=TASK_TYPES,
    models_in_production=MODELS_IN_PRODUCTION,
)


def case(**changes: object) -> Case:
    base = Case(
        id="building-classification-fb",
        stage="building",
        task_type="classification",
        is_production=True,
        feedback_loop=True,
        models_in_production="0",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_axes_come_from_the_core_template():
    choices = load_choices()
    assert choices.stages == STAGE_NAMES  # the values, not the long labels
    assert set(choices.task_types) == set(TASK_TYPES)
    assert choices.models_in_production == MODELS_IN_PRODUCTION
    assert question_choices("poc")["feedback_loop"] == (False, True)


def test_default_matrix_multiplies_task_type_base_and_feedback():
    cases = build_matrix(CHOICES)
    combos = {(c.task_type, c.is_production, c.feedback_loop) for c in cases}
    assert combos == set(itertools.product(TASK_TYPES, (False, True), (False, True)))
    assert len(cases) == len(combos) == 24


def test_stage_and_models_are_cycled_not_multiplied():
    cases = build_matrix(CHOICES)
    assert {c.stage for c in cases} == set(STAGE_NAMES)
    assert {c.models_in_production for c in cases} == set(MODELS_IN_PRODUCTION)
    for c in cases:
        assert (c.stage in PRODUCTION_STAGES) == c.is_production
    # Cycling spreads values evenly: 24 cases over 3 values each.
    counts = {m: sum(c.models_in_production == m for c in cases) for m in MODELS_IN_PRODUCTION}
    assert set(counts.values()) == {8}


def test_layers_follow_the_answers():
    by_id = {c.id: c for c in build_matrix(CHOICES)}
    assert by_id["prototyping-classification"].layers == ("poc",)
    assert by_id["building-classification"].layers == ("poc", "production")
    assert by_id["deploying-classification-fb"].layers == ("poc", "production", "feedback-loop")


def test_ids_are_readable_unique_project_names():
    cases = build_matrix(CHOICES)
    ids = [c.id for c in cases]
    assert len(set(ids)) == len(ids)
    for c in cases:
        assert re.fullmatch(r"[a-z]+-[a-z-]+?(-fb)?", c.id)
        assert c.id.endswith("-fb") == c.feedback_loop
        assert c.task_type.replace("_", "-") in c.id
        assert validate_project_name(c.project_name) == c.id
    assert case_id("building", "anomaly_detection", True) == "building-anomaly-detection-fb"


def test_matrix_is_deterministic():
    assert build_matrix(CHOICES) == build_matrix(CHOICES)
    assert build_matrix(CHOICES, quick=True) == build_matrix(CHOICES, quick=True)
    assert build_matrix(CHOICES)[0].id == "prototyping-classification"


def test_quick_is_one_case_per_layer_combination():
    cases = build_matrix(CHOICES, quick=True)
    assert [c.layers for c in cases] == [
        ("poc",),
        ("poc", "feedback-loop"),
        ("poc", "production"),
        ("poc", "production", "feedback-loop"),
    ]
    assert cases[0].id == "prototyping-classification"  # the quickest case comes first
    assert len({c.task_type for c in cases}) == 4


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({}, True),
        ({"stage": "prototyping", "id": "prototyping-classification-fb"}, True),  # early prod
        ({"is_production": False}, False),  # production stages always get production
        ({"task_type": "forecasting", "id": "building-forecasting-fb"}, False),
        ({"stage": "retired", "id": "retired-classification-fb"}, False),
        ({"models_in_production": "10+"}, False),
        ({"id": "something-else"}, False),
    ],
)
def test_validity_filter(changes, valid):
    assert _is_valid(case(**changes), CHOICES) is valid


def test_invalid_combinations_are_filtered_out():
    # A template offering only production stages: PoC cases cannot be built, so none are.
    only_production = dataclasses.replace(CHOICES, stages=("building", "deploying", "scaling"))
    cases = build_matrix(only_production)
    assert cases
    assert all(c.is_production for c in cases)
    assert all(_is_valid(c, only_production) for c in cases)


def test_given_answers_are_what_new_takes():
    assert case().given() == {
        "project_name": "building-classification-fb",
        "task_type": "classification",
        "is_production": True,
        "feedback_loop": True,
        "models_in_production": "0",
    }


def test_select_by_id_and_glob():
    cases = build_matrix(CHOICES)
    assert [c.id for c in select_cases(cases, ["building-classification"])] == [
        "building-classification"
    ]
    selected = select_cases(cases, ["*-fb"])
    assert len(selected) == 12 and all(c.feedback_loop for c in selected)
    assert select_cases(cases, []) == cases


def test_select_unknown_case_is_a_usage_error():
    with pytest.raises(UsageError, match="no smoke case matches 'nope'"):
        select_cases(build_matrix(CHOICES), ["nope"])


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 50])
@pytest.mark.parametrize("quick", [False, True])
def test_shards_together_are_exactly_the_matrix(count: int, quick: bool) -> None:
    cases = build_matrix(quick=quick)
    shards = [Shard(index, count).select(cases) for index in range(1, count + 1)]
    together = [case for shard in shards for case in shard]
    assert sorted(c.id for c in together) == sorted(c.id for c in cases)
    assert len(together) == len(cases)  # each case in exactly one shard
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    # deterministic: the same split every time, each shard in matrix order
    assert shards == [
        Shard(index, count).select(build_matrix(quick=quick)) for index in range(1, count + 1)
    ]
    for shard in shards:
        assert list(shard) == [c for c in cases if c in shard]


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2", ""])
def test_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="I/N"):
        Shard.parse(text)


def test_shard_parse() -> None:
    assert Shard.parse(" 2/4 ") == Shard(2, 4)
