"""Lifecycle steps as transactions: all of a step lands on the user's branch, or none of it.

A step (update, add, graduate, overlay updates) runs in a *scratch copy* of the project: a
``git worktree`` of the user's repository, detached at its HEAD, in a private temporary
folder. Copier's own temporary clones go there too (``TMPDIR`` and ``tempfile.tempdir``
point into it). The user's branch and work tree are touched only at the end, by one of:

- ``fast_forward``: the step succeeded cleanly - the branch moves to the step's commits
  (``git merge --ff-only``, which git does all or nothing);
- ``apply_uncommitted``: the step needs the user (conflicts, changes not applied) - its
  result is written into the work tree *uncommitted*, the branch stays at its last commit;
- ``create_branch``: the result is committed on a new branch; the current one is untouched.

SIGINT and SIGTERM raise ``KeyboardInterrupt`` while the step runs (SIGTERM's default
would kill the process before any clean-up), and are held back while the result is being
published and while the scratch copy is removed, so an interrupted step leaves the project
at its last commit and no temporary folder behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from generator import git
from generator.errors import MljourneyError, UsageError


@dataclass(frozen=True)
class Transaction:
    """A lifecycle step in progress.

    ``work`` is the project folder inside the scratch worktree (where Copier runs);
    ``project`` is the user's; ``prefix`` is the project's path inside the repository
    ('' when the project is the repository's top); ``base`` the commit the step started
    from; ``scratch`` a private folder deleted at the end (for renders the step needs).
    """

    project: Path
    top: Path
    prefix: str
    base: str
    work: Path
    scratch: Path


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM raises ``KeyboardInterrupt`` like SIGINT does, so clean-up code runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back for a section that must complete; re-raise after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, remember) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt(signal.Signals(received[0]).name)


@contextlib.contextmanager
def private_tempdir(scratch: Path) -> Iterator[Path]:
    """Point ``tempfile`` and child processes' ``TMPDIR`` into ``scratch/tmp``."""
    tmp = scratch / "tmp"
    tmp.mkdir(exist_ok=True)
    saved_tempdir = tempfile.tempdir
    saved_env = os.environ.get("TMPDIR")
    tempfile.tempdir = str(tmp)
    os.environ["TMPDIR"] = str(tmp)
    try:
        yield tmp
    finally:
        tempfile.tempdir = saved_tempdir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env


def require_clean(project: Path) -> None:
    """Refuse a project with uncommitted changes (a step must start from a commit)."""
    dirty = git.dirty_files(project)
    if dirty:
        shown = ", ".join(dirty[:5]) + (" ..." if len(dirty) > 5 else "")
        raise UsageError(
            f"{project} has uncommitted changes ({shown}); commit or stash them first, "
            "so the template's changes can be merged with yours"
        )


def _remove_worktree(top: Path, worktree: Path) -> None:
    git.run(top, "worktree", "remove", "--force", str(worktree), check=False)
    shutil.rmtree(worktree, ignore_errors=True)
    git.run(top, "worktree", "prune", check=False)


@contextlib.contextmanager
def transaction(project: Path, *, require_clean_tree: bool = True) -> Iterator[Transaction]:
    """A scratch worktree of ``project``'s repository at HEAD; removed whatever happens.

    Raises ``UsageError`` when the project has uncommitted changes (unless
    ``require_clean_tree`` is false) and ``MljourneyError`` when it is not in a git
    repository or has no commit.
    """
    project = project.resolve()
    top = git.toplevel(project)
    prefix = git.show_prefix(project)
    base = git.head(project)
    if require_clean_tree:
        require_clean(project)
    with interruptible():
        scratch = Path(tempfile.mkdtemp(prefix="mljourney-step-"))
        worktree = scratch / "worktree"
        try:
            with private_tempdir(scratch):
                git.run(
                    top,
                    "-c",
                    "core.hooksPath=/dev/null",
                    "worktree",
                    "add",
                    "--quiet",
                    "--detach",
                    str(worktree),
                    base,
                )
                work = worktree / prefix if prefix else worktree
                if not work.is_dir():
                    raise MljourneyError(f"{project} has no committed files yet: commit it first")
                yield Transaction(project, top, prefix, base, work, scratch)
        finally:
            with signals_held():
                _remove_worktree(top, worktree)
                shutil.rmtree(scratch, ignore_errors=True)


def result_commit(tx: Transaction) -> str:
    """The commit the step ended at in the scratch worktree."""
    return git.head(tx.work)


def fast_forward(tx: Transaction) -> None:
    """Move the user's checked-out branch (or detached HEAD) to the step's result."""
    new = result_commit(tx)
    if new == tx.base:
        return
    with signals_held():
        if git.head(tx.project) != tx.base:
            raise MljourneyError(
                f"{tx.project} moved on while mljourney was working; nothing was changed"
            )
        git.run(tx.top, "merge", "--ff-only", "--quiet", new, new_session=True)


def apply_uncommitted(tx: Transaction) -> None:
    """Write the step's result into the user's work tree without committing it."""
    new = result_commit(tx)
    if new == tx.base:
        return
    patch = git.run(
        tx.top, "diff", "--binary", "--no-renames", tx.base, new, "--", f":/{tx.prefix}"
    ).stdout
    with signals_held():
        git.run(tx.top, "apply", "--whitespace=nowarn", input_text=patch, new_session=True)


def create_branch(tx: Transaction, name: str) -> None:
    """Point the new branch ``name`` at the step's result; the current branch stays."""
    with signals_held():
        git.run(tx.top, "branch", name, result_commit(tx), new_session=True)


def check_branch_name(project: Path, name: str) -> None:
    """Refuse a branch name git rejects or that already exists (usage errors)."""
    if not git.valid_branch_name(project, name):
        raise UsageError(f"'{name}' is not a valid git branch name")
    if git.branch_exists(project, name):
        raise UsageError(f"branch '{name}' already exists; pick another name or delete it")
