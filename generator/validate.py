"""Is every rendered file valid for its type? Checked before anything is published.

An answer with a quote, a backslash, a newline or an emoji must never give a
``pyproject.toml`` that no installer can read. Each file is parsed with the format's own
reader: TOML with ``tomllib`` (TOML 1.0), YAML with PyYAML's ``safe_load_all`` (CloudFormation
and GitHub Actions files use tags such as ``!Ref``, so unknown tags are accepted), JSON with
``json``, Python with ``compile`` (syntax only, nothing runs), notebooks with ``nbformat``'s
schema when it is installed, else as JSON with the top-level shape of nbformat 4.
Files holding conflict markers are skipped here: they are reported as conflicts.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import MljourneyError

_CONFLICT = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)
_SUFFIXES = (".toml", ".yml", ".yaml", ".json", ".py", ".ipynb")


@dataclass(frozen=True)
class InvalidFile:
    """A rendered file its format's parser rejects; ``path`` is relative to the project."""

    path: str
    kind: str
    reason: str

    def describe(self) -> str:
        return f"{self.path} is not valid {self.kind}: {self.reason}"


class _AnyTagLoader(yaml.SafeLoader):
    """SafeLoader that reads unknown tags (``!Ref``, ``!Sub``) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_AnyTagLoader.add_multi_constructor("!", _any_tag)


def _check_notebook(text: str) -> None:
    data = json.loads(text)
    try:
        import nbformat
    except ImportError:
        _check_notebook_shape(data)
        return
    notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]
    nbformat.validate(notebook)


def _check_notebook_shape(data: Any) -> None:
    """The top level of an nbformat 4 notebook, for when nbformat is not installed."""
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("a notebook is a JSON object with a list of cells")
    if not isinstance(data.get("nbformat"), int) or not isinstance(data.get("metadata"), dict):
        raise ValueError("a notebook needs an integer nbformat and a metadata object")
    for cell in data["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") not in {"code", "markdown", "raw"}:
            raise ValueError("every cell needs a cell_type of code, markdown or raw")


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return {
        ".toml": "TOML",
        ".yml": "YAML",
        ".yaml": "YAML",
        ".json": "JSON",
        ".py": "Python",
        ".ipynb": "a notebook",
    }.get(suffix)


def check_text(relative: str, text: str) -> InvalidFile | None:
    """Parse ``text`` as the type its name says; the problem, or ``None`` when valid."""
    kind = _kind(Path(relative))
    if kind is None or _CONFLICT.search(text):
        return None
    try:
        if kind == "TOML":
            tomllib.loads(text)
        elif kind == "YAML":
            for _ in yaml.load_all(text, Loader=_AnyTagLoader):  # a SafeLoader subclass
                pass
        elif kind == "JSON":
            json.loads(text)
        elif kind == "Python":
            compile(text, relative, "exec", dont_inherit=True)
        else:
            _check_notebook(text)
    except (ValueError, SyntaxError, yaml.YAMLError) as error:
        return InvalidFile(relative, kind, " ".join(str(error).split())[:200])
    except Exception as error:  # nbformat's ValidationError is not a ValueError
        return InvalidFile(relative, kind, " ".join(str(error).split())[:200])
    return None


def check_file(root: Path, relative: str) -> InvalidFile | None:
    """Check ``root / relative`` (a file that cannot be read as UTF-8 is invalid too)."""
    path = root / relative
    if _kind(path) is None or path.is_symlink() or not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return InvalidFile(relative, _kind(path) or "text", f"not UTF-8 ({error.reason})")
    except OSError as error:
        return InvalidFile(relative, _kind(path) or "text", str(error))
    return check_text(relative, text)


def _files_under(root: Path) -> Iterable[str]:
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if any(part in {".git", ".venv", "node_modules", "__pycache__"} for part in parts):
            continue
        if path.suffix.lower() in _SUFFIXES and path.is_file():
            yield str(path.relative_to(root))


def invalid_files(root: Path, paths: Iterable[str] | None = None) -> list[InvalidFile]:
    """Every file under ``root`` (or just ``paths``, relative to it) its parser rejects."""
    chosen = sorted(_files_under(root) if paths is None else paths)
    return [problem for rel in chosen if (problem := check_file(root, rel)) is not None]


def require_valid(
    root: Path,
    paths: Iterable[str] | None = None,
    *,
    before: Callable[[str], str | None] | None = None,
) -> None:
    """Raise ``MljourneyError`` naming the first invalid rendered files; nothing is published.

    ``before(path)`` gives a file's previous text, if any: a file that was already invalid
    before (the team's own doing) does not stop the step.
    """
    problems = [
        problem
        for problem in invalid_files(root, paths)
        if before is None
        or (previous := before(problem.path)) is None
        or check_text(problem.path, previous) is None
    ]
    if problems:
        shown = "; ".join(problem.describe() for problem in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise MljourneyError(
            f"the rendered project would have invalid files, so nothing was written: {shown}"
            f"{more}; an answer may hold characters this file type cannot take"
        )


def invalid_texts(texts: Mapping[Path, str]) -> list[tuple[str, str]]:
    """``(message, path)`` for each already-read project file its parser rejects (for check)."""
    problems = (check_text(str(path), text) for path, text in sorted(texts.items()))
    return [(problem.describe(), problem.path) for problem in problems if problem is not None]
