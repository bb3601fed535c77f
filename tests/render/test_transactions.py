"""Issue 9: lifecycle commands are transactions, honest about conflicts, never outside the project.

Each scenario of the issue is a test here (its number in the name), with variants of the
same kind. Exit codes: 0 committed, 1 failed (nothing changed), 2 usage error, 3 conflicts
or template changes not applied (result uncommitted in the work tree), 130 interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import git as mlgit
from generator.cli import main
from tests.conftest import build_file_tree, git

AUTHOR = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL")
COMMITTER = ("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")
# A shell shows 130 either way: exit(130), or death by SIGINT (Python's convention when a
# KeyboardInterrupt ends the interpreter), which subprocess reports as -2.
INTERRUPTED = (130, -signal.SIGINT)
XGBOOST = '    "xgboost>=2,<4",\n'


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def new(dest: Path, *args: str) -> None:
    code, out, err = run_cli("new", str(dest), "--defaults", *args)
    assert code == 0, out + err


def add_dependency(pyproject: Path) -> None:
    text = pyproject.read_text()
    # The last core dependency: the feedback-loop layer's block is added right below it, so
    # a team's line here and the layer's lines meet in one hunk (a real conflict).
    anchor = '    "scikit-learn>=1.7,<1.10",\n'
    assert anchor in text
    pyproject.write_text(text.replace(anchor, anchor + XGBOOST))


def status(repo: Path) -> str:
    return git(repo, "status", "--porcelain")


def no_scratch_left(repo: Path) -> None:
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMPDIR for the command under test, to see what it leaves behind."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # gettempdir() caches TMPDIR
    return tmp


# --- 1: a project inside a bigger repository -----------------------------------------------


@pytest.fixture
def mono(tmp_path: Path) -> Path:
    """mono/svc/p: a prototyping project committed inside a bigger repository."""
    mono = tmp_path / "mono"
    (mono / "svc" / "p").mkdir(parents=True)
    (mono / "svc" / "p" / "NOTES.md").write_text("notes\n")
    git(mono, "init", "-q", "-b", "main")
    git(mono, "add", "-A")
    git(mono, "commit", "-qm", "init")
    new(mono / "svc" / "p", "--into-existing", "--stage", "prototyping", "--data", "project_name=p")
    git(mono, "add", "-A")
    git(mono, "commit", "-qm", "add p")
    return mono


def test_1_conflicts_in_a_nested_project_are_reported_never_committed(mono: Path) -> None:
    project = mono / "svc" / "p"
    add_dependency(project / "pyproject.toml")
    git(mono, "commit", "-qam", "p: add xgboost")
    head = git(mono, "rev-parse", "HEAD")

    code, _, err = run_cli("add", "feedback-loop", str(project))

    assert code == 3
    assert "conflicts marked inline" in err
    assert "  pyproject.toml" in err.splitlines()
    assert git(mono, "rev-parse", "HEAD") == head
    assert "<<<<<<<" not in git(mono, "show", "HEAD:svc/p/pyproject.toml")
    text = (project / "pyproject.toml").read_text()
    assert "<<<<<<<" in text and "xgboost" in text
    assert " M svc/p/pyproject.toml" in status(mono).splitlines()
    assert (project / ".copier-answers.feedback-loop.yml").is_file()  # uncommitted, to review
    no_scratch_left(mono)
    code, out, _ = run_cli("check", str(project))
    assert code != 0 and "pyproject.toml" in out and "conflict marker" in out


def test_1_nested_project_without_conflicts_is_committed(mono: Path, private_tmp: Path) -> None:
    project = mono / "svc" / "p"
    code, out, err = run_cli("graduate", str(project))
    assert code == 0, out + err
    assert status(mono) == ""
    no_scratch_left(mono)
    assert list(private_tmp.iterdir()) == []  # Copier's clones went into the step's scratch
    assert yaml.safe_load((project / ".copier-answers.poc.yml").read_text())["stage"] == "building"
    log = git(mono, "log", "--format=%s", "-3")
    assert "Add the production layer" in log
    # Only the project's folder changed.
    changed = git(mono, "diff", "--name-only", "HEAD~2", "HEAD").split()
    assert changed and all(path.startswith("svc/p/") for path in changed)


def test_1_update_dry_run_works_inside_a_bigger_repository(mono: Path) -> None:
    head = git(mono, "rev-parse", "HEAD")
    code, out, err = run_cli("update", "--dry-run", str(mono / "svc" / "p"))
    assert code == 0, out + err
    assert out.splitlines() == ["poc: up to date (v0.2.0)"]
    assert git(mono, "rev-parse", "HEAD") == head and status(mono) == ""


def test_1_dirt_elsewhere_in_the_bigger_repository_does_not_block(mono: Path) -> None:
    (mono / "other.txt").write_text("someone else's work\n")
    code, out, err = run_cli("graduate", str(mono / "svc" / "p"))
    assert code == 0, out + err
    assert status(mono).splitlines() == ["?? other.txt"]


def test_1_dirty_project_in_a_bigger_repository_names_its_own_paths(mono: Path) -> None:
    (mono / "svc" / "p" / "README.md").write_text("uncommitted\n")
    code, _, err = run_cli("graduate", str(mono / "svc" / "p"))
    assert code == 2
    assert "uncommitted changes (README.md)" in err


# --- 2: interrupted at any moment -------------------------------------------------------------


@pytest.fixture
def poc_with_team_line(tmp_path: Path) -> Path:
    project = tmp_path / "g"
    new(project, "--stage", "prototyping", "--data", "project_name=g")
    with (project / "README.md").open("a") as readme:
        readme.write("\nOur team's line.\n")
    git(project, "commit", "-qam", "team line")
    return project


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_2_interrupted_graduate_leaves_the_last_commit_and_no_temp_files(
    poc_with_team_line: Path, private_tmp: Path, sig: signal.Signals
) -> None:
    project = poc_with_team_line
    head = git(project, "rev-parse", "HEAD")
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "graduate", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupt once the step is under way: its scratch worktree exists.
    deadline = time.monotonic() + 60
    while not list((project / ".git" / "worktrees").glob("*")) and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)

    assert process.returncode in INTERRUPTED, err
    assert "interrupted" in err and "Traceback" not in err
    assert git(project, "rev-parse", "HEAD") == head
    assert status(project) == ""
    assert "Our team's line." in (project / "README.md").read_text()
    assert yaml.safe_load((project / ".copier-answers.poc.yml").read_text())["stage"] == (
        "prototyping"
    )
    no_scratch_left(project)
    assert list(private_tmp.iterdir()) == []
    # And the command works when run again.
    code, out, err = run_cli("graduate", str(project))
    assert code == 0, out + err


def test_2_interrupted_new_leaves_nothing(tmp_path: Path, private_tmp: Path) -> None:
    dest = tmp_path / "n"
    command = [sys.executable, "-m", "generator", "new", str(dest), "--defaults"]
    process = subprocess.Popen(
        [*command, "--data", "project_name=n", "--stage", "building"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(private_tmp.glob("mljourney-new-*")) and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.02)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)

    assert process.returncode in INTERRUPTED, err
    assert not dest.exists()
    assert list(private_tmp.iterdir()) == []


def test_2_a_failure_in_the_middle_of_a_step_changes_nothing(
    poc_with_team_line: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import lifecycle
    from generator.errors import MljourneyError

    project = poc_with_team_line
    head = git(project, "rev-parse", "HEAD")

    def broken(*args: object, **kwargs: object) -> None:
        raise MljourneyError("rendering the production layer failed: disk full")

    monkeypatch.setattr(lifecycle, "_add_layer_files", broken)
    code, _, err = run_cli("graduate", str(project))

    assert code == 1
    assert err.strip() == "mljourney: error: rendering the production layer failed: disk full"
    assert git(project, "rev-parse", "HEAD") == head and status(project) == ""
    no_scratch_left(project)
    assert list(private_tmp.iterdir()) == []


# --- 3: a file the team renamed ---------------------------------------------------------------


def rename_cli(project: Path, *, edit: bool = False) -> None:
    git(project, "mv", "src/p/cli.py", "src/p/app.py")
    if edit:  # the team also rewrote the lines the template changes
        app = project / "src" / "p" / "app.py"
        text = app.read_text()
        # The function's last lines: the production layer's lines are added right below them.
        last = '            f" run {version.run_id}"\n        )\n'
        assert text.endswith(last)
        app.write_text(
            text.removesuffix(last) + '            f" run {version.run_id}",\n        )\n'
        )
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"p.cli:main"', '"p.app:main"'))
    git(project, "commit", "-qam", "rename cli to app")


def test_3_template_change_follows_a_file_the_team_renamed(tmp_path: Path) -> None:
    project = tmp_path / "p"
    new(project, "--stage", "prototyping", "--data", "project_name=p")
    rename_cli(project)

    code, out, err = run_cli("graduate", str(project))

    assert code == 0, out + err
    assert (
        "the template's change to src/p/cli.py was applied to src/p/app.py (renamed by you)" in out
    )
    app = (project / "src" / "p" / "app.py").read_text()
    assert "from p.production.commands import production_commands" in app
    assert not (project / "src" / "p" / "cli.py").exists()
    assert status(project) == ""


def test_3_template_change_to_a_renamed_and_edited_file_is_reported(tmp_path: Path) -> None:
    project = tmp_path / "p"
    new(project, "--stage", "prototyping", "--data", "project_name=p")
    rename_cli(project, edit=True)
    head = git(project, "rev-parse", "HEAD")

    code, _, err = run_cli("graduate", str(project))

    assert code == 3
    assert (
        "src/p/cli.py: the team renamed src/p/cli.py to src/p/app.py and the poc template "
        "changed src/p/cli.py: apply the template's change to src/p/app.py by hand"
    ) in err
    assert "+from p.production.commands import production_commands" in err  # the change
    assert git(project, "rev-parse", "HEAD") == head
    assert (project / "tests" / "production").is_dir()  # the result waits, uncommitted
    assert "production_commands" not in (project / "src" / "p" / "app.py").read_text()


def test_3_template_change_to_a_deleted_file_is_reported(tmp_path: Path) -> None:
    from generator.lifecycle import graduate

    project = tmp_path / "p"
    new(project, "--stage", "prototyping", "--data", "project_name=p")
    git(project, "rm", "-q", "README.md")
    git(project, "commit", "-qm", "we keep our docs elsewhere")

    report = graduate(project)

    assert [(i.path, i.moved_to) for i in report.not_applied] == [("README.md", None)]
    assert "the team deleted README.md" in report.not_applied[0].reason
    assert report.outcome == "uncommitted"


# --- 4: links out of the destination ----------------------------------------------------------


@pytest.mark.parametrize("absolute", [False, True])
def test_4_new_refuses_to_write_through_a_symlinked_folder(tmp_path: Path, absolute: bool) -> None:
    shared = tmp_path / "shared" / "team-docs"
    shared.mkdir(parents=True)
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "docs").symlink_to(shared if absolute else Path("../shared/team-docs"))

    code, _, err = run_cli("new", str(proj), "--into-existing", "--defaults", "--no-git")

    assert code == 2
    assert "docs in" in err and "is a symbolic link" in err
    assert list(shared.iterdir()) == []
    assert [p.name for p in proj.iterdir()] == ["docs"]


def test_4_graduate_never_writes_through_a_committed_link(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    project = tmp_path / "p"
    new(project, "--stage", "prototyping", "--data", "project_name=p")
    (project / "docs" / "production.md").parent.exists()
    git(project, "mv", "docs", "our-docs")
    (project / "docs").symlink_to(shared)  # absolute: outside the repository too
    git(project, "add", "-A")
    git(project, "commit", "-qm", "docs live in the shared folder")
    head = git(project, "rev-parse", "HEAD")

    code, _, err = run_cli("graduate", str(project))

    assert code == 2
    assert "is a symbolic link" in err
    assert list(shared.iterdir()) == []
    assert git(project, "rev-parse", "HEAD") == head and status(project) == ""


# --- 5: answers escaped for each format; invalid files never published; check validates -----


@pytest.mark.parametrize(
    "description",
    ["Churn model 🚀", 'Say "hi" \\ bye', "Tab\there", "\U0001d518 mathematical ✓ 中文"],
)
def test_5_answers_with_emoji_and_quotes_give_a_valid_pyproject(
    tmp_path: Path, description: str
) -> None:
    project = tmp_path / "p"
    new(project, "--data", "project_name=p", "--data", f"description={description}")
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["description"] == description


def test_5_check_flags_an_invalid_file(tmp_path: Path) -> None:
    project = tmp_path / "p"
    new(project, "--data", "project_name=p")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[project]", "[project", 1))
    code, out, _ = run_cli("check", str(project), "--format", "json")
    assert code != 0
    assert "pyproject.toml is not valid TOML" in out


def test_5_an_invalid_rendered_file_is_never_published(tmp_path: Path) -> None:
    overlay = build_file_tree(
        tmp_path / "overlay",
        {
            "copier.yml": "team: {type: str, default: 'a\"b'}\n",
            "settings.json.jinja": '{"team": "{{ team }}"}\n',
        },
    )
    dest = tmp_path / "p"
    code, _, err = run_cli(
        "new", str(dest), "--defaults", "--data", "project_name=p",
        "--overlay", str(overlay),
    )  # fmt: skip
    assert code == 1
    assert "settings.json is not valid JSON" in err
    assert not dest.exists()


# --- 7 and 10: overlays: one line for template errors; --trust for unsafe features ---------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{{ project_name | nosuchfilter }}", "No filter named 'nosuchfilter'"),
        ("{% if %}", "template error"),
        ("{{ missing.attribute }}", "template error"),
    ],
)
def test_7_a_broken_overlay_template_is_one_line(tmp_path: Path, body: str, expected: str) -> None:
    overlay = build_file_tree(
        tmp_path / "overlay", {"copier.yml": "_envops: {}\n", "NOTICE.md.jinja": body}
    )
    code, out, err = run_cli(
        "new", str(tmp_path / "p"), "--defaults", "--data", "project_name=p",
        "--overlay", str(overlay),
    )  # fmt: skip
    assert code == 1
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1 and expected in err
    assert not (tmp_path / "p").exists()


def test_10_an_overlay_with_tasks_needs_trust(tmp_path: Path) -> None:
    overlay = build_file_tree(
        tmp_path / "overlay",
        {
            "copier.yml": '_tasks:\n  - "echo ran > tasked.txt"\n',
            "NOTICE.md": "ours\n",
        },
    )
    args = ["new", str(tmp_path / "p"), "--defaults", "--data", "project_name=p"]
    code, _, err = run_cli(*args, "--overlay", str(overlay))
    assert code == 1
    assert "run again with mljourney's --trust option" in err
    assert "copier copy/update" not in err
    assert not (tmp_path / "p").exists()

    code, out, err = run_cli(*args, "--overlay", str(overlay), "--trust")
    assert code == 0, out + err
    assert (tmp_path / "p" / "tasked.txt").read_text().strip() == "ran"


# --- 9: git identity from the environment only ------------------------------------------------


def test_9_author_from_the_environment_without_committer_still_commits(
    poc_with_team_line: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ada@example.invalid")
    for name in ("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    project = poc_with_team_line

    code, out, err = run_cli("graduate", str(project))

    assert code == 0, out + err
    assert git(project, "log", "-1", "--format=%an <%ae> / %cn <%ce>").strip() == (
        "Ada <ada@example.invalid> / mljourney <mljourney@localhost>"
    )


@pytest.mark.parametrize(
    ("env", "config", "expected"),
    [
        ({}, "", {*AUTHOR, *COMMITTER}),
        ({"GIT_COMMITTER_NAME": "C", "GIT_COMMITTER_EMAIL": "c@x"}, "", set(AUTHOR)),
        ({}, "[user]\n\tname = U\n", {"GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"}),
        ({"EMAIL": "e@x"}, "[user]\n\tname = U\n", set()),
        ({}, "[author]\n\tname = A\n\temail = a@x\n[user]\n\tname = U\n\temail = u@x\n", set()),
    ],
)  # fmt: skip
def test_9_each_missing_part_of_the_identity_falls_back(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    config: str,
    expected: set[str],
) -> None:
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(config)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    for name in ("NAME", "EMAIL"):
        for role in ("AUTHOR", "COMMITTER"):
            monkeypatch.delenv(f"GIT_{role}_{name}", raising=False)
    monkeypatch.delenv("EMAIL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert set(mlgit.identity_env(tmp_path)) == expected


def test_git_failure_is_one_line(tmp_path: Path) -> None:
    project = tmp_path / "p"
    new(project, "--data", "project_name=p", "--no-git")
    code, out, err = run_cli("update", str(project))
    assert code == 1
    assert "is not in a git repository" in err
    assert "Traceback" not in out + err and len(err.strip().splitlines()) == 1
    assert os.listdir(project)  # untouched


# --- variants: overlay updates are steps of the same transaction ------------------------------


def copier_overlay_version(root: Path, text: str, tag: str) -> Path:
    build_file_tree(
        root,
        {
            "copier.yml": "_subdirectory: t\nproject_name: {type: str, default: x}\n",
            "t/ci-settings.yml.jinja": text,
            "t/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
        },
    )
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", tag)
    git(root, "tag", tag)
    return root


@pytest.fixture
def with_overlay(tmp_path: Path) -> tuple[Path, Path]:
    overlay = copier_overlay_version(tmp_path / "acme-ci", "pipeline: {{ project_name }}\n", "v1")
    project = tmp_path / "p"
    new(project, "--data", "project_name=p", "--overlay", str(overlay))
    return project, overlay


def test_overlay_update_with_a_template_error_is_one_line_and_changes_nothing(
    with_overlay: tuple[Path, Path],
) -> None:
    project, overlay = with_overlay
    head = git(project, "rev-parse", "HEAD")
    copier_overlay_version(overlay, "pipeline: {{ project_name | nosuchfilter }}\n", "v2")

    code, out, err = run_cli("update", str(project))

    assert code == 1
    assert "No filter named 'nosuchfilter'" in err and "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1
    assert git(project, "rev-parse", "HEAD") == head and status(project) == ""
    no_scratch_left(project)


def test_overlay_update_conflict_is_left_uncommitted(with_overlay: tuple[Path, Path]) -> None:
    project, overlay = with_overlay
    (project / "ci-settings.yml").write_text("pipeline: ours\n")
    git(project, "commit", "-qam", "our pipeline")
    head = git(project, "rev-parse", "HEAD")
    copier_overlay_version(overlay, "pipeline: {{ project_name }}-v2\n", "v2")

    code, out, err = run_cli("update", str(project))

    assert code == 3, out + err
    assert "CONFLICT ci-settings.yml" in out and "  ci-settings.yml" in err.splitlines()
    assert git(project, "rev-parse", "HEAD") == head
    assert "<<<<<<<" in (project / "ci-settings.yml").read_text()
