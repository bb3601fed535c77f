"""`mljourney check` on real rendered projects: compliance, drift, fleet, formats, errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from click.testing import CliRunner

from generator import __version__, layers
from generator.cli import main
from generator.reports import display_width

SECRET = "AKIAABCDEFGHIJKLMNOP"
POLICY = {"forbidden_patterns": ["AKIA[0-9A-Z]{16}"], "required_paths": ["README.md"]}


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def render(dest: Path, name: str, *extra: str) -> Path:
    result = invoke("new", str(dest), "--defaults", "--data", f"project_name={name}", *extra)
    assert result.exit_code == 0, result.output
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return render(tmp_path / "alpha", "alpha", "--stage", "prototyping")


@pytest.fixture
def fleet(tmp_path: Path) -> list[Path]:
    return [
        render(tmp_path / "alpha", "alpha", "--stage", "prototyping"),
        render(
            tmp_path / "beta", "beta", "--stage", "experimenting", "--data", "feedback_loop=true"
        ),
        render(tmp_path / "gamma", "gamma", "--stage", "learning"),
    ]


def write_policy(tmp_path: Path, policy: dict[str, object]) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    return path


def break_project(root: Path, package: str) -> None:
    """Every kind of violation at once: conflict marker, .rej file, missing path, secret."""
    readme = root / "README.md"
    readme.write_text(
        readme.read_text() + "<<<<<<< before updating\nold\n=======\nnew\n>>>>>>> after updating\n"
    )
    (root / "pyproject.toml.rej").write_text("@@ -1 +1 @@\n")
    (root / "docs" / "poc-charter.md").unlink()
    (root / "src" / package / "settings.py").write_text(f'AWS_KEY = "{SECRET}"\n')


def test_fresh_project_is_compliant(project: Path):
    result = invoke("check", str(project))
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    for rule in ("answers", "layers", "versions", "layout", "conflicts"):
        assert f"PASS  {rule}" in result.output
    assert result.output.rstrip().endswith("compliant")


def test_default_path_is_the_current_directory(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(project)
    assert invoke("check").exit_code == 0


def test_fleet_table_names_the_non_compliant_project(fleet: list[Path], tmp_path: Path):
    break_project(fleet[2], "gamma")
    policy = write_policy(tmp_path, POLICY)
    result = invoke("check", *map(str, fleet), "--policy", str(policy))
    assert result.exit_code == 1, result.output
    table = result.output.split("\n\n")[0].splitlines()
    assert table[0].split() == [
        "project",
        "stage",
        "level",
        "layers",
        "versions",
        "drift",
        "violations",
        "path",
    ]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert set(rows) == {"alpha", "beta", "gamma"}
    assert rows["alpha"][1:3] == ["prototyping", "1"]
    assert rows["beta"][3] == "poc,feedback-loop"
    assert rows["alpha"][6] == rows["beta"][6] == "0"
    assert rows["gamma"][6] == "4"
    details = result.output.split("gamma (", 1)[1]
    assert "README.md:" in details and "unresolved conflict marker" in details
    assert "pyproject.toml.rej" in details
    assert "docs/poc-charter.md is missing" in details
    assert "src/gamma/settings.py:1: matches forbidden pattern" in details
    assert "2 of 3 projects compliant" in result.output


def test_json_report(fleet: list[Path], tmp_path: Path):
    break_project(fleet[2], "gamma")
    policy = write_policy(tmp_path, POLICY)
    result = invoke("check", *map(str, fleet), "--policy", str(policy), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["compliant"] is False
    assert report["summary"] == {"projects": 3, "compliant": 2, "violations": 4}
    by_name = {p["name"]: p for p in report["projects"]}
    beta = by_name["beta"]
    assert beta["compliant"] is True and beta["stage"] == "experimenting" and beta["level"] == 1
    assert beta["drift"] == 0
    assert set(beta["layers"]) == {"poc", "feedback-loop"}
    assert beta["layers"]["poc"]["behind"] == 0
    assert beta["layers"]["poc"]["version"] == beta["layers"]["poc"]["latest"]
    assert {r["rule"] for r in beta["rules"]} >= {
        "layout",
        "conflicts",
        "policy:forbidden_patterns",
    }
    rules = sorted(v["rule"] for v in by_name["gamma"]["violations"])
    assert rules == ["conflicts", "conflicts", "layout", "policy:forbidden_patterns"]
    assert all({"rule", "message", "path"} <= set(v) for v in by_name["gamma"]["violations"])


def test_junit_report_has_one_testcase_per_project_and_rule(fleet: list[Path], tmp_path: Path):
    break_project(fleet[2], "gamma")
    policy = write_policy(tmp_path, POLICY)
    output = tmp_path / "check.xml"
    result = invoke(
        "check",
        *map(str, fleet),
        "--policy",
        str(policy),
        "--format",
        "junit",
        "--output",
        str(output),
    )
    assert result.exit_code == 1
    assert result.stdout == ""  # the report went to the file
    root = ElementTree.parse(output).getroot()
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {"alpha", "beta", "gamma"}
    expected = [
        "answers",
        "layers",
        "versions",
        "layout",
        "conflicts",
        "valid-files",
        "overlays",
        "policy:required_paths",
        "policy:forbidden_patterns",
    ]
    for suite in suites.values():
        assert [c.get("name") for c in suite.iter("testcase")] == expected
    failed = {
        c.get("name") for c in suites["gamma"].iter("testcase") if c.find("failure") is not None
    }
    assert failed == {"layout", "conflicts", "policy:forbidden_patterns"}
    assert root.get("tests") == str(3 * len(expected)) and root.get("failures") == "3"


def test_min_versions_above_current_is_a_violation(project: Path, tmp_path: Path):
    policy = write_policy(tmp_path, {"min_versions": {"poc": "99.0.0"}})
    result = invoke("check", str(project), "--policy", str(policy))
    assert result.exit_code == 1
    assert "FAIL  policy:min_versions" in result.output
    assert "the policy requires at least 99.0.0" in result.output


def test_policy_from_the_organisation_config(project: Path, tmp_path: Path, monkeypatch):
    config = tmp_path / "org.yml"
    config.write_text(yaml.safe_dump({"policy": {"allowed_stages": ["building", "scaling"]}}))
    monkeypatch.setenv("MLJOURNEY_CONFIG", str(config))
    result = invoke("check", str(project))
    assert result.exit_code == 1
    assert "stage 'prototyping' is not allowed" in result.output


def test_drift_behind_the_newest_release(project: Path, tmp_path: Path, monkeypatch):
    # A newer mljourney ships the poc layer with one more release than the project has.
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", str(layers.packaged_bundle("poc")), str(clone)], check=True
    )
    subprocess.run(["git", "tag", "v99.0.0"], cwd=clone, check=True)
    newer = tmp_path / "newer-poc.bundle"
    subprocess.run(["git", "bundle", "create", "-q", str(newer), "--all"], cwd=clone, check=True)
    real = layers.packaged_bundle
    monkeypatch.setattr(
        layers, "packaged_bundle", lambda name: newer if name == "poc" else real(name)
    )

    result = invoke("check", str(project))
    assert result.exit_code == 1
    assert "1 release behind v99.0.0: run `mljourney update`" in result.output
    assert f"layers: poc v{__version__} -> v99.0.0" in result.output

    allowed = invoke("check", str(project), "--allow-drift", "--format", "json")
    assert allowed.exit_code == 0
    whole = json.loads(allowed.output)
    report = whole["projects"][0]
    assert report["drift"] == 1 and report["layers"]["poc"]["latest"] == "v99.0.0"
    assert "behind" in report["warnings"][0]["message"]
    assert report["layers"]["poc"]["update_available"] is True
    assert report["update_available"] is True and whole["update_available"] is True


def test_not_a_project_is_a_violation(project: Path, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("check", str(project), str(empty))
    assert result.exit_code == 1
    assert "empty (not a project)" in result.output
    assert "not an mljourney project" in result.output


def test_broken_answers_file_is_a_violation(project: Path):
    (project / ".copier-answers.poc.yml").write_text("stage: [unclosed\n")
    result = invoke("check", str(project))
    assert result.exit_code == 1
    assert "cannot be read" in result.output
    assert "Traceback" not in result.output


def test_recursive_finds_every_project(fleet: list[Path], tmp_path: Path):
    result = invoke("check", "--recursive", str(tmp_path), "--format", "json")
    whole = json.loads(result.output)
    names = sorted(p["name"] for p in whole["projects"])
    assert names == ["alpha", "beta", "gamma"]
    # Just rendered with this mljourney: no layer has a newer release.
    assert whole["update_available"] is False
    for p in whole["projects"]:
        assert p["update_available"] is False
        assert {v["update_available"] for v in p["layers"].values()} == {False}
    assert result.exit_code == 0


def test_scanning_skips_environments_and_data(project: Path):
    for skipped in (".venv/lib", "data/raw", "node_modules/x"):
        folder = project / skipped
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stale.py").write_text("<<<<<<< ours\n>>>>>>> theirs\n")
    assert invoke("check", str(project)).exit_code == 0


def test_missing_path_is_a_usage_error(project: Path, tmp_path: Path):
    result = invoke("check", str(project), str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"mljourney: error: {tmp_path / 'nowhere'} does not exist"
    ]
    assert "Traceback" not in result.output


def test_bad_policy_file_is_a_usage_error(project: Path, tmp_path: Path):
    policy = write_policy(tmp_path, {"forbidden_patterns": ["("]})
    result = invoke("check", str(project), "--policy", str(policy))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is not a regex" in result.stderr


def test_project_copied_without_git_is_still_checked(project: Path, tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".git"))
    (copy / "notes.txt.rej").write_text("x\n")
    result = invoke("check", str(copy))
    assert result.exit_code == 1
    assert "notes.txt.rej: rejected update hunk left behind" in result.output


# --- a Japanese project's check ----------------------------------------------------------

CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
JA_LOCALE = {"LANG": "ja_JP.UTF-8", "LC_ALL": None, "LC_MESSAGES": None}
C_LOCALE = {"LANG": "C.UTF-8", "LC_ALL": None, "LC_MESSAGES": None}


def break_alike(root: Path, package: str) -> None:
    """Violations of every built-in rule and policy, on the same lines in any language."""
    (root / "notes.md").write_text("<<<<<<< ours\nold\n=======\nnew\n>>>>>>> theirs\n")
    (root / "pyproject.toml.rej").write_text("@@ -1 +1 @@\n")
    (root / "docs" / "poc-charter.md").unlink()
    (root / "src" / package / "settings.py").write_text(f'AWS_KEY = "{SECRET}"\n')
    answers = root / ".copier-answers.poc.yml"
    answers.write_text(answers.read_text().replace("feedback_loop: false", "feedback_loop: true"))


def check_in(env: dict[str, str | None], *args: str):
    return CliRunner(env=env).invoke(main, ["check", *args], catch_exceptions=False)


def test_a_japanese_projects_text_report_is_japanese_and_its_json_unchanged(tmp_path: Path):
    from tests.render.test_language import english_prose

    for language in ("ja", "en"):
        (tmp_path / language).mkdir()
    ja = render(tmp_path / "ja" / "churn", "churn", "--stage", "building", "--data", "language=ja")
    en = render(tmp_path / "en" / "churn", "churn", "--stage", "building")
    for root in (ja, en):
        break_alike(root, "churn")
    policy = write_policy(
        tmp_path,
        {**POLICY, "required_paths": ["CODEOWNERS"], "allowed_stages": ["learning"]}
        | {"min_versions": {"poc": "v9.0.0"}},
    )

    # The text report speaks the project's language, whatever the locale.
    text = check_in(C_LOCALE, str(ja), "--policy", str(policy))
    assert text.exit_code == 1
    lines = text.output.splitlines()
    assert lines[0] == f"churn ({ja})"
    assert lines[1] == "  ステージ：building、レベル1 - はじめの一歩"
    assert "  不合格  policy:forbidden_patterns" in lines and "  合格    answers" in lines
    assert (
        "        - src/churn/settings.py:1：禁止パターン 'AKIA[0-9A-Z]{16}' に一致します" in lines
    )
    assert lines[-1] == "準拠していません：違反 8 件"
    # Every line but the project's name and path is Japanese; English only in rule ids,
    # paths, versions and commands.
    assert all(CJK.search(line) for line in lines[1:]), lines
    assert english_prose(text.output.replace(str(ja), "PATH")) == []
    assert english_prose(check_in(C_LOCALE, str(en), "--policy", str(policy)).output) != []

    # JSON and JUnit are the English project's, whatever the project's or locale's language.
    for kind in ("json", "junit"):
        reports = [
            check_in(env, str(root), "--policy", str(policy), "--format", kind).output
            for env, root in ((JA_LOCALE, ja), (C_LOCALE, ja), (JA_LOCALE, en))
        ]
        japanese, english = reports[0], reports[2].replace(str(en), str(ja))
        assert japanese == english == reports[1]
        assert not CJK.search(japanese)
    violations = json.loads(
        check_in(JA_LOCALE, str(ja), "--policy", str(policy), "--format", "json").output
    )["projects"][0]["violations"]
    assert {v["rule"] for v in violations} >= {
        "layers",
        "layout",
        "conflicts",
        "policy:min_versions",
    }

    # --output: the line on stderr speaks the project's language too.
    written = check_in(C_LOCALE, str(ja), "--output", str(tmp_path / "report.txt"))
    assert written.exit_code == 1
    assert "1 件のプロジェクトを検査しました（準拠していません）" in written.stderr
    assert "準拠していません：違反 4 件" in (tmp_path / "report.txt").read_text(encoding="utf-8")

    # A fleet speaks the invoking context's language: the locale, or the organisation's default.
    fleet_ja = check_in(JA_LOCALE, str(ja), str(en))
    header, *rows = fleet_ja.output.split("\n\n")[0].splitlines()
    assert header.split() == [
        "プロジェクト",
        "ステージ",
        "レベル",
        "レイヤー",
        "バージョン",
        "遅れ",
        "違反",
        "パス",
    ]
    # Columns line up in terminal columns: the path column starts at the same place.
    starts = {display_width(row[: row.rindex(" /") + 1]) for row in rows}
    assert starts == {display_width(header[: header.index("パス")])}
    assert "2 件中 0 件のプロジェクトが準拠しています" in fleet_ja.output
    assert "  - [layout] docs/poc-charter.md がありません（poc レイヤー）" in fleet_ja.output
    fleet_en = check_in(C_LOCALE, str(ja), str(en))
    assert fleet_en.output.startswith("project  ")
    assert "  - [layout] docs/poc-charter.md is missing (poc layer)" in fleet_en.output
    assert fleet_en.output.rstrip().endswith("0 of 2 projects compliant")
    config = tmp_path / "org.yml"
    config.write_text("defaults:\n  language: ja\n", encoding="utf-8")
    assert check_in(C_LOCALE, str(ja), str(en), "--config", str(config)).output == fleet_ja.output
    # One English project stays English under a Japanese locale (its own answer wins).
    assert check_in(JA_LOCALE, str(en)).output.rstrip().endswith("NOT compliant: 4 violations")
