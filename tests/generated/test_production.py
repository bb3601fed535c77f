"""The production layer, rendered on the poc core for every task type, passes its own checks.

Quick tests render poc + production at the building stage for every task type and check the
exact set of files the production layer adds, Jinja leftovers and lint with the outer ruff.
Slow tests (``-m slow``) install each rendered project into its own venv with uv (shared
package cache: the ~1 GB SageMaker SDK is linked, not downloaded again) and run what its
README promises: ruff, ruff format, pytest (the poc tests and tests/production), then the
README's `baseline` command. These are the poc's slow checks for every task type too.
"""

from __future__ import annotations

from itertools import cycle
from pathlib import Path

import pytest

from generator.journey import TASK_TYPES
from tests.generated.project_env import (
    check_baseline_as_promised,
    install,
    leftover_jinja,
    outer_ruff,
    render_layers,
    rendered_files,
    reporting,
    run_own_checks,
)

# Options that do not change the file set are cycled across task types, not multiplied:
# regions with and without an S3 location constraint.
REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")
# Each task type in the other language than its poc-only render in test_poc.py.
LANGUAGES = ("ja", "en")
# Line lengths in the rendered code depend on the names: the longest a project may have.
LONGEST_NAME = "a-forty-character-project-name-for-tests"

PRODUCTION_FILES = {
    ".copier-answers.production.yml",
    ".github/deploy-endpoint.sh",
    ".github/workflows/build.yml",
    ".github/workflows/ci.yml",
    ".github/workflows/deploy.yml",
    "docs/production.md",
    "infra/endpoint.yaml",
    "infra/github-oidc.yaml",
    "infra/params/prod.json",
    "infra/params/staging.json",
    "infra/project.yaml",
    "lake/curated/.gitignore",
    "lake/raw/.gitignore",
    "runs/.gitignore",
    "schemas/sagemaker-pipeline-definition.schema.json",
    "tests/production/conftest.py",
    "tests/production/test_aws.py",
    "tests/production/test_commands.py",
    "tests/production/test_concurrency.py",
    "tests/production/test_infra.py",
    "tests/production/test_lake.py",
    "tests/production/test_lake_schema.py",
    "tests/production/test_monitor.py",
    "tests/production/test_offline.py",
    "tests/production/test_pipeline.py",
    "tests/production/test_run_local.py",
    "tests/production/test_steps.py",
    "tests/production/test_tracking_in_sagemaker.py",
}
PRODUCTION_MODULES = (
    "__init__",
    "approvals",
    "aws",
    "commands",
    "lake",
    "lake_schema",
    "local_run",
    "locks",
    "monitor_pipeline",
    "monitoring",
    "offline",
    "pipeline",
    "registry",
    "schema",
    "settings",
    "smoke",
    "steps/__init__",
    "steps/evaluate",
    "steps/inference",
    "steps/monitor",
    "steps/preprocess",
    "steps/tables",
    "steps/train",
)


# Every production test file runs for these task types (regression in Japanese,
# classification in English) ...
FULL_SUITE = ("regression", "classification")
# ... and for the others all but these, which test the AWS stand-ins (moto), the
# CloudFormation, the offline SDK settings and the registry lock: behaviour that does not
# depend on the task's data or model.
TASK_INDEPENDENT_TESTS = (
    "test_aws.py",
    "test_concurrency.py",
    "test_infra.py",
    "test_lake_schema.py",
    "test_offline.py",
    "test_tracking_in_sagemaker.py",
)

# Texts of a production project's front page and journey doc, per language.
FRONT_PAGE = {
    "en": {
        "production": "## Production (SageMaker)",
        "what": "model in production on SageMaker",
        "timebox": "timeboxed to",
        "baseline": "## The baseline",
        "not_yet": "What not to do yet",
    },
    "ja": {
        "production": "## 本番運用（SageMaker）",
        "what": "SageMaker で本番稼働する",
        "timebox": "期間は",
        "baseline": "## ベースライン",
        "not_yet": "まだやらないこと",
    },
}


def _answers_by_task() -> dict[str, dict[str, object]]:
    regions, languages = cycle(REGIONS), cycle(LANGUAGES)
    return {
        task_type: {
            "project_name": f"prod-{task_type.replace('_', '-')}",
            "task_type": task_type,
            "stage": "building",
            "aws_region": next(regions),
            "language": next(languages),
        }
        for task_type in TASK_TYPES
    }


ANSWERS = _answers_by_task()


def expected_files(answers: dict[str, object]) -> set[str]:
    """The exact files the production layer adds to a poc project."""
    package = str(answers["project_name"]).replace("-", "_")
    modules = {f"src/{package}/production/{module}.py" for module in PRODUCTION_MODULES}
    return PRODUCTION_FILES | modules


def render_checked(dest: Path, answers: dict[str, object]) -> Path:
    """Render poc + production, check the production files exactly and no leftover Jinja."""
    poc_only = render_layers(dest.with_name(dest.name + "-poc"), ["poc"], answers)
    root = render_layers(dest, ["poc", "production"], answers)
    assert rendered_files(root) - rendered_files(poc_only) == expected_files(answers)
    assert leftover_jinja(root) == []
    return root


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every task type rendered once, for the quick checks."""
    roots = {}
    for task_type, answers in ANSWERS.items():
        with reporting("production", answers):
            roots[task_type] = render_checked(tmp_path_factory.mktemp(task_type), answers)
    return roots


def test_every_task_type_renders_and_lints_clean(rendered: dict[str, Path]) -> None:
    paths = [str(root) for root in rendered.values()]
    for args in (["check", *paths], ["format", "--check", *paths]):
        result = outer_ruff(*args)
        assert result.returncode == 0, f"ruff {args[0]}:\n{result.stdout}{result.stderr}"


def test_production_code_lints_clean_with_the_longest_project_name(tmp_path: Path) -> None:
    answers = {**ANSWERS["classification"], "project_name": LONGEST_NAME}
    assert len(LONGEST_NAME) == 40
    root = render_checked(tmp_path / "longest", answers)
    own = [str(root / path) for path in sorted(expected_files(answers)) if path.endswith(".py")]
    for args in (["check", *own], ["format", "--check", *own]):
        result = outer_ruff(*args)
        assert result.returncode == 0, f"ruff {args[0]}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_production_is_wired_into_the_core(rendered: dict[str, Path], task_type: str) -> None:
    root, answers = rendered[task_type], ANSWERS[task_type]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    for pin in ("sagemaker==3.27.0", "sagemaker-mlops==1.27.0", "moto[server]==5.2.5"):
        assert f'"{pin}"' in pyproject
    readme = (root / "README.md").read_text(encoding="utf-8")
    texts = FRONT_PAGE[str(answers["language"])]
    assert texts["production"] in readme
    assert f"{answers['project_name']} run-local" in readme
    # A production project's front page says what it is and leads with its two commands;
    # the PoC's story follows.
    name = str(answers["project_name"])
    first_commands = readme.split("```bash\n", 1)[1].splitlines()[:2]
    assert first_commands[0].startswith('pip install -e ".[test]"')
    assert first_commands[1].startswith(f"{name} run-local")
    assert texts["what"] in readme.split("```bash", 1)[0]
    assert texts["timebox"] not in readme.split(texts["production"], 1)[0]
    assert readme.index(texts["production"]) < readme.index(texts["baseline"])
    # The journey doc speaks of this stage, not of the PoC's "not yet".
    journey = (root / "docs" / "ml-journey.md").read_text(encoding="utf-8")
    assert texts["not_yet"] not in journey and "docs/production.md" in journey
    agents = (root / "AGENTS.md").read_text(encoding="utf-8")
    assert f"{name} run-local" in agents and "`src/" in agents and "| production |" in agents
    assert "mljourney graduate" not in agents  # already graduated
    production_answers = (root / ".copier-answers.production.yml").read_text(encoding="utf-8")
    assert f"aws_region: {answers['aws_region']}" in production_answers


@pytest.mark.slow
@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_rendered_project_passes_its_own_checks(tmp_path: Path, task_type: str) -> None:
    answers = ANSWERS[task_type]
    with reporting("production", answers):
        root = render_checked(tmp_path / task_type, answers)
        project = install(root)
        # The poc's tests and the production layer's; the files that exercise the AWS
        # stand-ins, the IaC and the locks, not the task's data or model, run for the
        # task types of FULL_SUITE (one per language).
        skipped = () if task_type in FULL_SUITE else TASK_INDEPENDENT_TESTS
        assert all((root / "tests" / "production" / name).is_file() for name in skipped)
        run_own_checks(project, tuple(f"--ignore=tests/production/{name}" for name in skipped))
        check_baseline_as_promised(project, str(answers["project_name"]))
