"""Japanese is a first-class language: every text has it, and every command speaks it."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator import i18n
from generator.cli import main
from generator.errors import UsageError
from generator.journey import Level, level_actions, next_steps
from generator.layers import LAYERS, templates_dir
from generator.plan import Given, make_plan
from generator.questionnaire import Question, core_question, layer_questions
from generator.questions import validate_answer

CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _leaves(node: Any, key: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    if i18n.is_leaf(node):
        yield key, node
    elif isinstance(node, dict):
        for name, child in node.items():
            yield from _leaves(child, f"{key}.{name}" if key else str(name))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _leaves(child, f"{key}.{index}")
    else:
        raise AssertionError(f"{key}: neither a text nor a group of texts: {node!r}")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_catalogue_text_has_japanese_with_the_same_fields() -> None:
    leaves = list(_leaves(i18n.catalogue()))
    assert len(leaves) > 80
    for key, leaf in leaves:
        assert set(leaf) == set(i18n.LANGUAGES), key
        assert leaf["ja"].strip(), key
        assert _fields(leaf["ja"]) == _fields(leaf["en"]), key
        commands_only = key.endswith((".install", "what_project", "what_package"))
        assert commands_only or CJK.search(leaf["ja"]), f"{key} has no Japanese: {leaf['ja']}"


@pytest.mark.parametrize("layer", LAYERS)
def test_every_question_has_japanese_help_and_choice_labels(layer: str) -> None:
    for question in layer_questions(layer):
        if question.when is False:
            continue
        assert "ja" in question.translations, (layer, question.name)
        japanese = question.in_language("ja")
        assert CJK.search(japanese.help), (layer, question.name)
        labelled = dict(japanese.choices)
        if question.choices and question.choices[0][0] != str(question.choices[0][1]):
            # Labelled choices (not bare values) need a Japanese label each.
            assert all(CJK.search(label) for label in labelled), (layer, question.name)


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("layer", LAYERS)
def test_every_english_document_has_a_japanese_one(layer: str) -> None:
    root = templates_dir() / layer / "i18n"
    english, japanese = _files(root / "en"), _files(root / "ja")
    assert english <= japanese, english - japanese
    for name in japanese:
        text = (root / "ja" / name).read_text(encoding="utf-8")
        assert CJK.search(text), f"{layer}/i18n/ja/{name} has no Japanese"


def test_the_task_facts_have_the_same_keys_in_japanese() -> None:
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(templates_dir() / "poc"))
    english = env.get_template("task_types/facts.jinja").module
    japanese = env.get_template("i18n/ja/facts.jinja").module
    for name in ("sample", "model", "trivial", "metric_name", "split", "primary_metric"):
        assert set(getattr(japanese, name)) == set(getattr(english, name)), name
    for name in ("sample", "model", "trivial", "metric_name", "split"):
        assert all(CJK.search(text) for text in getattr(japanese, name).values()), name


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LC_ALL": "ja_JP.UTF-8", "LANG": "en_GB.UTF-8"}, "ja"),
        ({"LC_ALL": "C.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"LC_MESSAGES": "ja_JP.UTF-8"}, "ja"),
        ({}, "en"),
    ],
)
def test_language_defaults_from_the_locale(environ: dict[str, str], expected: str) -> None:
    assert i18n.default_language({}, environ) == expected


def test_the_organisation_default_wins_over_the_locale() -> None:
    assert i18n.default_language({"language": "ja"}, {"LANG": "en_US.UTF-8"}) == "ja"
    assert i18n.default_language({"language": "en"}, {"LANG": "ja_JP.UTF-8"}) == "en"


def test_plan_records_the_language_from_config_or_locale() -> None:
    assert make_plan(Given(), environ={"LANG": "ja_JP.UTF-8"}).language == "ja"
    assert make_plan(Given(), {"language": "ja"}, environ={}).language == "ja"
    assert make_plan(Given({"language": "en"}), environ={"LANG": "ja_JP.UTF-8"}).language == "en"
    plan = make_plan(Given(), environ={"LANG": "ja_JP.UTF-8"})
    assert plan.answers["executive_sponsor"] == "未定"
    assert CJK.search(str(plan.answers["success_metric"]))


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        make_plan(Given({"language": "fr"}))


class Recording:
    """A prompter that records the texts it is asked with and takes every default."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.texts: list[str] = []

    def stage(self, question: Question, default: str) -> str:
        self.texts += [label for label, _ in question.choices]
        return default

    def answer(self, question: Question, default: Any, validate: Any) -> Any:
        self.texts.append(question.help)
        self.texts += [label for label, _ in question.choices]
        if question.name == "language":
            return self.language
        return validate(default) if isinstance(default, str) else default

    def confirm(self, prompt: str, default: bool) -> bool:
        self.texts.append(prompt)
        return default


def test_questions_after_choosing_japanese_are_asked_in_japanese() -> None:
    prompter = Recording("ja")
    plan = make_plan(Given(), prompter=prompter, environ={})
    assert plan.language == "ja"
    # The language question itself is asked in the default language (English here).
    after_language = prompter.texts[3:]
    assert after_language and all(CJK.search(text) for text in after_language), after_language


def test_validation_messages_speak_the_current_language() -> None:
    with i18n.using("ja"), pytest.raises(UsageError) as error:
        validate_answer("project_name", "Churn Model")
    assert "スラッグ" in str(error.value)
    with pytest.raises(UsageError, match="is not a slug"):
        validate_answer("project_name", "Churn Model")


def test_levels_and_next_steps_in_japanese() -> None:
    for level in Level:
        actions = level_actions(level, "ja")
        assert CJK.search(actions.title) and CJK.search(actions.signal)
    with i18n.using("ja"):
        lines = next_steps("churn", "churn", "prototyping", Level.STARTING, ("poc",))
    assert "堅牢なAI戦略" in "\n".join(lines)
    assert "churn baseline" in "\n".join(lines)  # commands stay as they are


def test_japanese_choice_labels_keep_the_values() -> None:
    stage = core_question("stage").in_language("ja")
    assert stage.values == core_question("stage").values
    assert all(CJK.search(label) for label, _ in stage.choices)


def test_assess_speaks_japanese_from_the_locale() -> None:
    args = ["assess", "--models", "0", "--no-pipeline", "--no-lake", "--sponsor"]
    result = CliRunner(env={"LANG": "ja_JP.UTF-8", "LC_ALL": ""}).invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "ステージ：experimenting" in result.output
    assert "堅牢なAI戦略" in result.output
    english = CliRunner(env={"LANG": "en_GB.UTF-8", "LC_ALL": ""}).invoke(main, args)
    assert "Stage: experimenting" in english.output


def test_assess_saves_the_language_for_new(tmp_path: Path) -> None:
    saved = tmp_path / "answers.yml"
    flags = ["--models", "0", "--pipeline", "--lake", "--sponsor", "--save", str(saved)]
    result = CliRunner().invoke(main, ["assess", "--language", "ja", *flags])
    assert result.exit_code == 0, result.output
    assert "language: ja" in saved.read_text(encoding="utf-8")


# A page text: _("...") in Python or the widgets' JavaScript, [[...]] in the demo page's HTML.
_PAGE_TEXT = re.compile(r'\b_\("((?:[^"\\]|\\.)*)"\)|\[\[([^\[\]]+)\]\]')


def _catalogue(language: str) -> dict[str, str]:
    import runpy

    path = templates_dir() / "feedback-loop" / "i18n" / language / "messages.py"
    module = runpy.run_path(str(path))
    assert module["LANGUAGE"] == language
    assert module["gettext"]("a text nobody wrote") == "a text nobody wrote"
    return dict(module["CATALOGUE"])


def test_every_page_text_has_japanese() -> None:
    import ast
    import json

    layer = templates_dir() / "feedback-loop"
    texts = set()
    for path in [
        *(layer / "template" / "src").rglob("*.py"),
        *(layer / "task_types").rglob("*.py"),
    ]:
        code = path.read_text(encoding="utf-8")
        # _("...") in the widgets' JavaScript, [[...]] in the demo page's HTML
        for python_or_js, html in _PAGE_TEXT.findall(code):
            texts.add(json.loads(f'"{python_or_js}"') if python_or_js else html)
        # _("...") calls in Python, also those whose text spans several lines
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "chart_text"):
                (argument,) = node.args
                if isinstance(argument, ast.Constant):  # not the [[...]] lookup itself
                    texts.add(argument.value)
    assert len(texts) > 15
    japanese = _catalogue("ja")
    assert sorted(texts - set(japanese)) == []
    assert all(CJK.search(japanese[text]) for text in texts)
    assert all(_fields(japanese[text]) == _fields(text) for text in texts)
    assert _catalogue("en") == {}


def test_update_add_and_graduate_report_in_the_projects_language() -> None:
    from generator.lifecycle import LayerChange, LifecycleReport, NotApplied, report_lines

    report = LifecycleReport(
        changes=[
            LayerChange(
                "poc",
                "stage prototyping -> building",
                "v0.1.0",
                "v0.2.0",
                ("README.md", "docs/b.md"),
                ("README.md",),
                ("docs/a.md -> docs/b.md",),
            ),
            LayerChange("production", "added", None, "v0.2.0", ("infra/project.yaml",)),
            LayerChange("feedback-loop", "up to date", "v0.2.0", "v0.2.0"),
            LayerChange(
                "overlay ours", "left as is (cookiecutter has no 3-way update)", None, None
            ),
        ],
        not_applied=[NotApplied("poc", "docs/x.md", None, "-old\n+new")],
        outcome="uncommitted",
    )
    out, err = report_lines(report)
    assert out[0] == "poc: stage prototyping -> building (v0.1.0 -> v0.2.0)"
    assert out[1:3] == ["  CONFLICT README.md", "  docs/b.md"]
    assert "overlay ours: left as is (cookiecutter has no 3-way update) (None)" in out
    assert err[0].startswith("mljourney: 1 file(s) have conflicts")
    assert report.summary()["not_applied"][0]["reason"].startswith("the team deleted docs/x.md")
    with i18n.using("ja"):
        out, err = report_lines(report)
        dry_run, _ = report_lines(report, dry_run=True)
    assert out[0] == "poc: ステージ prototyping -> building (v0.1.0 -> v0.2.0)"
    assert out[1:3] == ["  CONFLICT README.md", "  docs/b.md"]  # file names as they are
    assert dry_run[0].startswith("poc: ステージ prototyping -> building（予定")
    prose = [line for line in out + err if not line.startswith(("  CONFLICT", "    "))]
    prose = [line for line in prose if line.strip() not in {"README.md", "docs/b.md"}]
    prose = [line for line in prose if line.strip() not in {"infra/project.yaml"}]
    assert all(CJK.search(line) for line in prose), prose
