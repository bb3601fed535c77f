"""`mljourney smoke`: real renders of matrix cases, failures, JUnit, the upgrade path."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from click.testing import CliRunner

from generator import __version__, layers
from generator.cli import main
from generator.release import build_bundle

POC_CASE = "prototyping-classification"
FEEDBACK_CASE = "learning-classification-fb"


def invoke(*args: str):
    return CliRunner().invoke(main, ["smoke", *args], catch_exceptions=False)


def shipped_poc_content(tmp_path: Path) -> Path:
    """The poc layer's content as the shipped bundle holds it (not the work tree's)."""
    target = tmp_path / "poc-content"
    bundle = layers.packaged_bundle("poc")
    subprocess.run(["git", "clone", "-q", str(bundle), str(target)], check=True)
    shutil.rmtree(target / ".git")
    return target


def ship_poc(monkeypatch: pytest.MonkeyPatch, bundle: Path) -> None:
    real = layers.packaged_bundle
    monkeypatch.setattr(
        layers, "packaged_bundle", lambda name: bundle if name == "poc" else real(name)
    )


def junit_cases(path: Path) -> dict[str, ElementTree.Element]:
    suite = ElementTree.parse(path).getroot()
    assert suite.tag == "testsuite"
    return {case.get("name", ""): case for case in suite.iter("testcase")}


def test_list_quick_cases():
    result = invoke("--quick", "--list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 4
    assert lines[0].split() == [POC_CASE, "poc"]


def test_render_only_one_case(tmp_path: Path):
    junit = tmp_path / "smoke.xml"
    workdir = tmp_path / "work"
    result = invoke(
        "--render-only",
        "--case",
        POC_CASE,
        "--jobs",
        "1",
        "--workdir",
        str(workdir),
        "--junit",
        str(junit),
    )
    assert result.exit_code == 0, result.output
    assert "1 of 1 cases passed" in result.output
    assert f"{POC_CASE}  poc     pass" in result.output
    answers = yaml.safe_load((workdir / POC_CASE / ".copier-answers.poc.yml").read_text())
    assert answers["project_name"] == POC_CASE
    assert answers["task_type"] == "classification" and answers["stage"] == "prototyping"
    assert not (workdir / POC_CASE / ".venv").exists()  # render only: nothing installed
    cases = junit_cases(junit)
    assert list(cases) == [POC_CASE]
    assert cases[POC_CASE].find("failure") is None


def test_render_only_in_parallel(tmp_path: Path):
    workdir = tmp_path / "work"
    result = invoke(
        "--render-only",
        "--case",
        POC_CASE,
        "--case",
        FEEDBACK_CASE,
        "--jobs",
        "2",
        "--workdir",
        str(workdir),
    )
    assert result.exit_code == 0, result.output
    assert "2 of 2 cases passed" in result.output
    assert (workdir / FEEDBACK_CASE / ".copier-answers.feedback-loop.yml").is_file()


def test_temporary_workdir_is_removed_when_all_pass(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    result = invoke("--render-only", "--case", POC_CASE, "-j", "1")
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.glob("mljourney-smoke-*"))


def test_failing_case_shows_its_answers_and_output(tmp_path: Path, monkeypatch):
    broken = shipped_poc_content(tmp_path)
    (broken / "template" / "broken.txt.jinja").write_text('{{ "{{" }} never rendered\n')
    bundle = tmp_path / "shipped" / "poc.bundle"
    build_bundle(broken, bundle, "0.1.0")
    ship_poc(monkeypatch, bundle)
    junit = tmp_path / "smoke.xml"

    result = invoke(
        "--render-only",
        "--case",
        POC_CASE,
        "-j",
        "1",
        "--workdir",
        str(tmp_path / "work"),
        "--junit",
        str(junit),
    )
    assert result.exit_code == 1
    assert f"=== {POC_CASE} failed" in result.output
    assert "  task_type: classification" in result.output
    assert "--- jinja" in result.output
    assert "Jinja markers left in: broken.txt" in result.output
    assert "0 of 1 cases passed" in result.output
    failure = junit_cases(junit)[POC_CASE].find("failure")
    assert failure is not None and "jinja failed" in failure.get("message", "")
    assert "broken.txt" in (failure.text or "")


def test_unknown_case_is_a_usage_error():
    result = invoke("--case", "no-such-case")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no smoke case matches 'no-such-case'" in result.stderr


def test_existing_case_directory_is_refused(tmp_path: Path):
    (tmp_path / POC_CASE).mkdir()
    result = invoke("--render-only", "--case", POC_CASE, "--workdir", str(tmp_path))
    assert result.exit_code == 2
    assert "choose an empty --workdir" in result.stderr


def test_upgrade_path_with_one_release_is_skipped_with_a_note(tmp_path: Path, monkeypatch):
    only_one = tmp_path / "shipped" / "poc.bundle"
    build_bundle(layers.templates_dir() / "poc", only_one, __version__)
    ship_poc(monkeypatch, only_one)
    result = invoke(
        "--render-only",
        "--case",
        POC_CASE,
        "-j",
        "1",
        "--upgrade-from",
        "--workdir",
        str(tmp_path / "work"),
    )
    assert result.exit_code == 0, result.output
    assert f"upgrade path skipped: the layer bundles hold only v{__version__}" in result.output
    assert "1 of 1 cases passed" in result.output


def test_upgrade_path_renders_the_old_release_then_updates(tmp_path: Path, monkeypatch):
    bundle = tmp_path / "shipped" / "poc.bundle"
    bundle.parent.mkdir()
    shutil.copyfile(layers.packaged_bundle("poc"), bundle)
    newer = shipped_poc_content(tmp_path)
    readme = newer / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nAdded in the next release.\n")
    build_bundle(newer, bundle, "0.2.0")
    ship_poc(monkeypatch, bundle)
    workdir = tmp_path / "work"

    result = invoke(
        "--render-only",
        "--case",
        POC_CASE,
        "-j",
        "1",
        "--upgrade-from",
        "--workdir",
        str(workdir),
    )
    assert result.exit_code == 0, result.output
    assert "upgrade path: from v0.1.0 to v0.2.0" in result.output
    assert "2 of 2 cases passed" in result.output
    upgraded = workdir / f"{POC_CASE}@v0.1.0"
    answers = yaml.safe_load((upgraded / ".copier-answers.poc.yml").read_text())
    assert answers["_commit"] == "v0.2.0"
    assert "Added in the next release." in (upgraded / "README.md").read_text()
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=upgraded, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(log) == 2  # scaffold at v0.1.0, then the update commit


def test_unknown_upgrade_version_is_a_usage_error():
    result = invoke("--render-only", "--case", POC_CASE, "--upgrade-from", "v7.7.7")
    assert result.exit_code == 2
    assert "--upgrade-from v7.7.7: no such release" in result.stderr


@pytest.mark.slow
def test_full_smoke_of_the_quickest_case(tmp_path: Path):
    """Install the poc classification project in its own environment; lint and tests pass."""
    workdir = tmp_path / "work"
    junit = tmp_path / "smoke.xml"
    result = invoke("--case", POC_CASE, "-j", "1", "--workdir", str(workdir), "--junit", str(junit))
    assert result.exit_code == 0, result.output
    assert (workdir / POC_CASE / ".venv" / "bin" / "python").exists()
    out = junit_cases(junit)[POC_CASE].findtext("system-out") or ""
    for step in ("render", "jinja", "check", "venv", "install", "lint", "format", "tests"):
        assert f"{step}: exit 0" in out


def test_shards_list_every_case_once():
    full = invoke("--list").output.splitlines()
    parts = [invoke("--list", "--shard", f"{i}/3").output.splitlines() for i in (1, 2, 3)]
    assert sorted(line for part in parts for line in part) == sorted(full)
    bad = CliRunner().invoke(main, ["smoke", "--list", "--shard", "4/3"])
    assert bad.exit_code == 2
    assert "Invalid value for '--shard'" in bad.output and "I/N" in bad.output


def test_the_summary_speaks_the_invoking_language_and_junit_stays(tmp_path: Path, monkeypatch):
    """The smoke's language is the organisation's default, else the locale (no rendering)."""
    import re

    from generator import smoke
    from generator.smoke import CaseResult, Step

    def fake_case(run: smoke.Run, sources: object, options: smoke.SmokeOptions) -> CaseResult:
        steps = (
            Step("render", "render", 0, 0.5, "rendered poc"),
            Step("tests", "python -m pytest -q", 1, 2.0, "1 failed, 3 passed"),
        )
        return CaseResult(run, {"stage": run.case.stage}, steps, 2.5, str(options.workdir))

    monkeypatch.setattr(smoke, "run_case", fake_case)
    cjk = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    outputs = {}
    for language, env in (("ja", "ja_JP.UTF-8"), ("en", "C.UTF-8")):
        junit = tmp_path / f"{language}.xml"
        args = ["smoke", "--case", POC_CASE, "-j", "1", "--workdir", str(tmp_path / language)]
        result = CliRunner(env={"LANG": env, "LC_ALL": None, "LC_MESSAGES": None}).invoke(
            main, [*args, "--junit", str(junit)], catch_exceptions=False
        )
        assert result.exit_code == 1
        assert ("ケースを同時に 1 件ずつ" in result.stderr) == (language == "ja")
        outputs[language] = (result.stdout, junit.read_text(encoding="utf-8"))
    japanese, english = outputs["ja"][0], outputs["en"][0]
    assert japanese.splitlines()[0].split() == [
        "ケース",
        "レイヤー",
        "結果",
        "失敗したステップ",
        "秒",
    ]
    assert f"=== {POC_CASE} が失敗しました" in japanese
    assert "--- tests：`python -m pytest -q`（終了コード 1）" in japanese
    assert "1 failed, 3 passed" in japanese  # a step's own output stays as it is
    assert japanese.rstrip().splitlines()[-1].startswith("1 ケース中 0 ケースが合格しました")
    assert english.splitlines()[0].split() == [
        "case",
        "layers",
        "result",
        "failed",
        "step",
        "seconds",
    ]
    assert f"=== {POC_CASE} failed" in english
    assert "0 of 1 cases passed" in english
    # The JUnit report is the same in both (its times aside), and has no Japanese.
    times = re.compile(r'time="[^"]*"')
    assert times.sub("", outputs["ja"][1]).replace(str(tmp_path / "ja"), "W") == times.sub(
        "", outputs["en"][1]
    ).replace(str(tmp_path / "en"), "W")
    assert not cjk.search(outputs["ja"][1])
