"""Build the layers' git bundles from ``templates/`` (a maintainer's tool).

``python -m generator.release`` cuts a release: it records the current content of each
``templates/<layer>`` as tag ``v<mljourney version>`` in the repository's released history,
``generator/bundles/<layer>.bundle``. Between releases nothing needs running: wheels and
checkouts add the current version's tag themselves (see ``generator.layers``). Earlier tags
are never touched, so projects made by earlier releases keep their ``_commit``. While a
version is unreleased, running it again moves that version's tag to the new content.
Commits are made with a fixed author and date, so the same content gives the same commit
and an unchanged layer leaves its bundle byte-for-byte as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from generator import __version__
from generator.layers import LAYERS, bundle_tags, released_bundle, templates_dir

_IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".ruff_cache", ".pytest_cache", ".mypy_cache", ".venv"
)
_FIXED_IDENTITY = {
    "GIT_AUTHOR_NAME": "mljourney release",
    "GIT_AUTHOR_EMAIL": "release@mljourney.invalid",
    "GIT_COMMITTER_NAME": "mljourney release",
    "GIT_COMMITTER_EMAIL": "release@mljourney.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000",
}


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, **_FIXED_IDENTITY, "GIT_CONFIG_GLOBAL": os.devnull}
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def build_bundle(template: Path, bundle: Path, version: str) -> bool:
    """Record ``template``'s content as tag ``v<version>`` in ``bundle``; True if it changed."""
    tag = f"v{version}"
    with tempfile.TemporaryDirectory(prefix="mljourney-release-") as tmp:
        repo = Path(tmp) / "repo"
        if bundle.is_file():
            _git(Path(tmp), "clone", "--quiet", str(bundle), str(repo))
            _git(repo, "checkout", "--quiet", "-B", "main")
            for existing in bundle_tags(bundle):
                _git(
                    repo,
                    "fetch",
                    "--quiet",
                    str(bundle),
                    f"refs/tags/{existing}:refs/tags/{existing}",
                )
        else:
            repo.mkdir()
            _git(repo, "init", "--quiet")
        tags = set(_git(repo, "tag", "--list").split())
        if tag in tags:
            parent = _previous_release(repo, tag)
            if parent is None:
                _git(repo, "checkout", "--quiet", "--orphan", "rebuild")
            else:
                _git(repo, "checkout", "--quiet", "-B", "rebuild", parent)
        for child in repo.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        _copy_template(template, repo)
        _git(repo, "add", "--all", "--force")
        _git(repo, "commit", "--quiet", "--allow-empty", "-m", f"{bundle.stem} {tag}")
        new_commit = _git(repo, "rev-parse", "HEAD")
        if tag in tags and _git(repo, "rev-parse", f"{tag}^{{commit}}") == new_commit:
            return False
        _git(repo, "tag", "--force", tag)
        _git(repo, "checkout", "--quiet", "-B", "main")
        bundle.parent.mkdir(parents=True, exist_ok=True)
        staging = bundle.with_suffix(".tmp")
        _git(repo, "bundle", "create", "--quiet", str(staging), "HEAD", "main", "--tags")
        os.replace(staging, bundle)
        return True


def template_files(template: Path) -> list[tuple[str, Path]]:
    """``(relative path, file)`` for every file of ``template`` a release takes, sorted.

    In a git checkout: the files git tracks or would track, so a work tree with ignored or
    build leftovers gives the same layer as a clean checkout. Elsewhere (an sdist): the
    folder less caches.
    """
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "."],
        cwd=template,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode == 0:
        relatives = list(filter(None, listed.stdout.split("\0")))
    else:
        relatives = [
            str(path.relative_to(template))
            for path in template.rglob("*")
            if path.is_file() and not _IGNORED("", list(path.relative_to(template).parts))
        ]
    files = [(relative, template / relative) for relative in relatives]
    # A file deleted in the work tree but still in the index is not taken.
    return sorted((relative, path) for relative, path in files if path.is_file())


def _copy_template(template: Path, repo: Path) -> None:
    for relative, source in template_files(template):
        target = repo / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _previous_release(repo: Path, tag: str) -> str | None:
    """The commit the (unreleased) ``tag`` was built on, or None for the first version."""
    parents = _git(repo, "rev-list", "--parents", "-n", "1", tag).split()
    return parents[1] if len(parents) > 1 else None


def main() -> None:
    """Record every layer's current templates as this version in the released history."""
    for layer in LAYERS:
        changed = build_bundle(templates_dir() / layer, released_bundle(layer), __version__)
        print(f"{layer}: {'updated' if changed else 'unchanged'} (v{__version__})")


if __name__ == "__main__":
    main()
