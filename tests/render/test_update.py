"""The versioning mechanism end to end: render with version A, edit, update to B elsewhere."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import layers
from generator.cli import main
from generator.release import build_bundle
from tests.conftest import build_file_tree, git

ANSWERS_JINJA = (
    "# Changes here will be overwritten by Copier\n{{ _copier_answers|to_nice_yaml -}}\n"
)
COPIER_YML = """\
_subdirectory: template
_answers_file: .copier-answers.poc.yml
project_name: {type: str, default: demo}
stage: {type: str, default: prototyping}
"""


def tiny_template(root: Path, readme: str, settings: str) -> Path:
    return build_file_tree(
        root,
        {
            "copier.yml": COPIER_YML,
            "template/README.md.jinja": readme,
            "template/settings.toml": settings,
            "template/{{_copier_conf.answers_file}}.jinja": ANSWERS_JINJA,
        },
    )


BODY = "".join(f"Line {n}.\n" for n in range(1, 9))
V1_README = "# {{ project_name }}\n\n" + BODY
V2_README = "# {{ project_name }}\n\nAdded in v2.\n\n" + BODY
EDITED_README = "# demo\n\n" + BODY + "\nOur own notes.\n"


@pytest.fixture
def two_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A poc bundle with v0.1.0, and a function that releases v0.2.0 into it."""
    shipped = tmp_path / "shipped" / "poc.bundle"
    build_bundle(tiny_template(tmp_path / "v1", V1_README, "a = 1\nb = 2\n"), shipped, "0.1.0")
    real = layers.packaged_bundle
    monkeypatch.setattr(
        layers, "packaged_bundle", lambda layer: shipped if layer == "poc" else real(layer)
    )

    def release_v2() -> None:
        build_bundle(tiny_template(tmp_path / "v2", V2_README, "a = 1\nb = 3\n"), shipped, "0.2.0")

    return release_v2


def new_project(tmp_path: Path) -> Path:
    dest = tmp_path / "proj"
    result = CliRunner().invoke(
        main, ["new", str(dest), "--defaults", "--data", "project_name=demo"]
    )
    assert result.exit_code == 0, result.output
    return dest


def user_edit(dest: Path, path: str, text: str) -> None:
    (dest / path).write_text(text, encoding="utf-8")
    git(dest, "commit", "-qam", f"edit {path}")


def answers(dest: Path) -> dict[str, object]:
    return yaml.safe_load((dest / ".copier-answers.poc.yml").read_text())


def move_to_fresh_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Path:
    home = tmp_path / name
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def test_update_on_another_machine_keeps_edit_and_brings_change(
    tmp_path: Path, two_versions, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = new_project(tmp_path)
    assert answers(dest)["_commit"] == "v0.1.0"
    user_edit(dest, "README.md", EDITED_README)
    two_versions()
    home = move_to_fresh_machine(tmp_path, monkeypatch, "other-home")

    result = CliRunner().invoke(main, ["update", str(dest)])

    assert result.exit_code == 0, result.output
    readme = (dest / "README.md").read_text()
    assert "Our own notes." in readme
    assert "Added in v2." in readme
    assert (dest / "settings.toml").read_text() == "a = 1\nb = 3\n"
    assert answers(dest)["_commit"] == "v0.2.0"
    assert (home / ".local/share/mljourney/layers/poc.bundle").is_file()
    assert "v0.1.0 -> v0.2.0" in result.output
    assert git(dest, "status", "--porcelain") == ""
    assert "Update the poc layer to v0.2.0" in git(dest, "log", "-1", "--format=%s")


def test_plain_copier_update_works_too(
    tmp_path: Path, two_versions, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = new_project(tmp_path)
    user_edit(dest, "README.md", EDITED_README)
    two_versions()
    home = move_to_fresh_machine(tmp_path, monkeypatch, "plain-home")
    installed = home / ".local/share/mljourney/layers/poc.bundle"
    installed.parent.mkdir(parents=True)
    shutil.copyfile(layers.packaged_bundle("poc"), installed)

    result = subprocess.run(
        [sys.executable, "-m", "copier", "update", "-a", ".copier-answers.poc.yml", "--defaults"],
        cwd=dest,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    readme = (dest / "README.md").read_text()
    assert "Our own notes." in readme and "Added in v2." in readme
    assert answers(dest)["_commit"] == "v0.2.0"


def test_conflict_is_marked_inline_and_listed(
    tmp_path: Path, two_versions, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = new_project(tmp_path)
    user_edit(dest, "settings.toml", "a = 1\nb = 5\n")
    head = git(dest, "rev-parse", "HEAD")
    two_versions()

    result = CliRunner().invoke(main, ["update", str(dest)])

    assert result.exit_code == 3
    assert "CONFLICT settings.toml" in result.stdout
    assert "conflicts marked inline" in result.stderr and "  settings.toml" in result.stderr
    text = (dest / "settings.toml").read_text()
    assert "<<<<<<<" in text and "b = 5" in text and "b = 3" in text
    # The markers are never committed: the branch stays at the team's last commit and the
    # merged result waits in the work tree.
    assert git(dest, "rev-parse", "HEAD") == head
    assert git(dest, "status", "--porcelain").split() == [
        "M",
        ".copier-answers.poc.yml",
        "M",
        "README.md",
        "M",
        "settings.toml",
    ]


def test_dry_run_touches_nothing(tmp_path: Path, two_versions) -> None:
    dest = new_project(tmp_path)
    two_versions()
    head = git(dest, "rev-parse", "HEAD")

    result = CliRunner().invoke(main, ["update", "--dry-run", str(dest)])

    assert result.exit_code == 0, result.output
    assert "would be updated" in result.output and "README.md" in result.output
    assert git(dest, "rev-parse", "HEAD") == head
    assert "Added in v2." not in (dest / "README.md").read_text()


def test_up_to_date_project_is_left_alone(tmp_path: Path, two_versions) -> None:
    dest = new_project(tmp_path)
    head = git(dest, "rev-parse", "HEAD")
    result = CliRunner().invoke(main, ["update", str(dest)])
    assert result.exit_code == 0
    assert "up to date" in result.output
    assert git(dest, "rev-parse", "HEAD") == head


def test_dirty_work_tree_gets_a_clear_message(tmp_path: Path, two_versions) -> None:
    dest = new_project(tmp_path)
    (dest / "README.md").write_text("uncommitted")
    two_versions()
    result = CliRunner().invoke(main, ["update", str(dest)])
    assert result.exit_code == 2
    assert "uncommitted changes (README.md)" in result.output
    assert "Traceback" not in result.output
    assert (dest / "README.md").read_text() == "uncommitted"


def test_update_outside_a_project_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["update", str(tmp_path)])
    assert result.exit_code == 2
    assert "not an mljourney project" in result.output


def test_conflict_in_a_project_inside_a_bigger_repository(tmp_path: Path, two_versions) -> None:
    outer = tmp_path / "mono"
    (outer / "svc" / "proj").mkdir(parents=True)
    (outer / "svc" / "proj" / "NOTES.md").write_text("notes\n")
    git(outer, "init", "-q", "-b", "main")
    args = ["new", str(outer / "svc" / "proj"), "--into-existing", "--defaults"]
    result = CliRunner().invoke(main, [*args, "--data", "project_name=demo"])
    assert result.exit_code == 0, result.output
    git(outer, "add", "-A")
    git(outer, "commit", "-qm", "add proj")
    user_edit(outer / "svc" / "proj", "settings.toml", "a = 1\nb = 5\n")
    head = git(outer, "rev-parse", "HEAD")
    two_versions()

    dry = CliRunner().invoke(main, ["update", "--dry-run", str(outer / "svc" / "proj")])
    assert dry.exit_code == 3
    assert "CONFLICT settings.toml" in dry.stdout
    assert git(outer, "status", "--porcelain") == ""

    result = CliRunner().invoke(main, ["update", str(outer / "svc" / "proj")])

    assert result.exit_code == 3
    assert "  settings.toml" in result.stderr.splitlines()
    assert git(outer, "rev-parse", "HEAD") == head
    assert " M svc/proj/settings.toml" in git(outer, "status", "--porcelain").splitlines()
    assert "Added in v2." in (outer / "svc" / "proj" / "README.md").read_text()
