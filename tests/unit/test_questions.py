import pytest

from generator.errors import UsageError
from generator.questions import (
    complete_answers,
    package_name_for,
    parse_bool,
    parse_data_pairs,
    validate_answer,
    validate_project_name,
)

KNOWN = frozenset({"project_name", "task_type", "feedback_loop", "description", "aws_region"})


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a/b",
        "..",
        "x..y",
        "a\\b",
        "1model",
        "Model",
        "my_model",
        "-x",
        "x-",
        "a--b",
        "class",
        "match",
        "json",
        "a" * 41,
        "na me",
    ],
)
def test_invalid_project_names_are_refused(name: str) -> None:
    with pytest.raises(UsageError):
        validate_project_name(name)


@pytest.mark.parametrize("name", ["churn", "churn-model", "m2", "a" * 40, "fraud-v2"])
def test_valid_project_names(name: str) -> None:
    assert validate_project_name(name) == name


def test_package_name_is_derived() -> None:
    assert package_name_for("churn-model-v2") == "churn_model_v2"


def test_keyword_error_names_the_package() -> None:
    with pytest.raises(UsageError, match="Python keyword"):
        validate_project_name("import")


@pytest.mark.parametrize(
    ("raw", "value"), [("yes", True), ("TRUE", True), ("0", False), (False, False)]
)
def test_parse_bool(raw: object, value: bool) -> None:
    assert parse_bool("x", raw) is value


def test_parse_bool_rejects_other_text() -> None:
    with pytest.raises(UsageError, match="true or false"):
        parse_bool("feedback_loop", "maybe")


def test_parse_data_pairs() -> None:
    assert parse_data_pairs(("a=1", "b=x=y", "c=")) == {"a": "1", "b": "x=y", "c": ""}


@pytest.mark.parametrize("pair", ["novalue", "=x", "Bad-Key=1"])
def test_parse_data_pairs_malformed(pair: str) -> None:
    with pytest.raises(UsageError):
        parse_data_pairs((pair,))


def test_unknown_task_type_lists_choices() -> None:
    with pytest.raises(UsageError, match="regression, classification"):
        validate_answer("task_type", "forecasting")


def test_complete_answers_with_defaults_and_derived_values() -> None:
    answers = complete_answers("building", {"project_name": "churn"}, None, KNOWN)
    data = answers.as_data()
    assert data["stage"] == "building"
    assert data["package_name"] == "churn"
    assert data["aws_region"] == "eu-west-1"
    assert data["repository_url"] == "https://github.com/your-org/churn"


def test_poc_stage_is_not_asked_cloud_settings() -> None:
    asked: list[str] = []

    def ask(question: object, default: object) -> object:
        asked.append(question.name)  # type: ignore[attr-defined]
        return default

    complete_answers("prototyping", {}, ask, KNOWN)
    assert asked[0] == "project_name"
    assert "aws_region" not in asked


def test_unknown_answer_is_refused() -> None:
    with pytest.raises(UsageError, match="unknown answer 'colour'"):
        complete_answers("prototyping", {"colour": "red"}, None, KNOWN)


def test_given_answers_are_validated_like_typed_ones() -> None:
    with pytest.raises(UsageError, match="not a slug"):
        complete_answers("prototyping", {"project_name": "Bad Name"}, None, KNOWN)
