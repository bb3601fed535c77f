"""The few git operations mljourney needs on a generated project.

Every failure becomes an ``MljourneyError`` with git's own message on one line. Paths git
prints are relative to the repository's top; the functions here return them relative to
the *project* directory they were asked about, which may be a sub-folder of a bigger
repository (a monorepo).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from generator.errors import MljourneyError

# Used only for the parts of the identity the user has not configured, so a commit works.
FALLBACK_NAME = "mljourney"
FALLBACK_EMAIL = "mljourney@localhost"
# User hooks (pre-commit, husky, LFS) never run on mljourney's own scratch operations.
_NO_HOOKS = ("-c", "core.hooksPath=/dev/null")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def run(
    repo: Path,
    *args: str,
    check: bool = True,
    input_text: str | None = None,
    env: Mapping[str, str] | None = None,
    new_session: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``git args`` in ``repo``; with ``check`` a failure raises ``MljourneyError``.

    ``new_session`` starts git in its own session, so a Ctrl-C typed at the terminal does
    not reach it half-way through a step that must complete (publishing a result).
    """
    result = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        input=input_text,
        env=None if env is None else {**os.environ, **env},
        start_new_session=new_session,
    )
    if check and result.returncode != 0:
        detail = _one_line(result.stderr or result.stdout) or f"exit code {result.returncode}"
        raise MljourneyError(f"git {args[0]} failed in {repo}: {detail}")
    return result


def _config(repo: Path, key: str) -> str:
    return run(repo, "config", "--get", key, check=False).stdout.strip()


def identity_env(repo: Path) -> dict[str, str]:
    """Environment variables that fill the parts of the git identity nobody configured.

    Author and committer are checked separately (``GIT_AUTHOR_*``/``GIT_COMMITTER_*``,
    then ``author.*``/``committer.*``, ``user.*`` config, then ``EMAIL`` for emails, the
    order git itself uses); each missing name or email falls back to mljourney's.
    """
    env: dict[str, str] = {}
    user_name = _config(repo, "user.name")
    user_email = _config(repo, "user.email") or os.environ.get("EMAIL", "")
    for role in ("author", "committer"):
        upper = role.upper()
        if not (os.environ.get(f"GIT_{upper}_NAME") or _config(repo, f"{role}.name") or user_name):
            env[f"GIT_{upper}_NAME"] = FALLBACK_NAME
        if not (
            os.environ.get(f"GIT_{upper}_EMAIL") or _config(repo, f"{role}.email") or user_email
        ):
            env[f"GIT_{upper}_EMAIL"] = FALLBACK_EMAIL
    return env


def is_inside_work_tree(path: Path) -> bool:
    """Whether ``path`` is inside a git work tree."""
    result = run(path, "rev-parse", "--is-inside-work-tree", check=False)
    return result.stdout.strip() == "true"


def toplevel(path: Path) -> Path:
    """The top of the work tree holding ``path``; a clear error when there is none."""
    result = run(path, "rev-parse", "--show-toplevel", check=False)
    if result.returncode != 0:
        raise MljourneyError(
            f"{path} is not in a git repository; mljourney needs one to merge template "
            "changes with yours (git init && git add -A && git commit)"
        )
    return Path(result.stdout.strip())


def head(repo: Path) -> str:
    """The commit HEAD points at."""
    result = run(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    if result.returncode != 0:
        raise MljourneyError(f"{repo} has no commit yet: commit the project first")
    return result.stdout.strip()


def current_branch(repo: Path) -> str | None:
    """The checked-out branch, or ``None`` on a detached HEAD."""
    result = run(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return result.stdout.strip() or None


def branch_exists(repo: Path, name: str) -> bool:
    """Whether ``refs/heads/<name>`` exists."""
    result = run(repo, "show-ref", "--verify", "--quiet", f"refs/heads/{name}", check=False)
    return result.returncode == 0


def valid_branch_name(repo: Path, name: str) -> bool:
    """Whether git accepts ``name`` as a branch name."""
    return run(repo, "check-ref-format", "--branch", name, check=False).returncode == 0


def init_and_commit(repo: Path, message: str) -> None:
    """Make ``repo`` a git repository with one commit holding all its files."""
    run(repo, "init", "--quiet", "--initial-branch=main")
    commit(repo, message)


def commit(repo: Path, message: str) -> bool:
    """Commit everything under ``repo`` (a repository or a folder in one).

    Returns whether a commit was made (nothing changed: no commit).
    """
    run(repo, "add", "--all", "--", ".")
    if not run(repo, "status", "--porcelain", "--", ".").stdout.strip():
        return False
    run(
        repo,
        *_NO_HOOKS,
        "commit",
        "--quiet",
        "--no-verify",
        "--no-gpg-sign",
        "-m",
        message,
        env=identity_env(repo),
    )
    return True


def _strip_prefix(paths: list[str], prefix: str) -> list[str]:
    return [p.removeprefix(prefix) for p in paths if p.startswith(prefix)]


def show_prefix(path: Path) -> str:
    """``path`` relative to the top of its work tree, with a trailing ``/`` ('' at the top)."""
    return run(path, "rev-parse", "--show-prefix").stdout.strip()


def dirty_files(project: Path) -> list[str]:
    """Paths under ``project`` with uncommitted changes (staged, unstaged or untracked).

    Relative to ``project``, wherever the repository's top is.
    """
    if not is_inside_work_tree(project):
        toplevel(project)  # raises the "not in a git repository" error
    prefix = show_prefix(project)
    out = run(project, "status", "--porcelain", "-z", "--untracked-files=all", "--", ".").stdout
    entries = out.split("\0")
    paths = []
    skip = False
    for entry in entries:
        if skip:
            skip = False
            continue
        if not entry:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":
            skip = True  # the next entry is the rename's source
        paths.append(path)
    return _strip_prefix(paths, prefix)


def changed_files(project: Path, base: str, *, renames: bool = False) -> list[tuple[str, str, str]]:
    """``(status, path, new path)`` for every change under ``project`` since ``base``.

    Committed and uncommitted changes count; new untracked files appear with status ``A``.
    With ``renames`` git's rename detection pairs a deleted file with where it went
    (status ``R``, ``new path`` set); otherwise ``new path`` equals ``path``. Paths are
    relative to ``project``.
    """
    args = ["diff", "--name-status", "-z", "--relative"]
    args += ["-M"] if renames else ["--no-renames"]
    out = run(project, *args, base, "--", ".").stdout.split("\0")
    found: list[tuple[str, str, str]] = []
    index = 0
    while index < len(out) and out[index]:
        status = out[index]
        if status[0] in "RC":
            found.append((status[0], out[index + 1], out[index + 2]))
            index += 3
        else:
            found.append((status[0], out[index + 1], out[index + 1]))
            index += 2
    untracked = run(project, "ls-files", "-z", "--others", "--exclude-standard").stdout
    found += [("A", path, path) for path in untracked.split("\0") if path]
    return found


def last_commit_touching(project: Path, relative: str) -> str | None:
    """The newest commit that changed ``relative`` (under ``project``), if any."""
    out = run(project, "log", "-1", "--format=%H", "--", relative).stdout.strip()
    return out or None
