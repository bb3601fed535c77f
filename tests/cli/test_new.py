import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator import __version__
from generator.cli import main


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_help_and_version() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("new", "assess", "update", "add", "graduate"):
        assert command in result.output
    assert invoke("--version").output.strip() == f"mljourney, version {__version__}"


def test_python_dash_m_and_help_does_not_import_copier() -> None:
    code = (
        "import sys, runpy; sys.argv=['mljourney','--help'];\n"
        "try:\n    runpy.run_module('generator', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "assert 'copier' not in sys.modules, 'copier imported by --help'\n"
        "assert 'jinja2' not in sys.modules, 'jinja2 imported by --help'\n"
        "assert 'questionary' not in sys.modules, 'questionary imported by --help'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Scaffold ML projects" in result.stdout


def test_new_with_defaults_makes_a_committed_poc(tmp_path: Path) -> None:
    dest = tmp_path / "churn"
    result = invoke("new", str(dest), "--defaults", "--data", "project_name=churn")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((dest / ".copier-answers.poc.yml").read_text())
    assert answers["_src_path"] == "~/.local/share/mljourney/layers/poc.bundle"
    assert answers["_commit"] == f"v{__version__}"
    assert answers["stage"] == "prototyping"
    assert not (dest / ".copier-answers.production.yml").exists()
    log = subprocess.run(["git", "log", "--oneline"], cwd=dest, capture_output=True, text=True)
    assert len(log.stdout.splitlines()) == 1
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True
    )
    assert status.stdout == ""
    assert "churn baseline" in result.output
    assert "Level 1" in result.output


def test_new_production_stage_renders_core_and_production(tmp_path: Path) -> None:
    dest = tmp_path / "p"
    result = invoke(
        "new",
        str(dest),
        "--stage",
        "building",
        "--defaults",
        "--data",
        "project_name=fraud",
        "--data",
        "task_type=regression",
        "--data",
        "feedback_loop=true",
        "--data",
        "models_in_production=1-2",
        "--no-git",
    )
    assert result.exit_code == 0, result.output
    for layer in ("poc", "production", "feedback-loop"):
        answers = yaml.safe_load((dest / f".copier-answers.{layer}.yml").read_text())
        assert answers["project_name"] == "fraud"
        assert answers["task_type"] == "regression"
    assert not (dest / ".git").exists()
    assert "fraud run-local" in result.output
    assert "Level 2" in result.output


def test_answers_file_and_data_override(tmp_path: Path) -> None:
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text("project_name: from-file\ntask_type: ranking\nstage: experimenting\n")
    dest = tmp_path / "x"
    result = invoke(
        "new",
        str(dest),
        "--defaults",
        "--answers-file",
        str(answers_file),
        "--data",
        "task_type=clustering",
    )
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((dest / ".copier-answers.poc.yml").read_text())
    assert (answers["project_name"], answers["task_type"], answers["stage"]) == (
        "from-file",
        "clustering",
        "experimenting",
    )


ENTER, DOWN, CLEAR = "\r", "\x1b[B", "\x15"  # Ctrl-U clears a text prompt's default


class Terminal:
    """A scripted terminal for questionary: keys in, the screen's text out."""

    def __init__(self, pipe: Any, screen: io.StringIO) -> None:
        self.pipe = pipe
        self.screen = screen

    def type(self, *keys: str) -> None:
        for key in keys:
            self.pipe.send_text(key)
        self.pipe.close()  # no hanging prompt: a missing key ends the command

    @property
    def text(self) -> str:
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.screen.getvalue())


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    from generator.cli import prompts

    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=60, columns=200))
    with create_pipe_input() as pipe:
        monkeypatch.setattr(prompts, "is_interactive", lambda: True)
        monkeypatch.setattr(
            prompts, "make_prompter", lambda: prompts.TerminalPrompter(input=pipe, output=output)
        )
        yield Terminal(pipe, screen)


def text(value: str) -> str:
    return CLEAR + value + ENTER


def test_without_a_terminal_one_line_says_how_to_run_non_interactively(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["new", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "mljourney: error: no terminal to ask questions in: run non-interactively with "
        "--defaults (answers from --stage, --data KEY=VALUE, --answers-file; defaults for the rest)"
    ]
    assert not (tmp_path / "x").exists()


def test_interactive_asks_stage_first_then_every_question_of_copier_yml(
    tmp_path: Path, terminal: Terminal
) -> None:
    dest = tmp_path / "i"
    terminal.type(
        ENTER,  # language: English (the default without a Japanese locale)
        ENTER,  # stage: the default, prototyping
        text("Bad Name"),  # refused as you type: Enter does nothing, the text stays
        text("my-poc"),
        ENTER,  # package_name: my_poc, derived from the answer above
        ENTER,  # description: default
        ENTER,  # task_type: classification (default)
        ENTER,  # models in production: none yet
        ENTER,  # feedback loop: no
        text("acme"),
        ENTER,  # repository_url: derived from organisation and project_name
        text("Churn squad"),  # author_name: asked now (it was not before)
        text("Dr. Ada Park (COO)"),
        text("F1 above 0.8 on last month's churners"),  # success_metric: asked now
        text("99"),  # refused: at most 26 weeks
        text("8"),
        text("CRM database, web logs"),
    )
    result = CliRunner().invoke(main, ["new", str(dest)])
    assert result.exit_code == 0, result.output + terminal.text
    screen = terminal.text
    assert screen.index("Where does your team stand") < screen.index("Project name")
    assert "prototyping - a proof of concept for one business problem" in screen
    assert "none yet (maturity level 1)" in screen  # labels from copier.yml, shown once
    assert "(0, 1-2, 3+)" not in screen
    assert "AWS region" not in screen
    answers = yaml.safe_load((dest / ".copier-answers.poc.yml").read_text())
    assert (answers["project_name"], answers["package_name"], answers["organisation"]) == (
        "my-poc",
        "my_poc",
        "acme",
    )
    assert answers["repository_url"] == "https://github.com/acme/my-poc"
    assert (answers["author_name"], answers["timebox_weeks"]) == ("Churn squad", 8)
    assert answers["success_metric"] == "F1 above 0.8 on last month's churners"
    assert answers["data_sources"] == "CRM database, web logs"
    charter = (dest / "docs" / "poc-charter.md").read_text()
    assert "Dr. Ada Park (COO)" in charter and "last month's churners" in charter
    assert "web logs" in (dest / "docs" / "data-inventory.md").read_text()


def test_choosing_japanese_asks_everything_after_in_japanese(
    tmp_path: Path, terminal: Terminal
) -> None:
    terminal.type(
        DOWN,  # language: 日本語
        ENTER,
        ENTER,  # stage: prototyping
        text("Bad Name"),  # refused as you type (the message: tests/unit/test_i18n.py)
        text("kaiyaku"),
        *[ENTER] * 13,  # every other answer: its default
    )
    result = CliRunner().invoke(main, ["new", str(tmp_path / "k")])
    assert result.exit_code == 0, result.output + terminal.text
    screen = terminal.text
    assert "チームはMLジャーニーのどこにいますか" in screen
    assert "PoC（概念実証）を行う" in screen  # the stage's choice label
    assert "プロジェクト名（スラッグ" in screen  # the question's help
    assert "次のステップ" in result.output and "堅牢なAI戦略" in result.output
    core = yaml.safe_load((tmp_path / "k" / ".copier-answers.poc.yml").read_text("utf-8"))
    assert (core["language"], core["executive_sponsor"]) == ("ja", "未定")
    assert "# PoC憲章" in (tmp_path / "k" / "docs" / "poc-charter.md").read_text("utf-8")


def test_production_stage_asks_cloud_settings_not_the_charter(
    tmp_path: Path, terminal: Terminal
) -> None:
    terminal.type(
        ENTER,  # language: English
        DOWN,  # from prototyping to building
        ENTER,
        text("fraud"),
        *[ENTER] * 8,  # package .. author_name: defaults
        text("eu-central-1"),
        text("210987654321"),
    )
    result = CliRunner().invoke(main, ["new", str(tmp_path / "f")])
    assert result.exit_code == 0, result.output + terminal.text
    assert "Executive sponsor" not in terminal.text
    answers = yaml.safe_load((tmp_path / "f" / ".copier-answers.production.yml").read_text())
    assert (answers["aws_region"], answers["aws_account_id"]) == ("eu-central-1", "210987654321")
    core = yaml.safe_load((tmp_path / "f" / ".copier-answers.poc.yml").read_text())
    assert core["stage"] == "building" and core["executive_sponsor"] == "to be named"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "project_name=../evil"], "path separators"),
        (["--data", "project_name=1abc"], "not a slug"),
        (["--data", "project_name=class"], "Python keyword"),
        (["--data", "project_name=" + "a" * 60], "at most 40"),
        (["--data", "project_name="], "empty"),
        (["--stage", "dreaming"], "unknown stage 'dreaming'"),
        (["--data", "task_type=forecast"], "unknown task_type"),
        (["--data", "noequals"], "malformed"),
        (["--data", "colour=red"], "unknown answer 'colour'"),
        (["--data", "feedback_loop=perhaps"], "true or false"),
        (["--data", "timebox_weeks=forever"], "timebox_weeks"),
        (["--stage", "building", "--data", "aws_region=mars"], "aws_region 'mars'"),
        (["--answers-file", "/nonexistent/answers.yml"], "cannot read answers file"),
        (["--stage", "prototyping", "--data", "stage=building"], "give the stage once"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    dest = tmp_path / "dest"
    result = CliRunner().invoke(main, ["new", str(dest), "--defaults", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not dest.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_unparseable_answers_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("project_name: [unclosed\n")
    result = CliRunner().invoke(
        main, ["new", str(tmp_path / "d"), "--defaults", "--answers-file", str(bad)]
    )
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "d").exists()


def test_non_empty_destination_is_refused_and_untouched(tmp_path: Path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "README.md").write_text("mine")
    result = CliRunner().invoke(main, ["new", str(dest), "--defaults", "--data", "project_name=p"])
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert [p.name for p in dest.iterdir()] == ["README.md"]
    assert (dest / "README.md").read_text() == "mine"


def test_into_existing_never_overwrites(tmp_path: Path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "README.md").write_text("mine")
    result = CliRunner().invoke(
        main, ["new", str(dest), "--defaults", "--into-existing", "--data", "project_name=p"]
    )
    assert result.exit_code == 2
    assert "would overwrite" in result.output and "README.md" in result.output
    assert [p.name for p in dest.iterdir()] == ["README.md"]
    assert (dest / "README.md").read_text() == "mine"

    (dest / "README.md").rename(dest / "NOTES.md")
    result = CliRunner().invoke(
        main, ["new", str(dest), "--defaults", "--into-existing", "--data", "project_name=p"]
    )
    assert result.exit_code == 0, result.output
    assert (dest / "NOTES.md").read_text() == "mine"
    assert (dest / ".copier-answers.poc.yml").exists()


def test_early_stage_production_needs_confirmation(tmp_path: Path) -> None:
    dest = tmp_path / "early"
    refused = CliRunner().invoke(
        main, ["new", str(dest), "--stage", "learning", "--production", "--defaults"]
    )
    assert refused.exit_code == 2
    assert "classic early mistake" in refused.output
    assert not dest.exists()

    assert not dest.exists()

    accepted = CliRunner().invoke(
        main, ["new", str(dest), "--stage", "learning", "--production", "--defaults", "--yes"]
    )
    assert accepted.exit_code == 0, accepted.output
    answers = yaml.safe_load((dest / ".copier-answers.poc.yml").read_text())
    assert answers["stage"] == "learning" and answers["is_production"] is True
    assert (dest / ".copier-answers.production.yml").exists()


def test_failure_mid_render_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import scaffold
    from generator.errors import MljourneyError

    calls: list[str] = []
    real = scaffold.render_layer

    def render_then_fail(source, dest, data, vcs_ref=None):  # type: ignore[no-untyped-def]
        calls.append(source.layer)
        if source.layer == "production":
            raise MljourneyError("rendering the production layer failed: disk on fire")
        real(source, dest, data, vcs_ref)

    monkeypatch.setattr(scaffold, "render_layer", render_then_fail)
    dest = tmp_path / "half"
    result = CliRunner().invoke(main, ["new", str(dest), "--stage", "building", "--defaults"])
    assert calls == ["poc", "production"]
    assert result.exit_code == 1
    assert "disk on fire" in result.output
    assert not dest.exists()


def test_the_destination_names_the_project_unless_an_answer_does(tmp_path: Path) -> None:
    named = invoke("new", str(tmp_path / "churn-model"), "--defaults")
    assert named.exit_code == 0, named.output
    answers = yaml.safe_load((tmp_path / "churn-model" / ".copier-answers.poc.yml").read_text())
    assert answers["project_name"] == "churn-model"
    assert "churn-model baseline" in named.output
    # An explicit answer wins; a folder name the questions refuse keeps the default.
    given = invoke("new", str(tmp_path / "a"), "--defaults", "--data", "project_name=fraud")
    assert given.exit_code == 0, given.output
    answers = yaml.safe_load((tmp_path / "a" / ".copier-answers.poc.yml").read_text())
    assert answers["project_name"] == "fraud"
    refused = invoke("new", str(tmp_path / "My Project"), "--defaults")
    assert refused.exit_code == 0, refused.output
    answers = yaml.safe_load((tmp_path / "My Project" / ".copier-answers.poc.yml").read_text())
    assert answers["project_name"] == "ml-project"


def test_assess_in_japanese_suggests_a_japanese_project() -> None:
    args = ("assess", "--models", "0", "--no-pipeline", "--no-lake", "--no-sponsor")
    result = invoke(*args, "--language", "ja")
    assert result.exit_code == 0, result.output
    assert "--data language=ja" in result.output
    assert "--data language" not in invoke(*args, "--language", "en").output


def test_assess_prints_stage_level_actions_and_feeds_new(tmp_path: Path) -> None:
    saved = tmp_path / "assessment.yml"
    result = invoke(
        "assess", "--models", "0", "--pipeline", "--no-lake", "--sponsor", "--save", str(saved)
    )
    assert result.exit_code == 0, result.output
    assert "Stage: prototyping" in result.output
    assert "Level 1" in result.output
    assert "Data strategy:" in result.output
    dest = tmp_path / "from-assessment"
    created = invoke("new", str(dest), "--defaults", "--answers-file", str(saved))
    assert created.exit_code == 0, created.output
    answers = yaml.safe_load((dest / ".copier-answers.poc.yml").read_text())
    assert answers["stage"] == "prototyping"


def test_assess_interactive(terminal: Terminal) -> None:
    terminal.type(DOWN, DOWN, ENTER, "y", "y", "y")  # three or more models; yes, yes, yes
    result = invoke("assess")
    assert result.exit_code == 0, result.output + terminal.text
    assert "three or more (maturity level 3)" in terminal.text
    assert "Stage: scaling" in result.output
    assert "Level 3" in result.output


def test_assess_without_a_terminal_names_the_flags() -> None:
    result = CliRunner().invoke(main, ["assess", "--models", "0"])
    assert result.exit_code == 2
    assert "--pipeline/--no-pipeline" in result.output


def test_new_inside_another_checkout_is_a_repository_of_its_own(tmp_path: Path) -> None:
    outer = tmp_path / "monorepo"
    outer.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=outer, check=True)
    result = invoke("new", str(outer / "churn"), "--defaults", "--data", "project_name=churn")
    assert result.exit_code == 0, result.output
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=outer / "churn", capture_output=True, text=True
    )
    assert Path(top.stdout.strip()) == (outer / "churn").resolve()


def test_early_stage_production_can_be_declined_at_the_prompt(
    tmp_path: Path, terminal: Terminal
) -> None:
    dest = tmp_path / "early"
    terminal.type(ENTER, "n")  # language: English; then decline
    declined = CliRunner().invoke(main, ["new", str(dest), "--stage", "learning", "--production"])
    assert declined.exit_code == 2
    assert "classic early mistake" in declined.output
    assert "stopped: no production layer at this stage" in declined.output
    assert not dest.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("organisation: on\n", "organisation in answers file"),
        ("aws_account_id: 123456789012\nstage: building\n", "aws_account_id in answers file"),
        ("description: 2024\n", "description in answers file"),
    ],
)
def test_yaml_1_1_values_in_an_answers_file_are_refused_with_a_hint(
    tmp_path: Path, content: str, message: str
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(content)
    dest = tmp_path / "d"
    result = CliRunner().invoke(
        main, ["new", str(dest), "--defaults", "--answers-file", str(answers)]
    )
    assert result.exit_code == 2
    assert message in result.output and "quote it" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not dest.exists()


def test_a_name_that_shadows_a_dependency_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["new", str(tmp_path / "p"), "--defaults", "--data", "project_name=pandas"]
    )
    assert result.exit_code == 2
    assert "shadows the module 'pandas' the generated project imports" in result.output
    assert not (tmp_path / "p").exists()
