"""Shared fixtures: every test gets its own HOME and git identity, nothing leaks out."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A fresh HOME (so installed bundles and caches start empty) and a known git identity."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    # uv's package cache is shared on purpose: it makes per-project environments cheap.
    uv_cache = os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
    monkeypatch.setenv("UV_CACHE_DIR", uv_cache)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.delenv("MLJOURNEY_CONFIG", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return home


def build_file_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: content}`` under ``root`` (the Copier test suite's helper)."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its stdout."""
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def copy_of_templates(tmp_path: Path) -> Iterator[Path]:
    """A scratch copy of templates/ that a test may change to make a new layer version."""
    target = tmp_path / "templates"
    shutil.copytree(
        REPO_ROOT / "templates",
        target,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", ".ruff_cache"),
    )
    yield target
