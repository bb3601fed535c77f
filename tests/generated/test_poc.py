"""The poc layer renders for every task type, and each rendered project passes its own checks.

Quick tests render every task type and check the files, Jinja leftovers and lint with the
outer ruff. Slow tests (``-m slow``) install a poc-only project (one per language) into its
own venv with uv and run what its README promises: ruff, ruff format, pytest (notebooks
included), `baseline`; the poc's suite for every task type runs in test_production.py.
"""

from __future__ import annotations

import json
from itertools import cycle
from pathlib import Path

import pytest

from generator.journey import TASK_TYPES
from tests.generated.project_env import (
    TEMPLATES,
    check_baseline_as_promised,
    install,
    leftover_jinja,
    outer_ruff,
    render_layers,
    rendered_files,
    reporting,
    run_own_checks,
)

# Options that do not change the file set are cycled across task types, not multiplied.
POC_STAGES = ("learning", "experimenting", "prototyping")
MODELS_IN_PRODUCTION = ("0", "1-2", "3+")
LANGUAGES = ("en", "ja")  # every other task type is rendered in Japanese

PROJECT_FILES = {
    ".copier-answers.poc.yml",
    ".gitignore",
    ".github/workflows/ci.yml",
    ".github/workflows/mljourney-check.yml",
    ".github/workflows/mljourney-update.yml",
    "AGENTS.md",
    "README.md",
    "environment.yml",
    "pyproject.toml",
    "data/.gitignore",
    "data/raw/.gitkeep",
    "data/interim/.gitkeep",
    "data/processed/.gitkeep",
    "docs/poc-charter.md",
    "docs/data-inventory.md",
    "docs/ml-journey.md",
    "models/.gitignore",
    "models/.gitkeep",
    "notebooks/01_explore.ipynb",
    "notebooks/02_baseline.ipynb",
    "notebooks/03_evaluate.ipynb",
    "reports/.gitignore",
    "reports/.gitkeep",
    "tests/conftest.py",
    "tests/test_cli.py",
    "tests/test_data.py",
    "tests/test_evaluate.py",
    "tests/test_model.py",
    "tests/test_notebooks.py",
    "tests/test_tracking.py",
}
PACKAGE_MODULES = (
    "__init__",
    "artifacts",
    "baseline",
    "cli",
    "data",
    "evaluate",
    "features",
    "mlflow_model",
    "model",
    "plots",
    "tracking",
    "trainset",
)


# Per-task modules, included verbatim from templates/poc/task_types/<task_type>/.
TASK_MODULES = ("data", "features", "model", "evaluate", "plots")
TASKS_SOURCE = TEMPLATES / "poc" / "task_types"


def _answers_by_task() -> dict[str, dict[str, object]]:
    stages, levels, languages = cycle(POC_STAGES), cycle(MODELS_IN_PRODUCTION), cycle(LANGUAGES)
    return {
        task_type: {
            "project_name": f"poc-{task_type.replace('_', '-')}",
            "task_type": task_type,
            "stage": next(stages),
            "models_in_production": next(levels),
            "feedback_loop": False,
            "language": next(languages),
        }
        for task_type in TASK_TYPES
    }


ANSWERS = _answers_by_task()


def expected_files(answers: dict[str, object]) -> set[str]:
    """The exact files a poc render holds (the same set for every task type)."""
    package = str(answers["project_name"]).replace("-", "_")
    return PROJECT_FILES | {f"src/{package}/{module}.py" for module in PACKAGE_MODULES}


def render_checked(dest: Path, answers: dict[str, object]) -> Path:
    root = render_layers(dest, ["poc"], answers)
    assert rendered_files(root) == expected_files(answers)
    assert leftover_jinja(root) == []
    return root


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every task type rendered once, for the quick checks."""
    roots = {}
    for task_type, answers in ANSWERS.items():
        with reporting("poc", answers):
            roots[task_type] = render_checked(tmp_path_factory.mktemp(task_type), answers)
    return roots


def test_every_task_type_renders_its_files_and_lints_clean(rendered: dict[str, Path]) -> None:
    paths = [str(root) for root in rendered.values()]
    for args in (["check", *paths], ["format", "--check", *paths]):
        result = outer_ruff(*args)
        assert result.returncode == 0, f"ruff {args[0]}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_notebooks_are_nbformat_4_without_outputs(
    rendered: dict[str, Path], task_type: str
) -> None:
    for path in sorted((rendered[task_type] / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        assert notebook["nbformat"] == 4, path.name
        code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        assert code_cells, path.name
        assert all(not cell["outputs"] and cell["execution_count"] is None for cell in code_cells)


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_task_modules_are_exactly_the_chosen_task_s_code(
    rendered: dict[str, Path], task_type: str
) -> None:
    package = str(ANSWERS[task_type]["project_name"]).replace("-", "_")
    for module in TASK_MODULES:
        rendered_module = rendered[task_type] / "src" / package / f"{module}.py"
        own = TASKS_SOURCE / task_type / f"{module}.py"
        assert rendered_module.read_text(encoding="utf-8") == own.read_text(encoding="utf-8")


def test_readme_badge_and_charter_come_from_the_answers(tmp_path: Path) -> None:
    answers = {
        "project_name": "churn-poc",
        "task_type": "classification",
        "repository_url": "https://github.com/acme/churn-poc.git",
        "executive_sponsor": "Dana Lee, VP Customer Success",
        "timebox_weeks": 4,
        "data_sources": "CRM database, support tickets",
    }
    root = render_checked(tmp_path / "churn", answers)
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert (
        "(https://studiolab.sagemaker.aws/import/github/acme/churn-poc/blob/main/"
        "notebooks/01_explore.ipynb)" in readme
    )
    assert "https://studiolab.sagemaker.aws/studiolab.svg" in readme
    first_commands = readme.split("```bash\n", 1)[1].splitlines()[:2]
    assert first_commands[0].startswith('pip install -e ".[test]"')
    assert first_commands[1].startswith("churn-poc baseline")
    agents = (root / "AGENTS.md").read_text(encoding="utf-8")
    for promise in (
        "churn-poc baseline",
        "ruff check . && ruff format --check .",
        "mljourney update",
        "copier update --answers-file .copier-answers.poc.yml",
        "mljourney graduate",
        "`.copier-answers.*.yml`",
    ):
        assert promise in agents, promise
    assert "| production |" not in agents
    charter = (root / "docs" / "poc-charter.md").read_text(encoding="utf-8")
    assert "Dana Lee, VP Customer Success" in charter and "4 weeks" in charter
    assert "The model beats the trivial baseline on macro F1 on held-out data, by" in charter
    inventory = (root / "docs" / "data-inventory.md").read_text(encoding="utf-8")
    assert "## CRM database" in inventory and "## support tickets" in inventory


@pytest.mark.parametrize(
    ("models_in_production", "level"),
    [("0", "1 — starting"), ("3+", "3 — impact")],
    ids=["level-1", "level-3"],
)
def test_journey_doc_shows_the_maturity_level(
    tmp_path: Path, models_in_production: str, level: str
) -> None:
    answers = {"project_name": "journey", "models_in_production": models_in_production}
    root = render_checked(tmp_path / "journey", answers)
    journey = (root / "docs" / "ml-journey.md").read_text(encoding="utf-8")
    assert f"Maturity level: **{level}**" in journey
    assert "product manager" in journey and "ML engineer" in journey
    assert "## What not to do yet" in journey  # a PoC stage: no production layer yet


@pytest.mark.parametrize(
    ("answer", "value"), [("timebox_weeks", 0), ("timebox_weeks", 52), ("success_metric", " ")]
)
def test_charter_answers_are_validated(tmp_path: Path, answer: str, value: object) -> None:
    with pytest.raises(ValueError, match=answer):
        render_layers(tmp_path / "invalid", ["poc"], {answer: value})
    assert not (tmp_path / "invalid").exists()


# The poc's own suite runs for every task type in test_production.py (a production project
# holds the poc's code and tests); here a poc-only project, without the production layer's
# dependencies, is installed and checked once in each language.
POC_ONLY_CASES = ("regression", "classification")


@pytest.mark.slow
@pytest.mark.parametrize("task_type", POC_ONLY_CASES)
def test_rendered_project_passes_its_own_checks(tmp_path: Path, task_type: str) -> None:
    answers = ANSWERS[task_type]
    assert {ANSWERS[case]["language"] for case in POC_ONLY_CASES} == set(LANGUAGES)
    with reporting("poc", answers):
        root = render_checked(tmp_path / task_type, answers)
        project = install(root)
        run_own_checks(project)
        check_baseline_as_promised(project, str(answers["project_name"]))
