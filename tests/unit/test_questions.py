import pytest

from generator.errors import UsageError
from generator.plan import Given, make_plan
from generator.questionnaire import Question
from generator.questions import (
    package_name_for,
    parse_bool,
    parse_data_pairs,
    project_imports,
    validate_answer,
    validate_package_name,
    validate_project_name,
)


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
    ("name", "module"),
    [
        ("pandas", "pandas"),
        ("sklearn", "sklearn"),  # scikit-learn's import name
        ("boto3", "boto3"),  # production layer
        ("duckdb", "duckdb"),  # feedback-loop layer
        ("pytest", "pytest"),  # test dependency
        ("sagemaker-core", "sagemaker_core"),
        ("yaml", "yaml"),
    ],
)
def test_a_name_that_shadows_a_module_the_project_imports_is_refused(
    name: str, module: str
) -> None:
    with pytest.raises(UsageError, match=f"shadows the module '{module}'.*`import {module}`"):
        validate_project_name(name)
    with pytest.raises(UsageError, match="shadows"):
        validate_package_name(module)


def test_a_project_named_like_a_dependency_distribution_is_refused() -> None:
    with pytest.raises(UsageError, match="distribution the generated project depends on"):
        validate_project_name("scikit-learn")


def test_imports_cover_every_layer_and_task_type() -> None:
    assert {"pandas", "sklearn", "sagemaker", "boto3", "fastapi", "duckdb", "click"} <= (
        project_imports()
    )
    assert "json" not in project_imports()  # the standard library is reported on its own


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


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("organisation", True, "boolean 'true'"),
        ("description", False, "boolean 'false'"),
        ("aws_account_id", 123456789012, "number '123456789012'"),
        ("models_in_production", 0, "number '0'"),
        ("project_name", 1.5, "number '1.5'"),
    ],
)
def test_yaml_booleans_and_numbers_for_text_questions_are_refused_with_a_hint(
    name: str, value: object, kind: str
) -> None:
    with pytest.raises(UsageError, match=f"{name} in answers file a.yml is read as the {kind}"):
        validate_answer(name, value, "answers file a.yml")
    with pytest.raises(UsageError, match=f'quote it, e.g. {name}: "..."'):
        validate_answer(name, value, "answers file a.yml")


def test_typed_values_of_the_right_type_pass_from_yaml() -> None:
    assert validate_answer("timebox_weeks", 8, "answers file a.yml") == 8
    assert validate_answer("timebox_weeks", "8") == 8
    assert validate_answer("feedback_loop", True, "answers file a.yml") is True
    assert validate_answer("organisation", "on", "answers file a.yml") == "on"
    with pytest.raises(UsageError, match="boolean"):
        validate_answer("timebox_weeks", True, "answers file a.yml")


def test_plan_with_defaults_and_derived_values() -> None:
    plan = make_plan(Given({"project_name": "churn", "stage": "building"}))
    data = plan.data()
    assert plan.layers == ("poc", "production")
    assert data["stage"] == "building" and data["is_production"] is True
    assert data["package_name"] == "churn"
    assert data["aws_region"] == "eu-west-1"
    assert data["repository_url"] == "https://github.com/your-org/churn"
    assert "maturity_level" not in data  # `when: false` in copier.yml: derived by Copier


class Scripted:
    """A prompter that records what it is asked and takes every default."""

    def __init__(self, stage: str = "prototyping") -> None:
        self.asked: list[str] = []
        self._stage = stage

    def stage(self, question: Question, default: str) -> str:
        self.asked.append("stage")
        return self._stage

    def answer(self, question: Question, default: object, validate) -> object:  # type: ignore[no-untyped-def]
        self.asked.append(question.name)
        return validate(default) if isinstance(default, str) else default

    def confirm(self, prompt: str, default: bool) -> bool:
        self.asked.append(prompt)
        return default


def test_poc_stage_asks_every_core_question_in_copier_yml_order() -> None:
    prompter = Scripted("prototyping")
    make_plan(Given(), prompter=prompter)
    assert prompter.asked == [
        "stage",
        "project_name",
        "package_name",
        "description",
        "task_type",
        "models_in_production",
        "feedback_loop",
        "organisation",
        "repository_url",
        "author_name",
        "executive_sponsor",
        "success_metric",
        "timebox_weeks",
        "data_sources",
    ]


def test_production_stage_asks_cloud_settings_not_the_charter() -> None:
    prompter = Scripted("building")
    plan = make_plan(Given(), prompter=prompter)
    assert "aws_region" in prompter.asked and "aws_account_id" in prompter.asked
    assert "executive_sponsor" not in prompter.asked and "success_metric" not in prompter.asked
    assert plan.answers["executive_sponsor"] == "to be named"  # kept, for the charter in docs/


def test_unknown_answer_is_refused() -> None:
    with pytest.raises(UsageError, match="unknown answer 'colour'"):
        make_plan(Given({"colour": "red"}))


def test_an_answer_of_a_layer_the_plan_does_not_render_is_refused() -> None:
    with pytest.raises(UsageError, match="unknown answer 'aws_region' for stage prototyping"):
        make_plan(Given({"aws_region": "eu-west-1"}))


def test_given_answers_are_validated_like_typed_ones() -> None:
    with pytest.raises(UsageError, match="not a slug"):
        make_plan(Given({"project_name": "Bad Name"}))


def test_org_defaults_fill_only_what_the_plan_asks() -> None:
    plan = make_plan(Given(), {"organisation": "acme", "aws_region": "eu-central-1"})
    assert plan.answers["organisation"] == "acme"
    assert "aws_region" not in plan.answers
    with pytest.raises(UsageError, match=r"organisation in config o\.yml is read as the boolean"):
        make_plan(Given(), {"organisation": True}, org_origin="config o.yml")


def test_early_production_needs_yes_without_a_prompter() -> None:
    warned: list[str] = []
    with pytest.raises(UsageError, match="add --yes"):
        make_plan(Given({"stage": "learning"}, production=True), warn=warned.append)
    assert "classic early mistake" in warned[0]
    plan = make_plan(Given({"stage": "learning"}, production=True, yes=True))
    assert plan.layers == ("poc", "production") and plan.stage == "learning"
    assert "classic early mistake" in plan.warnings[0]
