"""The feedback-loop layer on top of poc (and poc + production): renders, installs, passes.

Quick tests render the layer for every task type and check its exact files, Jinja
leftovers, the shared files' feedback-loop blocks and lint. Slow tests (``-m slow``)
install rendered projects with uv and run their own checks, the real-browser tests
included (``FEEDBACK_REQUIRE_BROWSER=1``: a missing Chromium fails instead of skipping).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.journey import TASK_TYPES
from tests.generated.project_env import (
    install,
    leftover_jinja,
    outer_ruff,
    render_layers,
    run_own_checks,
)

FEEDBACK_MODULES = (
    "__init__",
    "challenge",
    "commands",
    "items",
    "labels",
    "lake",
    "messages",
    "page",
    "pool",
    "quality",
    "retrain",
    "service",
    "serving",
    "settings",
    "signing",
    "simulate",
    "state",
    "stats",
    "visitor",
)
FEEDBACK_TESTS = ("conftest", "test_api", "test_browser", "test_crash", "test_infra")
FEEDBACK_TESTS += ("test_labels", "test_lake", "test_retrain", "test_scale", "test_serving")
FEEDBACK_TESTS += ("test_simulate", "test_stats")
LAYER_FILES = {
    ".copier-answers.feedback-loop.yml",
    ".feedback/.gitignore",
    "lake/.gitignore",
    "docs/feedback-loop.md",
    "infra/feedback-image.yaml",
    "infra/feedback-lake.yaml",
    "infra/feedback-retrain.yaml",
    "infra/feedback-service.yaml",
    "feedback.Dockerfile",
    "feedback.Dockerfile.dockerignore",
    ".github/workflows/feedback-image.yml",
    *(f"tests/feedback/{name}.py" for name in FEEDBACK_TESTS),
}


def answers_for(task_type: str, stage: str = "prototyping") -> dict[str, object]:
    return {
        "project_name": f"fb-{task_type.replace('_', '-')}",
        "task_type": task_type,
        "stage": stage,
        "feedback_loop": True,
        # Every other task type in Japanese: the pages' texts, docs and tests in both languages.
        "language": ("en", "ja")[TASK_TYPES.index(task_type) % 2],
    }


def layer_files(package: str) -> set[str]:
    return LAYER_FILES | {f"src/{package}/feedback/{module}.py" for module in FEEDBACK_MODULES}


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_layer_adds_exactly_its_own_files(tmp_path: Path) -> None:
    answers = answers_for("classification")
    alone = render_layers(tmp_path / "alone", ["feedback-loop"], answers)
    assert files_under(alone) == layer_files("fb_classification")
    poc_only = files_under(render_layers(tmp_path / "poc", ["poc"], answers))
    both = files_under(render_layers(tmp_path / "both", ["poc", "feedback-loop"], answers))
    assert both == poc_only | layer_files("fb_classification")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {
        task_type: render_layers(
            tmp_path_factory.mktemp(task_type), ["poc", "feedback-loop"], answers_for(task_type)
        )
        for task_type in TASK_TYPES
    }


def test_every_task_type_renders_without_leftovers_and_lints_clean(
    rendered: dict[str, Path],
) -> None:
    for task_type, root in rendered.items():
        assert leftover_jinja(root) == [], task_type
    paths = [str(root) for root in rendered.values()]
    for args in (["check", *paths], ["format", "--check", *paths]):
        result = outer_ruff(*args)
        assert result.returncode == 0, f"ruff {args[0]}:\n{result.stdout}{result.stderr}"


def test_shared_files_carry_the_layer_s_blocks(rendered: dict[str, Path]) -> None:
    root = rendered["classification"]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    for requirement in ('"fastapi==', '"uvicorn==', '"duckdb', '"playwright==', '"moto[server]=='):
        assert requirement in pyproject
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "fb-classification feedback serve --host 127.0.0.1 --port 8000" in readme
    assert "docs/feedback-loop.md" in readme
    agents = (root / "AGENTS.md").read_text(encoding="utf-8")
    assert "| feedback-loop |" in agents and "`feedback serve`" in agents
    assert "`tests/feedback/`" in agents and ".copier-answers.feedback-loop.yml" in agents
    assert "mljourney add feedback-loop" not in agents  # already there
    cli = (root / "src" / "fb_classification" / "cli.py").read_text(encoding="utf-8")
    assert "from fb_classification.feedback.commands import feedback" in cli


def scanner(name: str) -> str:
    """A scanner's executable: ``$MLJOURNEY_<NAME>``, beside this interpreter, or on PATH.

    zizmor comes with the test extra; checkov needs a venv of its own (it pins
    packaging<24), which ``.ci/run`` makes. Missing: skipped, or failed when
    ``MLJOURNEY_REQUIRE_SCANNERS=1`` (CI).
    """
    configured = os.environ.get(f"MLJOURNEY_{name.upper()}", "")
    beside = Path(sys.executable).with_name(name)
    found = configured or (str(beside) if beside.exists() else shutil.which(name))
    if found and Path(found).exists():
        return found
    reason = f"{name} is not installed (python -m venv v && v/bin/pip install {name})"
    if os.environ.get("MLJOURNEY_REQUIRE_SCANNERS") == "1":
        pytest.fail(f"MLJOURNEY_REQUIRE_SCANNERS=1 but {reason}")
    pytest.skip(reason)


def test_generated_iac_container_and_workflow_pass_checkov_and_zizmor(
    rendered: dict[str, Path],
) -> None:
    """checkov (CloudFormation, Dockerfile) and zizmor find nothing; exceptions are written
    in the templates as Metadata with a reason (checkov counts them as skipped)."""
    root = rendered["classification"]
    checkov = scanner("checkov")
    for args in (
        ["-d", str(root / "infra"), "--framework", "cloudformation"],
        ["-f", str(root / "feedback.Dockerfile"), "--framework", "dockerfile"],
    ):
        result = subprocess.run(
            [checkov, *args, "--compact", "--quiet", "--skip-download"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run(
        [scanner("zizmor"), "--offline", str(root / ".github" / "workflows")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_the_loop_no_feedback_dependencies(tmp_path: Path) -> None:
    answers = {**answers_for("classification"), "feedback_loop": False}
    root = render_layers(tmp_path / "plain", ["poc"], answers)
    assert "fastapi" not in (root / "pyproject.toml").read_text(encoding="utf-8")


# The whole suite of a classification project with all three layers runs once
# (production-classification); on the poc alone only the layer's tests run, for the task types
# whose items and pages differ most (ranking, and the flywheel's recommendation headline).
SLOW_CASES = [
    pytest.param(
        ["poc", "feedback-loop"],
        answers_for("ranking", "experimenting"),
        ("tests/feedback",),
        id="poc-ranking",
    ),
    pytest.param(  # the flywheel's other headline task: its simulate tests (lift, control)
        ["poc", "feedback-loop"],
        answers_for("recommendation"),
        ("tests/feedback",),
        id="poc-recommendation",
    ),
    pytest.param(
        ["poc", "production", "feedback-loop"],
        answers_for("classification", "building"),
        (),
        id="production-classification",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("layers", "answers", "pytest_args"), SLOW_CASES)
def test_rendered_project_passes_its_own_checks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    layers: list[str],
    answers: dict[str, object],
    pytest_args: tuple[str, ...],
) -> None:
    root = render_layers(tmp_path / str(answers["project_name"]), layers, answers)
    assert leftover_jinja(root) == []
    monkeypatch.setenv("FEEDBACK_REQUIRE_BROWSER", "1")
    try:
        run_own_checks(install(root), pytest_args)
    except AssertionError as error:
        raise AssertionError(f"{layers} with {answers} failed:\n{error}") from error
