"""A project made with `language: ja` reads as written for a Japanese team; switching later
is an answer change through `update` that keeps the team's edits."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from tests.conftest import git

# A line of English prose: four ASCII words in a row (code, commands, file names, links
# and quoted UI names are taken out first).
_ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z][A-Za-z'-]*\b[ ,;:]+){3}\b[A-Za-z][A-Za-z'-]*\b")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_DROP = [
    re.compile(r"`[^`]*`"),  # inline code
    re.compile(r"!\[[^\]]*\]"),  # image alt texts (badges)
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<!--.*?-->"),  # HTML comments
    re.compile(r"\"[^\"]*\""),  # quoted names of UI elements ("Open in Studio Lab")
    re.compile(r"https?://\S+"),
]
# Names of four words or more that stay as they are in Japanese prose (product names).
_ALLOWED = ("Noto Sans CJK JP",)


def english_prose(text: str) -> list[str]:
    """The lines of ``text`` (Markdown) that still hold English prose."""
    found = []
    for line in _FENCE.sub("", text).splitlines():
        stripped = line
        for name in _ALLOWED:
            stripped = stripped.replace(name, " ")
        for pattern in _DROP:
            stripped = pattern.sub(" ", stripped)
        if _ENGLISH_RUN.search(stripped):
            found.append(line)
    return found


def test_the_heuristic_finds_english_and_spares_code() -> None:
    assert english_prose("Fill this in with the sponsor.\n") != []
    assert english_prose("最初の週に記入します。`pip install -e .[test]`\n") == []
    assert english_prose("```bash\npip install the whole thing now\n```\n") == []
    assert english_prose("フォントは Noto Sans CJK JP です。\n") == []


def new(dest: Path, *args: str) -> None:
    result = CliRunner().invoke(
        main, ["new", str(dest), "--defaults", "--data", "project_name=churn", *args]
    )
    assert result.exit_code == 0, result.output


def documents(project: Path) -> list[Path]:
    return [
        project / "README.md",
        project / "AGENTS.md",
        *sorted((project / "docs").glob("*.md")),
        *sorted((project / "notebooks").glob("*.ipynb")),
    ]


def prose_of(path: Path) -> str:
    """A document's prose: Markdown as it is, a notebook's Markdown cells."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return text
    cells = json.loads(text)["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


# Every stage (its README, AGENTS.md and journey differ), each task type (their facts and
# notebooks differ) and each maturity level (its actions differ) once; one project per
# layer set in the fast tests (about 4 s a render), the other stages with the slow ones.
def _spread(stage: str, task_type: str, models: str, fast: bool) -> Any:
    marks = () if fast else (pytest.mark.slow,)
    return pytest.param(stage, task_type, models, marks=marks, id=stage)


@pytest.mark.parametrize(
    ("stage", "task_type", "models"),
    [
        _spread("learning", "regression", "0", fast=False),
        _spread("experimenting", "ranking", "3+", fast=False),
        _spread("prototyping", "classification", "0", fast=True),
        _spread("building", "clustering", "1-2", fast=True),
        _spread("deploying", "recommendation", "3+", fast=False),
        _spread("scaling", "anomaly_detection", "1-2", fast=False),
    ],
)
def test_japanese_project_has_no_english_prose(
    stage: str, task_type: str, models: str, tmp_path: Path
) -> None:
    project = tmp_path / "churn"
    new(
        project,
        "--stage",
        stage,
        "--no-git",
        "--yes",
        "--data",
        "language=ja",
        "--data",
        "feedback_loop=true",
        "--data",
        f"task_type={task_type}",
        "--data",
        f"models_in_production={models}",
        "--data",
        "data_sources=顧客DB, Webログ",
    )
    left = {
        str(path.relative_to(project)): english_prose(prose_of(path)) for path in documents(project)
    }
    assert {name: lines for name, lines in left.items() if lines} == {}
    production = stage in ("building", "deploying", "scaling")
    for layer in ("poc", "feedback-loop", *(("production",) if production else ())):
        answers = yaml.safe_load((project / f".copier-answers.{layer}.yml").read_text("utf-8"))
        assert answers["language"] == "ja", layer


def test_switching_language_keeps_the_teams_edit(tmp_path: Path) -> None:
    project = tmp_path / "churn"
    new(project, "--stage", "prototyping", "--data", "author_name=Churn squad")
    charter = project / "docs" / "poc-charter.md"
    note = "\n## Our notes\n\nThe sponsor wants a weekly demo.\n"
    charter.write_text(charter.read_text(encoding="utf-8") + note, encoding="utf-8")
    git(project, "commit", "-qam", "team edits the charter")

    result = CliRunner().invoke(main, ["update", str(project), "--data", "language=ja"])

    text = charter.read_text(encoding="utf-8")
    assert "The sponsor wants a weekly demo." in text
    conflicted = "<<<<<<<" in text
    assert (result.exit_code == 3) == conflicted, result.output  # 3: conflicts wait
    if not conflicted:
        assert result.exit_code == 0, result.output
        assert "PoC憲章" in text
    answers = yaml.safe_load((project / ".copier-answers.poc.yml").read_text("utf-8"))
    assert answers["language"] == "ja"
    # Answers left at their default follow the language; the team's own answer stays.
    assert answers["description"] == "MLで私たちの課題を解決できるかを確かめるPoC。"
    assert answers["executive_sponsor"] == "未定"
    assert answers["author_name"] == "Churn squad"
    # A file the team did not touch simply changes language.
    assert "# 私たちのMLジャーニー" in (project / "docs" / "ml-journey.md").read_text("utf-8")


def test_update_refuses_an_unknown_answer_or_language(tmp_path: Path) -> None:
    project = tmp_path / "churn"
    new(project, "--stage", "prototyping")
    bad = CliRunner().invoke(main, ["update", str(project), "--data", "language=fr"])
    assert bad.exit_code == 2 and "unknown language 'fr'" in bad.output
    unknown = CliRunner().invoke(main, ["update", str(project), "--data", "colour=red"])
    assert unknown.exit_code == 2 and "unknown answer 'colour'" in unknown.output


def test_the_language_survives_add_and_graduate(tmp_path: Path) -> None:
    project = tmp_path / "churn"
    new(project, "--stage", "prototyping", "--data", "language=ja")

    added = CliRunner().invoke(main, ["add", "feedback-loop", str(project)])
    graduated = CliRunner().invoke(main, ["graduate", str(project)])

    assert added.exit_code == 0, added.output
    assert graduated.exit_code == 0, graduated.output
    assert "もう一度実行し" in graduated.output  # the next step, in Japanese
    for layer in ("poc", "feedback-loop", "production"):
        answers = yaml.safe_load((project / f".copier-answers.{layer}.yml").read_text("utf-8"))
        assert answers["language"] == "ja", layer
    assert "# 本番運用" in (project / "docs" / "production.md").read_text("utf-8")
    assert "# フィードバックループ" in (project / "docs" / "feedback-loop.md").read_text("utf-8")
