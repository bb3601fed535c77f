"""A project made by the released v0.1.0, with a team's edits, updates to the current templates.

Issue 9 (edits kept or conflicts reported) and issue 15 (``update --branch NAME`` and
``--summary-json FILE``: a branch with the update, the original branch untouched).
The current version is built from a copy of ``templates/`` with one more template change,
so a change always arrives whatever the current templates hold.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import __version__, layers
from generator import git as mlgit
from generator.cli import main
from generator.layers import install_bundle
from generator.render import render_layer
from tests.conftest import git

RELEASED = "v0.1.0"
CURRENT = f"v{__version__}"
TEAM_NOTE = "\n## Our notes\n\nKeep this paragraph through every update.\n"
TEMPLATE_NOTE = "Notes of the current template version.\n"
INSTALL_LINE = 'pip install -e ".[test]"   # set up'


@pytest.fixture
def current_templates(copy_of_templates: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current version = templates/ plus one README change (a new line at the end)."""
    # The README's English text lives in the poc layer's i18n/en/readme/ include files.
    readme = copy_of_templates / "poc" / "i18n" / "en" / "readme"
    assert INSTALL_LINE in (readme / "poc-intro.md").read_text()
    sections = readme / "poc-sections.md"
    text = sections.read_text()
    assert "## The baseline\n" in text
    sections.write_text(text.replace("## The baseline\n", "## The baseline\n\n" + TEMPLATE_NOTE, 1))
    monkeypatch.setattr(layers, "templates_dir", lambda: copy_of_templates)
    return copy_of_templates


def released_project(tmp_path: Path) -> Path:
    """A PoC rendered from the released v0.1.0 bundle, committed, then edited by a team."""
    assert RELEASED in layers.bundle_tags(layers.released_bundle("poc"))
    project = tmp_path / "churn"
    project.mkdir()
    data = {"project_name": "churn", "stage": "prototyping"}
    render_layer(install_bundle("poc"), project, data, vcs_ref=RELEASED)
    mlgit.init_and_commit(project, f"Scaffold churn at {RELEASED}")
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(TEAM_NOTE)
    pyproject = project / "pyproject.toml"
    anchor = '    "scikit-learn>=1.7,<1.10",\n'
    assert anchor in pyproject.read_text()
    pyproject.write_text(pyproject.read_text().replace(anchor, anchor + '    "xgboost>=2,<4",\n'))
    (project / "src" / "churn" / "our_features.py").write_text('"""Ours."""\n')
    git(project, "add", "-A")
    git(project, "commit", "-qm", "team edits")
    return project


def show(project: Path, ref: str, path: str) -> str:
    return git(project, "show", f"{ref}:{path}")


def test_released_project_updates_with_team_edits_kept(
    tmp_path: Path, current_templates: Path
) -> None:
    project = released_project(tmp_path)

    result = CliRunner().invoke(main, ["update", str(project)])

    assert result.exit_code == 0, result.output
    assert git(project, "status", "--porcelain") == ""
    readme = (project / "README.md").read_text()
    assert TEAM_NOTE.strip() in readme and TEMPLATE_NOTE in readme
    assert '"xgboost>=2,<4"' in (project / "pyproject.toml").read_text()
    assert (project / "src" / "churn" / "our_features.py").read_text() == '"""Ours."""\n'
    answers = yaml.safe_load((project / ".copier-answers.poc.yml").read_text())
    assert answers["_commit"] == CURRENT
    assert f"poc: updated ({RELEASED} -> {CURRENT})" in result.stdout


def test_update_on_a_branch_with_a_summary(tmp_path: Path, current_templates: Path) -> None:
    project = released_project(tmp_path)
    head = git(project, "rev-parse", "HEAD").strip()
    summary_file = tmp_path / "summary.json"

    result = CliRunner().invoke(
        main,
        [
            "update",
            str(project),
            "--branch",
            "mljourney/update",
            "--summary-json",
            str(summary_file),
        ],
    )

    assert result.exit_code == 0, result.output
    # The original branch and work tree are untouched.
    assert git(project, "rev-parse", "HEAD").strip() == head
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert git(project, "status", "--porcelain") == ""
    assert TEMPLATE_NOTE not in (project / "README.md").read_text()
    # The branch holds the update with the team's edits.
    assert git(project, "rev-parse", "mljourney/update~1").strip() == head
    branch_readme = show(project, "mljourney/update", "README.md")
    assert TEAM_NOTE.strip() in branch_readme and TEMPLATE_NOTE in branch_readme
    assert '"xgboost>=2,<4"' in show(project, "mljourney/update", "pyproject.toml")
    assert show(project, "mljourney/update", "src/churn/our_features.py") == '"""Ours."""\n'
    # The summary says exactly that.
    summary = json.loads(summary_file.read_text())
    changed = sorted(git(project, "diff", "--name-only", head, "mljourney/update").split())
    assert summary == {
        "project": "churn",
        "path": str(project),
        "branch": "mljourney/update",
        "outcome": "branch",
        "layers": {
            "poc": {"from": RELEASED, "to": CURRENT, "changed_files": changed, "action": "updated"}
        },
        "overlays": {},
        "conflicts": [],
        "not_applied": [],
        "up_to_date": False,
    }
    assert "README.md" in changed and ".copier-answers.poc.yml" in changed


def test_conflicts_go_to_the_review_branch_and_the_summary(
    tmp_path: Path, current_templates: Path
) -> None:
    project = released_project(tmp_path)
    readme = current_templates / "poc" / "i18n" / "en" / "readme" / "poc-intro.md"
    readme.write_text(
        readme.read_text().replace(INSTALL_LINE, 'pip install -e ".[dev]"   # set up')
    )
    text = (project / "README.md").read_text()
    (project / "README.md").write_text(
        text.replace(INSTALL_LINE, 'uv pip install -e ".[test]"  # us')
    )
    git(project, "commit", "-qam", "we use uv")
    head = git(project, "rev-parse", "HEAD")
    summary_file = tmp_path / "summary.json"

    result = CliRunner().invoke(
        main, ["update", str(project), "--branch", "review", "--summary-json", str(summary_file)]
    )

    assert result.exit_code == 3
    assert "  README.md" in result.stderr.splitlines()
    assert "resolve the files above on branch review" in result.stderr
    assert git(project, "rev-parse", "HEAD") == head and git(project, "status", "--porcelain") == ""
    assert "<<<<<<<" in show(project, "review", "README.md")
    summary = json.loads(summary_file.read_text())
    assert summary["conflicts"] == ["README.md"] and summary["branch"] == "review"


def test_up_to_date_project_makes_no_branch(tmp_path: Path) -> None:
    project = tmp_path / "p"
    result = CliRunner().invoke(
        main, ["new", str(project), "--defaults", "--data", "project_name=p"]
    )
    assert result.exit_code == 0, result.output
    summary_file = tmp_path / "summary.json"

    result = CliRunner().invoke(
        main, ["update", str(project), "--branch", "up", "--summary-json", str(summary_file)]
    )

    assert result.exit_code == 0, result.output
    assert not mlgit.branch_exists(project, "up")
    summary = json.loads(summary_file.read_text())
    assert summary["up_to_date"] is True and summary["branch"] is None
    assert summary["layers"]["poc"] == {
        "from": CURRENT,
        "to": CURRENT,
        "changed_files": [],
        "action": "up to date",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--branch", "main"], "branch 'main' already exists"),
        (["--branch", "bad..name"], "'bad..name' is not a valid git branch name"),
        (["--branch", "x", "--dry-run"], "--branch and --dry-run do not go together"),
    ],
)
def test_bad_branch_requests_are_usage_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    project = tmp_path / "p"
    CliRunner().invoke(main, ["new", str(project), "--defaults", "--data", "project_name=p"])
    result = CliRunner().invoke(main, ["update", str(project), *args])
    assert result.exit_code == 2
    assert message in result.stderr
