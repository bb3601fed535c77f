"""The CI settings are the organisation's: `new` does not prompt for them."""

from __future__ import annotations

import pytest

from generator.errors import UsageError
from generator.plan import Given, make_plan
from generator.questionnaire import organisation_questions, question_names
from tests.unit.test_questions import Scripted


def test_the_ci_settings_are_poc_questions_new_never_prompts_for() -> None:
    assert organisation_questions() == {"mljourney_requirement", "ci_drift"}
    assert organisation_questions() <= question_names("poc")

    prompter = Scripted("prototyping")
    plan = make_plan(Given(), prompter=prompter)

    assert not organisation_questions() & set(prompter.asked)
    assert plan.answers["mljourney_requirement"] == ""
    assert plan.answers["ci_drift"] == "warning"


def test_the_organisation_config_and_data_set_them() -> None:
    org = {"mljourney_requirement": "acme-mljourney", "ci_drift": "failure"}
    plan = make_plan(Given(), org, prompter=Scripted("building"))
    assert (plan.answers["mljourney_requirement"], plan.answers["ci_drift"]) == (
        "acme-mljourney",
        "failure",
    )

    given = make_plan(Given({"ci_drift": "warning"}), org)
    assert given.answers["ci_drift"] == "warning"


def test_an_unknown_drift_setting_is_refused() -> None:
    with pytest.raises(UsageError, match="ci_drift"):
        make_plan(Given({"ci_drift": "sometimes"}))
