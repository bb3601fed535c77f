"""Every answer combination renders through the generator into exactly its layers' files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.layers import LAYERS
from generator.matrix import Case, build_matrix
from generator.scaffold import relative_files
from tests.generated.project_env import leftover_jinja, render_layers

CASES = build_matrix()
LONGEST_NAME = "a" * 10 + "-" + "b" * 10 + "-" + "c" * 10 + "-" + "d" * 7  # 40 characters


def render_with_mljourney(case: Case, dest: Path, project_name: str) -> None:
    args = ["new", str(dest), "--stage", case.stage, "--defaults", "--no-git"]
    given = {**case.given(), "project_name": project_name}
    for key, value in given.items():
        args += ["--data", f"{key}={str(value).lower() if isinstance(value, bool) else value}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, f"answers {given}: {result.output}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_render_gives_exactly_the_layers_files(case: Case, tmp_path: Path) -> None:
    dest = tmp_path / "project"
    render_with_mljourney(case, dest, case.project_name)

    expected: set[Path] = set()
    data = {**case.given(), "stage": case.stage}
    for layer in case.layers:
        alone = render_layers(tmp_path / f"alone-{layer}", [layer], data)
        files = relative_files(alone)
        assert not files & expected, f"{layer} writes files another layer owns: {files & expected}"
        expected |= files
    assert relative_files(dest) == expected, f"answers {data}"
    assert leftover_jinja(dest) == [], f"answers {data}"
    for layer in LAYERS:
        answers_file = dest / f".copier-answers.{layer}.yml"
        assert answers_file.exists() == (layer in case.layers)
        if layer in case.layers:
            recorded = yaml.safe_load(answers_file.read_text())
            assert recorded["_src_path"] == f"~/.local/share/mljourney/layers/{layer}.bundle"
            assert recorded["task_type"] == case.task_type


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.feedback_loop], ids=lambda c: f"longest-name-{c.id}"
)
def test_longest_allowed_name_renders_lint_clean(case: Case, tmp_path: Path) -> None:
    dest = tmp_path / "project"
    render_with_mljourney(case, dest, LONGEST_NAME)
    ruff = [sys.executable, "-m", "ruff"]
    for command in (["check", "--quiet", "."], ["format", "--check", "--quiet", "."]):
        result = subprocess.run([*ruff, *command], cwd=dest, capture_output=True, text=True)
        assert result.returncode == 0, f"ruff {command[0]} ({case.id}):\n{result.stdout}"


@pytest.mark.parametrize("case", build_matrix(quick=True), ids=lambda c: f"recorded-answers-{c.id}")
def test_copier_records_exactly_the_answers_mljourney_planned(case: Case, tmp_path: Path) -> None:
    """The CLI and the templates agree: same questions, same defaults, same `when`."""
    from generator.plan import Given, make_plan
    from generator.questionnaire import is_asked_by_copier, layer_questions

    plan = make_plan(Given({**case.given(), "stage": case.stage}, production=case.is_production))
    dest = tmp_path / "project"
    render_with_mljourney(case, dest, case.project_name)
    for layer in plan.layers:
        recorded = yaml.safe_load((dest / f".copier-answers.{layer}.yml").read_text())
        recorded = {k: v for k, v in recorded.items() if not k.startswith("_")}
        expected = {
            q.name: plan.answers[q.name]
            for q in layer_questions(layer)
            if is_asked_by_copier(q, plan.answers)
        }
        assert recorded == expected, layer
