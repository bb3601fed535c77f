import subprocess
import sys
from pathlib import Path

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
        "assert 'copier' not in sys.modules, 'copier imported by --help'"
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


def test_interactive_asks_stage_first_then_stage_questions(tmp_path: Path) -> None:
    dest = tmp_path / "i"
    typed = [
        "3",  # stage: prototyping
        "Bad Name",  # re-asked
        "my-poc",
        "",  # description: default
        "regression",
        "0",
        "n",  # feedback loop
        "acme",
        "Dr. Ada Park (COO)",
        "99",  # re-asked: at most 26 weeks
        "8",
        "CRM database, web logs",
    ]
    result = invoke("new", str(dest), input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    output = result.output
    assert output.index("Where does your team stand") < output.index("Project name")
    assert "learning" in output and "getting to know ML" in output
    assert "not a slug" in output  # the bad name was re-asked
    assert "from 1 to 26" in output
    assert "AWS region" not in output
    answers = yaml.safe_load((dest / ".copier-answers.poc.yml").read_text())
    assert (answers["project_name"], answers["task_type"], answers["organisation"]) == (
        "my-poc",
        "regression",
        "acme",
    )
    assert (answers["timebox_weeks"], answers["data_sources"]) == (8, "CRM database, web logs")
    assert "Dr. Ada Park (COO)" in (dest / "docs" / "poc-charter.md").read_text()
    assert "web logs" in (dest / "docs" / "data-inventory.md").read_text()


def test_production_stage_asks_cloud_settings_not_the_charter(tmp_path: Path) -> None:
    typed = ["4", "fraud", "", "classification", "1-2", "n", "acme", "eu-central-1", "210987654321"]
    result = invoke("new", str(tmp_path / "f"), input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    assert "Executive sponsor" not in result.output
    answers = yaml.safe_load((tmp_path / "f" / ".copier-answers.production.yml").read_text())
    assert (answers["aws_region"], answers["aws_account_id"]) == ("eu-central-1", "210987654321")


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

    declined = CliRunner().invoke(
        main, ["new", str(dest), "--stage", "learning", "--production"], input="n\n"
    )
    assert declined.exit_code == 2
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


def test_assess_interactive() -> None:
    result = invoke("assess", input="3+\ny\ny\ny\n")
    assert result.exit_code == 0
    assert "Stage: scaling" in result.output
    assert "Level 3" in result.output


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
