"""The CLI reads the templates' copier.yml; what stays in Python must agree with it."""

from __future__ import annotations

from generator.journey import MODELS_IN_PRODUCTION, STAGE_NAMES, TASK_TYPES
from generator.layers import LAYERS
from generator.questionnaire import (
    core_question,
    layer_questions,
    poc_stage_questions,
    questionnaire,
    stage_choices,
)
from generator.questions import VALIDATORS


def test_every_python_validator_is_for_a_question_of_a_layer() -> None:
    names = {q.name for q in questionnaire()}
    assert set(VALIDATORS) <= names, set(VALIDATORS) - names


def test_every_open_text_question_has_a_python_validator() -> None:
    open_text = {
        q.name for q in questionnaire() if q.type == "str" and not q.choices and q.when is not False
    }
    assert open_text <= set(VALIDATORS), open_text - set(VALIDATORS)


def test_a_question_several_layers_ask_is_declared_alike() -> None:
    """Other layers receive the core's answer: their declarations must accept it."""
    core = {q.name: q for q in layer_questions("poc")}
    for layer in LAYERS[1:]:
        for question in layer_questions(layer):
            if question.name in core:
                assert question.type == core[question.name].type, (layer, question.name)
                assert set(question.values) == set(core[question.name].values), (
                    layer,
                    question.name,
                )


def test_poc_stage_questions_are_core_questions() -> None:
    assert poc_stage_questions() == {
        "executive_sponsor",
        "success_metric",
        "timebox_weeks",
        "data_sources",
    }
    for name in poc_stage_questions():
        core_question(name)


def test_journey_lists_are_the_core_choices() -> None:
    assert tuple(name for name, _ in stage_choices()) == STAGE_NAMES
    assert core_question("task_type").values == TASK_TYPES
    assert core_question("models_in_production").values == MODELS_IN_PRODUCTION
    assert all(summary for _, summary in stage_choices())
