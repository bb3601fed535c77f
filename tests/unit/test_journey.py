import pytest

from generator.journey import (
    LEVEL_ACTIONS,
    PRODUCTION_STAGES,
    STAGE_NAMES,
    Assessment,
    Level,
    assess,
    layers_for,
    level_for,
    next_stage,
    next_steps,
)


def test_six_stages_in_journey_order_each_explained() -> None:
    assert STAGE_NAMES == (
        "learning",
        "experimenting",
        "prototyping",
        "building",
        "deploying",
        "scaling",
    )


@pytest.mark.parametrize(
    ("models", "level"), [("0", Level.STARTING), ("1-2", Level.FIRST_WINS), ("3+", Level.IMPACT)]
)
def test_level_from_models_in_production(models: str, level: Level) -> None:
    assert level_for(models) is level


@pytest.mark.parametrize(
    ("stage", "feedback", "layers"),
    [
        ("learning", False, ("poc",)),
        ("prototyping", True, ("poc", "feedback-loop")),
        ("building", False, ("poc", "production")),
        ("scaling", True, ("poc", "production", "feedback-loop")),
    ],
)
def test_layers_for_stage(stage: str, feedback: bool, layers: tuple[str, ...]) -> None:
    assert layers_for(stage in PRODUCTION_STAGES, feedback) == layers


def test_production_stages_come_from_the_is_production_default() -> None:
    assert {"building", "deploying", "scaling"} == PRODUCTION_STAGES


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("learning", "building"),
        ("prototyping", "building"),
        ("building", "deploying"),
        ("scaling", "scaling"),
    ],
)
def test_next_stage(stage: str, expected: str) -> None:
    assert next_stage(stage) == expected


@pytest.mark.parametrize(
    ("facts", "stage", "level"),
    [
        (Assessment("0", False, False, False), "learning", Level.STARTING),
        (Assessment("0", False, False, True), "experimenting", Level.STARTING),
        (Assessment("0", True, False, True), "prototyping", Level.STARTING),
        (Assessment("1-2", True, False, True), "building", Level.FIRST_WINS),
        (Assessment("1-2", True, True, True), "deploying", Level.FIRST_WINS),
        (Assessment("3+", False, True, True), "deploying", Level.IMPACT),
        (Assessment("3+", True, True, True), "scaling", Level.IMPACT),
    ],
)
def test_assess_places_team(facts: Assessment, stage: str, level: Level) -> None:
    result = assess(facts)
    assert (result.stage, result.level) == (stage, level)
    assert result.reasons


def test_assess_without_pipeline_at_level_two_says_so() -> None:
    result = assess(Assessment("1-2", False, True, True))
    assert any("no data pipeline" in reason for reason in result.reasons)


def test_every_level_has_actions_in_all_three_areas() -> None:
    for level in Level:
        actions = LEVEL_ACTIONS[level]
        assert actions.ai_strategy and actions.data_strategy and actions.collaboration


def test_next_steps_are_tailored() -> None:
    poc = next_steps("churn", "churn", "prototyping", Level.STARTING, ("poc",))
    prod = next_steps("churn", "churn", "building", Level.FIRST_WINS, ("poc", "production"))
    assert any("churn baseline" in line for line in poc)
    assert any("mljourney graduate" in line for line in poc)
    assert not any("run-local" in line for line in poc)
    assert any("churn run-local" in line for line in prod)
    assert any("data lake" in line for line in prod)  # level 2 data strategy
    assert not any("graduate" in line for line in prod)
