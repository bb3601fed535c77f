"""The few git operations mljourney needs on a generated project."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from generator.errors import MljourneyError

# Used only when the user has no git identity configured, so a first commit still works.
_FALLBACK_IDENTITY = ("-c", "user.name=mljourney", "-c", "user.email=mljourney@localhost")


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def _identity_args(repo: Path) -> tuple[str, ...]:
    has_identity = _run(repo, "config", "user.email").stdout.strip() or os.environ.get(
        "GIT_AUTHOR_EMAIL"
    )
    return () if has_identity else _FALLBACK_IDENTITY


def is_inside_work_tree(path: Path) -> bool:
    """Whether ``path`` is inside a git work tree."""
    return _run(path, "rev-parse", "--is-inside-work-tree").stdout.strip() == "true"


def init_and_commit(repo: Path, message: str) -> None:
    """Make ``repo`` a git repository with one commit holding all its files."""
    for args in (("init", "--quiet", "--initial-branch=main"), ("add", "--all")):
        result = _run(repo, *args)
        if result.returncode != 0:
            raise MljourneyError(f"git {args[0]} failed: {result.stderr.strip()}")
    commit(repo, message)


def commit(repo: Path, message: str) -> None:
    """Commit everything in the work tree (no-op when nothing changed)."""
    _run(repo, "add", "--all")
    if not _run(repo, "status", "--porcelain").stdout.strip():
        return
    result = _run(repo, *_identity_args(repo), "commit", "--quiet", "--no-verify", "-m", message)
    if result.returncode != 0:
        raise MljourneyError(f"git commit failed: {result.stderr.strip()}")


def dirty_files(repo: Path) -> list[str]:
    """Paths with uncommitted changes (staged, unstaged or untracked)."""
    result = _run(repo, "status", "--porcelain")
    if result.returncode != 0:
        raise MljourneyError(f"{repo} is not a git repository: {result.stderr.strip()}")
    return [line[3:] for line in result.stdout.splitlines()]
