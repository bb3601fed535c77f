"""add and graduate on real projects: the team's edits survive, the result equals a fresh render."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.scaffold import relative_files
from tests.conftest import git

USER_NOTE = "\n## Our notes\n\nKeep this paragraph through every update.\n"


def new(dest: Path, *args: str) -> None:
    result = CliRunner().invoke(
        main, ["new", str(dest), "--defaults", "--data", "project_name=churn", *args]
    )
    assert result.exit_code == 0, result.output


def edit_like_a_team(dest: Path) -> None:
    with (dest / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(USER_NOTE)
    (dest / "src" / "churn" / "our_features.py").write_text('"""Ours."""\n', encoding="utf-8")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "team edits")


def answers(dest: Path, layer: str) -> dict[str, object]:
    return yaml.safe_load((dest / f".copier-answers.{layer}.yml").read_text())


def rendered_files(dest: Path) -> set[str]:
    return {str(p) for p in relative_files(dest)}


def test_graduate_keeps_edits_and_equals_a_fresh_production_project(tmp_path: Path) -> None:
    poc = tmp_path / "churn"
    new(poc, "--stage", "prototyping", "--data", "task_type=regression")
    edit_like_a_team(poc)

    result = CliRunner().invoke(main, ["graduate", str(poc)])

    assert result.exit_code == 0, result.output
    assert "`churn run-local`" in result.output  # the next step names the project's command
    assert USER_NOTE.strip() in (poc / "README.md").read_text()
    assert (poc / "src" / "churn" / "our_features.py").read_text() == '"""Ours."""\n'
    core = answers(poc, "poc")
    assert (core["stage"], core["is_production"], core["task_type"]) == (
        "building",
        True,
        "regression",
    )
    assert answers(poc, "production")["task_type"] == "regression"
    assert git(poc, "status", "--porcelain") == ""

    fresh = tmp_path / "fresh"
    new(fresh, "--stage", "building", "--data", "task_type=regression")
    assert rendered_files(poc) - {"src/churn/our_features.py"} == rendered_files(fresh)
    for shared in ("pyproject.toml", "src/churn/cli.py", "AGENTS.md"):
        assert (poc / shared).read_text() == (fresh / shared).read_text(), shared
    # Graduating changes the front page: it now leads with the production commands, the
    # PoC's story below; the team's note is still there.
    readme = (poc / "README.md").read_text()
    assert readme.replace(USER_NOTE, "\n") == (fresh / "README.md").read_text() + "\n"
    first_commands = readme.split("```bash\n", 1)[1].splitlines()[:2]
    assert first_commands[1].startswith("churn run-local")
    assert readme.index("## Production (SageMaker)") < readme.index("## From the proof of concept")


def test_add_feedback_loop_keeps_edits_and_equals_a_fresh_render(tmp_path: Path) -> None:
    poc = tmp_path / "churn"
    new(poc, "--stage", "experimenting")
    edit_like_a_team(poc)

    result = CliRunner().invoke(main, ["add", "feedback-loop", str(poc)])

    assert result.exit_code == 0, result.output
    assert USER_NOTE.strip() in (poc / "README.md").read_text()
    assert answers(poc, "poc")["feedback_loop"] is True
    assert answers(poc, "feedback-loop")["project_name"] == "churn"
    fresh = tmp_path / "fresh"
    new(fresh, "--stage", "experimenting", "--data", "feedback_loop=true")
    assert rendered_files(poc) - {"src/churn/our_features.py"} == rendered_files(fresh)
    assert (poc / "pyproject.toml").read_text() == (fresh / "pyproject.toml").read_text()


def test_graduate_a_poc_with_feedback_loop_moves_every_layer(tmp_path: Path) -> None:
    poc = tmp_path / "churn"
    new(poc, "--stage", "prototyping", "--data", "feedback_loop=true")
    result = CliRunner().invoke(main, ["graduate", str(poc)])
    assert result.exit_code == 0, result.output
    assert answers(poc, "feedback-loop")["stage"] == "building"
    fresh = tmp_path / "fresh"
    new(fresh, "--stage", "building", "--data", "feedback_loop=true")
    assert rendered_files(poc) == rendered_files(fresh)


def test_add_twice_and_graduate_twice_are_refused(tmp_path: Path) -> None:
    project = tmp_path / "churn"
    new(project, "--stage", "building", "--data", "feedback_loop=true")
    again = CliRunner().invoke(main, ["add", "feedback-loop", str(project)])
    assert again.exit_code == 2 and "already has the feedback-loop layer" in again.output
    graduate = CliRunner().invoke(main, ["graduate", str(project)])
    assert graduate.exit_code == 2 and "already has the production layer" in graduate.output


def test_add_refuses_to_overwrite_a_users_file(tmp_path: Path) -> None:
    poc = tmp_path / "churn"
    new(poc)
    first = CliRunner().invoke(main, ["add", "feedback-loop", str(tmp_path / "fresh-check")])
    assert first.exit_code == 2  # not a directory: a usage error, nothing made
    assert not (tmp_path / "fresh-check").exists()
