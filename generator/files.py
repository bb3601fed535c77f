"""Scanning a project's files: which files count, reading them safely, Jinja leftovers.

`check` (conflict markers, forbidden patterns) and `smoke` (leftover Jinja) read a project
through these functions, so both skip the same folders and the same binary or huge files.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

# Never scanned: version control, environments, and data (big, and not ours to judge).
SKIPPED_DIRS: frozenset[str] = frozenset({".git", ".venv", "venv", "node_modules", "data", "lake"})
MAX_SCANNED_BYTES = 2_000_000
# `${{ ... }}` is GitHub Actions' own syntax, not a Jinja leftover.
JINJA_MARKER = re.compile(r"(?<!\$)\{\{|\{%")


def project_files(root: Path) -> list[Path]:
    """Files to scan, relative to ``root``, sorted, skipped directories left out.

    Git's view (tracked and untracked, not ignored) when the project is a git work tree,
    else every file under ``root``.
    """
    listed = _git_files(root)
    if listed is None:
        listed = list(walk(root))
    return sorted(p for p in listed if not SKIPPED_DIRS.intersection(p.parts[:-1]))


def _git_files(root: Path) -> list[Path] | None:
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    names = result.stdout.decode("utf-8", errors="replace").split("\0")
    return [Path(name) for name in dict.fromkeys(names) if name and (root / name).is_file()]


def walk(root: Path) -> Iterator[Path]:
    """Every file under ``root``, relative to it, skipped directories left out."""
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            yield (Path(directory) / name).relative_to(root)


def read_text(path: Path) -> str | None:
    """The file's UTF-8 text, or None for a file that is binary, unreadable or huge.

    Binary: a NUL byte in the first 8 KiB; huge: over ``MAX_SCANNED_BYTES`` bytes.
    """
    try:
        if path.stat().st_size > MAX_SCANNED_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def leftover_jinja(root: Path) -> list[str]:
    """Files of the project at ``root`` (relative paths) that still hold Jinja markers."""
    found = []
    for relative in project_files(root):
        text = read_text(root / relative)
        if text is not None and JINJA_MARKER.search(text):
            found.append(str(relative))
    return found


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of character ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1
