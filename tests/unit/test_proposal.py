"""The update-proposal workflow's decisions: plain functions, each with its own tests."""

from __future__ import annotations

import pytest

from generator.errors import UsageError
from generator.proposal import (
    OpenPullRequest,
    branch_name,
    changelog_section,
    changelog_sections,
    parse_open_pull_requests,
    parse_update_summary,
    plan_proposal,
    pull_request_body,
    pull_request_title,
    update_target,
)


def check_report(**layers: dict[str, object]) -> dict[str, object]:
    """The shape `mljourney check --format json` prints for one project."""
    return {
        "compliant": True,
        "projects": [{"name": "churn", "is_project": True, "layers": layers}],
    }


def layer(version: str, latest: str, behind: int, **extra: object) -> dict[str, object]:
    return {"version": version, "latest": latest, "behind": behind, "src_path": "~/x", **extra}


CHANGELOG = """# Changelog of the poc layer

Intro text.

## 0.3.0

- three

## 0.2.0

- two
- two again

### A sub-heading inside 0.2.0

## v0.1.0

- one
"""


SUMMARY = {
    "project": "churn",
    "branch": "mljourney/update-0.2.0",
    "layers": {
        "poc": {
            "from": "v0.1.0",
            "to": "v0.2.0",
            "changed_files": ["README.md", "pyproject.toml", ".github/workflows/ci.yml"],
        },
        "feedback-loop": {"from": "v0.2.0", "to": "v0.2.0", "changed_files": []},
    },
    "conflicts": ["README.md"],
    "not_applied": [{"path": "docs/old.md", "reason": "deleted by the team"}],
    "up_to_date": False,
}


# --- update_target -------------------------------------------------------------------------


def test_no_target_when_every_layer_is_current() -> None:
    report = check_report(poc=layer("v0.2.0", "v0.2.0", 0), production=layer("v0.2.0", "v0.2.0", 0))

    assert update_target(report) is None


def test_target_is_the_newest_version_any_layer_can_reach() -> None:
    report = check_report(
        poc=layer("v0.1.0", "v0.3.0", 2),
        production=layer("v0.2.0", "v0.10.0", 1),
        **{"feedback-loop": layer("v0.2.0", "v0.2.0", 0)},
    )

    target = update_target(report)

    assert target is not None
    assert target.version == "0.10.0"  # PEP 440 order, not string order
    assert [(u.layer, u.current, u.latest) for u in target.layers] == [
        ("poc", "v0.1.0", "v0.3.0"),
        ("production", "v0.2.0", "v0.10.0"),
    ]


def test_update_available_flag_wins_over_behind_when_present() -> None:
    report = check_report(poc=layer("v0.1.0", "v0.2.0", 1, update_available=False))

    assert update_target(report) is None


@pytest.mark.parametrize(
    "report",
    [
        [],
        {"projects": []},
        {"projects": [{"layers": {}}, {"layers": {}}]},
        {"projects": [{"is_project": False, "layers": {}}]},
        {"projects": [{"layers": []}]},
        {"projects": [{"layers": {"poc": "v1"}}]},
    ],
)
def test_update_target_rejects_reports_of_another_shape(report: object) -> None:
    with pytest.raises(UsageError, match="check report"):
        update_target(report)


# --- branch name and title -------------------------------------------------------------


def test_branch_name_and_title_use_the_plain_version() -> None:
    assert branch_name("v0.3.0") == "mljourney/update-0.3.0"
    assert branch_name("0.3.0") == "mljourney/update-0.3.0"
    assert pull_request_title("v0.3.0") == "mljourney: update the template layers to 0.3.0"


@pytest.mark.parametrize("bad", ["main", "v1.0;rm -rf", "../x", ""])
def test_branch_name_refuses_what_is_not_a_version(bad: str) -> None:
    with pytest.raises(UsageError, match="not a release version"):
        branch_name(bad)


# --- the no-duplicate decision -----------------------------------------------------------


def target_030() -> object:
    return update_target(check_report(poc=layer("v0.2.0", "v0.3.0", 1)))


def test_plan_opens_a_pull_request_when_none_is_open_for_the_version() -> None:
    pulls = parse_open_pull_requests(
        [
            {"headRefName": "feature/x", "title": "Add a feature"},
            {"headRefName": "mljourney/update-0.2.0", "title": "older proposal"},
        ]
    )

    plan = plan_proposal(target_030(), pulls)  # type: ignore[arg-type]

    assert plan.action == "open"
    assert plan.branch == "mljourney/update-0.3.0"
    assert "poc v0.2.0 -> v0.3.0" in plan.reason


def test_plan_skips_when_the_branch_of_that_version_has_an_open_pull_request() -> None:
    pulls = (OpenPullRequest("mljourney/update-0.3.0", "renamed by the team"),)

    plan = plan_proposal(target_030(), pulls)  # type: ignore[arg-type]

    assert plan.action == "skip"
    assert "open already" in plan.reason


def test_plan_skips_when_a_pull_request_carries_that_versions_title() -> None:
    pulls = (OpenPullRequest("someone/moved-it", pull_request_title("0.3.0")),)

    assert plan_proposal(target_030(), pulls).action == "skip"  # type: ignore[arg-type]


def test_plan_skips_when_nothing_is_newer() -> None:
    plan = plan_proposal(None, ())

    assert (plan.action, plan.branch) == ("skip", None)


def test_plan_outputs_are_github_output_lines() -> None:
    plan = plan_proposal(target_030(), ())  # type: ignore[arg-type]

    lines = plan.as_outputs().splitlines()

    assert lines[0] == "action=open"
    assert "branch=mljourney/update-0.3.0" in lines
    assert "title=mljourney: update the template layers to 0.3.0" in lines
    assert all("=" in line for line in lines)


@pytest.mark.parametrize("raw", [{}, [{"title": "x"}], [{"headRefName": 3}], ["x"]])
def test_open_pull_requests_of_another_shape_are_refused(raw: object) -> None:
    with pytest.raises(UsageError, match="open pull requests"):
        parse_open_pull_requests(raw)


# --- changelog sections --------------------------------------------------------------------


def test_changelog_sections_between_two_versions_newest_first() -> None:
    sections = changelog_sections(CHANGELOG, "v0.1.0", "v0.3.0")

    assert [s.splitlines()[0] for s in sections] == ["## 0.3.0", "## 0.2.0"]
    assert "### A sub-heading inside 0.2.0" in sections[1]
    assert "- one" not in "".join(sections)


def test_changelog_section_of_one_version() -> None:
    assert changelog_section(CHANGELOG, "0.1.0") == "## v0.1.0\n\n- one"
    assert changelog_section(CHANGELOG, "0.9.0") is None


# --- the pull request's body -------------------------------------------------------------


def test_summary_is_validated_field_by_field() -> None:
    broken = {**SUMMARY, "layers": {"poc": {"from": 1, "to": "v0.2.0", "changed_files": []}}}

    with pytest.raises(UsageError, match=r"layers\.poc\.from"):
        parse_update_summary(broken)
    with pytest.raises(UsageError, match=r"not_applied\[0\]"):
        parse_update_summary({**SUMMARY, "not_applied": [{"path": "x"}]})
    with pytest.raises(UsageError, match="project"):
        parse_update_summary({"layers": {}})


def test_body_says_what_changed_per_layer_conflicts_and_not_applied() -> None:
    summary = parse_update_summary(SUMMARY)

    body = pull_request_body(summary, {"poc": CHANGELOG})

    assert "| poc | v0.1.0 | v0.2.0 | 3 |" in body
    assert "| feedback-loop | v0.2.0 | v0.2.0 | 0 |" in body
    assert "## Conflicts to resolve (1)" in body
    assert "- [ ] `README.md`" in body
    assert "- `README.md` (conflict)" in body
    assert "- `pyproject.toml`" in body
    assert "## Changes not applied (1)" in body
    assert "- `docs/old.md`: deleted by the team" in body
    # The changelog of the versions the layer moved through, and only those.
    assert "### 0.2.0\n\n- two" in body
    assert "- three" not in body and "- one" not in body
    assert "`mljourney/update-0.2.0`" in body


def test_body_lists_overlays_and_where_the_team_moved_a_file() -> None:
    summary = parse_update_summary(
        {
            **SUMMARY,
            "outcome": "branch",
            "overlays": {"acme": {"from": "v1", "to": "v2", "changed_files": ["CODEOWNERS"]}},
            "not_applied": [
                {"layer": "poc", "path": "src/a.py", "moved_to": "src/b.py", "reason": "moved"}
            ],
        }
    )

    body = pull_request_body(summary, {"poc": CHANGELOG})

    assert "| overlay acme | v1 | v2 | 1 |" in body
    assert "- `src/a.py` (moved to `src/b.py`): moved" in body
    assert "templates/overlay acme" not in body


def test_body_without_conflicts_or_changelog_says_so() -> None:
    summary = parse_update_summary({**SUMMARY, "conflicts": [], "not_applied": []})

    body = pull_request_body(summary, {})

    assert "No conflicts" in body
    assert "Changes not applied" not in body
    assert "ships no templates/poc/CHANGELOG.md" in body
