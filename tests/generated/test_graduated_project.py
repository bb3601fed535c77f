"""A PoC graduated with a team's edits installs, lints clean and runs its local pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.conftest import git
from tests.generated.project_env import install, run_own_checks


@pytest.mark.slow
def test_graduated_poc_installs_lints_and_passes_its_tests(tmp_path: Path) -> None:
    project = tmp_path / "churn"
    created = CliRunner().invoke(
        main,
        [
            "new",
            str(project),
            "--stage",
            "prototyping",
            "--defaults",
            "--data",
            "project_name=churn",
            "--data",
            "task_type=classification",
        ],
    )
    assert created.exit_code == 0, created.output
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\n## Team notes\n\nWe tried wine first.\n")
    git(project, "commit", "-qam", "team notes")

    graduated = CliRunner().invoke(main, ["graduate", str(project)])

    assert graduated.exit_code == 0, graduated.output
    assert "We tried wine first." in (project / "README.md").read_text()
    env = install(project)
    # Its files equal a fresh production project's (tests/render/test_lifecycle.py), whose
    # whole suite runs in test_production.py: here lint, the local pipeline's tests and
    # the command itself, in the graduated project's own environment.
    run_own_checks(env, ("tests/production/test_run_local.py",))
    env.run("churn", "run-local", timeout=600)
