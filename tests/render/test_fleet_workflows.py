"""Every project's own CI and update-proposal workflows: valid, least privilege, zizmor-clean.

Rendered through `mljourney new` (so the layer version is recorded, as in real projects) at
a PoC stage and at a production stage. zizmor runs offline on the rendered workflows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import __version__
from generator.cli import main

WORKFLOWS = Path(".github/workflows")
OWN = ("mljourney-check.yml", "mljourney-update.yml")
USES = re.compile(r"^\s*(?:- )?uses: (.*)$", re.MULTILINE)
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def new(dest: Path, *args: str) -> Path:
    result = CliRunner().invoke(
        main, ["new", str(dest), "--defaults", "--data", "project_name=churn", *args]
    )
    assert result.exit_code == 0, result.output
    return dest


def load(root: Path, name: str) -> dict[object, object]:
    text = (root / WORKFLOWS / name).read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    return {("on" if key is True else key): value for key, value in loaded.items()}


def scanner(name: str) -> str:
    """A scanner's executable: $MLJOURNEY_SCANNERS_BIN (.ci/run), this venv, or PATH."""
    places = [os.environ.get("MLJOURNEY_SCANNERS_BIN", ""), str(Path(sys.executable).parent)]
    for place in filter(None, places):
        found = shutil.which(name, path=place)
        if found:
            return found
    found = shutil.which(name)
    assert found, f"{name} is missing: pip install -e '.[test]'"
    return found


def zizmor(root: Path, names: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    executable = scanner("zizmor")
    return subprocess.run(
        [executable, "--offline", "--persona=pedantic", *(str(WORKFLOWS / n) for n in names)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def poc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return new(tmp_path_factory.mktemp("fleet") / "poc", "--stage", "prototyping")


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return new(
        tmp_path_factory.mktemp("fleet") / "prod",
        "--stage",
        "building",
        "--data",
        "feedback_loop=true",
    )


def steps(workflow: dict[object, object]) -> list[dict[str, object]]:
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    return [step for job in jobs.values() for step in job["steps"]]


def assert_least_privilege_and_pinned(root: Path, name: str) -> None:
    """No workflow-wide permission; every action pinned to a commit with its version."""
    assert load(root, name)["permissions"] == {}
    text = (root / WORKFLOWS / name).read_text(encoding="utf-8")
    uses = USES.findall(text)
    assert uses
    for reference in uses:
        assert PINNED.match(reference), reference


def test_poc_project_has_ci_and_the_standard_and_is_zizmor_clean(poc: Path) -> None:
    names = ("ci.yml", *OWN)
    assert sorted(p.name for p in (poc / WORKFLOWS).iterdir()) == sorted(names)
    for name in names:
        assert_least_privilege_and_pinned(poc, name)
        for step in steps(load(poc, name)):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"] == {"persist-credentials": False}

    ci = load(poc, "ci.yml")
    commands = " ".join(str(step.get("run", "")) for step in steps(ci))
    assert "ruff check ." in commands
    assert "ruff format --check ." in commands
    assert "pytest" in commands  # tests/test_notebooks.py executes the notebooks
    assert (poc / "tests" / "test_notebooks.py").is_file()

    result = zizmor(poc, names)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout


def test_standard_job_runs_check_with_junit_and_drift_as_a_warning(poc: Path) -> None:
    check = load(poc, "mljourney-check.yml")
    job = check["jobs"]["standard"]  # type: ignore[index]
    assert job["permissions"] == {"contents": "read"}
    env = job["env"]
    # Pinned to the mljourney of this template version by default; an org variable wins.
    assert env["MLJOURNEY_REQUIREMENT"] == (
        f"${{{{ vars.MLJOURNEY_REQUIREMENT || 'mljourney=={__version__}' }}}}"
    )
    assert env["MLJOURNEY_CI_DRIFT"] == "${{ vars.MLJOURNEY_CI_DRIFT || 'warning' }}"
    script = " ".join(str(step.get("run", "")) for step in steps(check))
    assert "--format junit --output mljourney-check.xml" in script
    assert "--allow-drift" in script
    upload = [s for s in steps(check) if str(s.get("uses", "")).startswith("actions/upload")]
    assert upload and upload[0]["if"] == "always()"
    assert upload[0]["with"]["path"] == "mljourney-check.xml"  # type: ignore[index]


def test_update_workflow_is_scheduled_least_privilege_and_injection_free(poc: Path) -> None:
    update = load(poc, "mljourney-update.yml")
    assert set(update["on"]) == {"schedule", "workflow_dispatch"}  # type: ignore[arg-type]
    job = update["jobs"]["propose"]  # type: ignore[index]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert job["env"]["MLJOURNEY_REQUIREMENT"] == (
        "${{ vars.MLJOURNEY_REQUIREMENT || 'mljourney' }}"
    )
    # The token reaches only the steps that call GitHub, not the package install.
    assert "GH_TOKEN" not in job["env"]
    with_token = [s["name"] for s in steps(update) if "GH_TOKEN" in s.get("env", {})]
    assert len(with_token) == 2
    for step in steps(update):
        # Values reach the scripts through env only, never `${{ }}` inside run:.
        assert "${{" not in str(step.get("run", ""))
    script = "\n".join(str(step.get("run", "")) for step in steps(update))
    assert "mljourney check --allow-drift --format json" in script
    assert "gh pr list --state open" in script and "--json headRefName,title" in script
    assert 'mljourney update --branch "$BRANCH" --summary-json' in script
    assert "mljourney propose-update plan" in script
    assert "mljourney propose-update body" in script
    assert "gh pr create" in script


def test_production_project_keeps_one_ci_and_adds_the_standard(production: Path) -> None:
    names = sorted(p.name for p in (production / WORKFLOWS).iterdir())
    # feedback-image.yml is the feedback-loop layer's (the service's container image).
    assert names == sorted(["build.yml", "ci.yml", "deploy.yml", "feedback-image.yml", *OWN])
    ci = (production / WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    assert "CloudFormation lint" in ci  # the production layer's ci.yml, not the poc's
    for name in OWN:
        assert_least_privilege_and_pinned(production, name)
    result = zizmor(production, OWN)
    assert result.returncode == 0, result.stdout + result.stderr


def test_organisation_answers_reach_both_workflows(tmp_path: Path) -> None:
    requirement = "git+https://git.example.com/ml/mljourney.git@v0.2.0"
    root = new(
        tmp_path / "org",
        "--stage",
        "prototyping",
        "--data",
        f"mljourney_requirement={requirement}",
        "--data",
        "ci_drift=failure",
    )

    check_env = load(root, "mljourney-check.yml")["jobs"]["standard"]["env"]  # type: ignore[index]
    update_env = load(root, "mljourney-update.yml")["jobs"]["propose"]["env"]  # type: ignore[index]

    assert f"'{requirement}'" in check_env["MLJOURNEY_REQUIREMENT"]
    assert f"'{requirement}'" in update_env["MLJOURNEY_REQUIREMENT"]
    assert check_env["MLJOURNEY_CI_DRIFT"] == "${{ vars.MLJOURNEY_CI_DRIFT || 'failure' }}"


@pytest.mark.parametrize("bad", ["mljourney 0.2", "x'}}", 'a"b'])
def test_a_requirement_that_could_break_the_workflow_is_refused(tmp_path: Path, bad: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            "new",
            str(tmp_path / "p"),
            "--defaults",
            "--stage",
            "prototyping",
            "--data",
            f"mljourney_requirement={bad}",
        ],
    )

    assert result.exit_code == 2
    assert "pip requirement" in result.output
    assert not (tmp_path / "p").exists()


def test_the_workflows_shell_scripts_pass_shellcheck(poc: Path, tmp_path: Path) -> None:
    executable = scanner("shellcheck")
    scripts = []
    for name in ("ci.yml", *OWN):
        for index, step in enumerate(steps(load(poc, name))):
            if "run" in step:
                script = tmp_path / f"{name}-{index}.sh"
                # GitHub runs `run:` with `bash -e`.
                script.write_text(f"#!/usr/bin/env bash\nset -e\n{step['run']}", encoding="utf-8")
                scripts.append(str(script))
    assert len(scripts) >= 6

    result = subprocess.run(
        [executable, "--severity=style", *scripts], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout


def test_without_a_released_version_the_standard_job_takes_the_newest(tmp_path: Path) -> None:
    from tests.generated.project_env import render_layers

    # A plain template folder records no version (so would an untagged organisation source).
    root = render_layers(tmp_path / "plain", ["poc"], {"project_name": "churn"})

    env = load(root, "mljourney-check.yml")["jobs"]["standard"]["env"]  # type: ignore[index]
    assert env["MLJOURNEY_REQUIREMENT"] == "${{ vars.MLJOURNEY_REQUIREMENT || 'mljourney' }}"
