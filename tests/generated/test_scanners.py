"""What every layer combination generates passes independent security scanners.

Rendered (no install) for each combination of layers that brings workflows, CloudFormation,
Dockerfiles or shell scripts: every ``.github/workflows/*.yml`` passes ``zizmor --offline``
with no finding (pedantic persona included), every CloudFormation template and Dockerfile
passes ``checkov`` with no failed check (accepted exceptions are written in the template as
``Metadata: checkov: skip`` with the reason), every template passes ``cfn-lint``, every
shell script passes ``shellcheck``. The files are found by kind, not by name, so what any
layer adds later is scanned too.

The scanners come from their own environment (``.ci/run`` installs them and sets
``MLJOURNEY_SCANNERS_BIN``); they are looked up beside the test interpreter and on PATH
otherwise. A missing scanner skips its test, unless ``MLJOURNEY_REQUIRE_SCANNERS=1`` (set
by ``.ci/run``), which makes it a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.scanners import cloudformation, find_scanner, shell_scripts, workflows
from tests.generated.project_env import render_layers

CASES = {
    "production": (["poc", "production"], {"stage": "building"}),
    "production+feedback-loop": (
        ["poc", "production", "feedback-loop"],
        {"stage": "scaling", "feedback_loop": True},
    ),
    "poc+feedback-loop": (
        ["poc", "feedback-loop"],
        {"stage": "prototyping", "feedback_loop": True},
    ),
}


def scanner(name: str) -> str:
    """The scanner's executable, or skip (fail when scanners are required)."""
    found = find_scanner(name)
    beside = Path(sys.executable).with_name(name)
    if found is None and beside.is_file():
        found = str(beside)
    if found:
        return found
    message = f"{name} is not installed (see .ci/run: the scanners' own environment)"
    if os.environ.get("MLJOURNEY_REQUIRE_SCANNERS") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case rendered under one folder, so each scanner runs once over all of them."""
    parent = tmp_path_factory.mktemp("scanned")
    for case, (layers, answers) in CASES.items():
        data = {"project_name": "scanned-project", **answers}
        render_layers(parent / case, layers, data)
    return parent


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_workflows_have_no_zizmor_finding(rendered: Path) -> None:
    files = [path for case in CASES for path in workflows(rendered / case)]
    assert files, "no case generates a workflow: the test lost its subject"
    result = run([scanner("zizmor"), "--offline", "--persona=pedantic", *map(str, files)], rendered)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cloudformation_and_dockerfiles_pass_checkov(rendered: Path) -> None:
    assert any(cloudformation(rendered / case) for case in CASES)
    command = [scanner("checkov"), "-d", ".", "--framework", "cloudformation", "dockerfile"]
    result = run([*command, "--compact", "--quiet", "--skip-download"], rendered)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Parsing errors" not in result.stdout, result.stdout


def test_cloudformation_passes_cfn_lint(rendered: Path) -> None:
    templates = [path for case in CASES for path in cloudformation(rendered / case)]
    assert templates, "no case generates CloudFormation: the test lost its subject"
    result = run([scanner("cfn-lint"), *map(str, templates)], rendered)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shell_scripts_pass_shellcheck(rendered: Path) -> None:
    scripts = [path for case in CASES for path in shell_scripts(rendered / case)]
    assert scripts, "no case generates a shell script: the test lost its subject"
    result = run([scanner("shellcheck"), *map(str, scripts)], rendered)
    assert result.returncode == 0, result.stdout + result.stderr
