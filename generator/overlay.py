"""Overlays: an organisation's existing Copier or Cookiecutter template rendered on top.

Typical overlays add licence headers, CODEOWNERS or internal CI. Each is rendered into a
scratch directory first and moved in only if it overwrites none of the project's files.
Every overlay is recorded in ``.mljourney-overlays.yml`` so `check` and `update` know it:
a Copier overlay also keeps its own answers file (and is updated with a 3-way merge when
its source is a git repository); a Cookiecutter overlay records the files it created.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import MljourneyError, UsageError
from generator.render import render_overlay
from generator.safepath import refuse_writes_outside

OVERLAYS_FILE = ".mljourney-overlays.yml"
_COOKIECUTTER_PREFIX = "cookiecutter:"
_CONTEXT_KEYS = ("project_name", "package_name", "description", "organisation", "author_name")


@dataclass(frozen=True)
class Overlay:
    """One overlay as recorded in the project."""

    name: str
    source: str
    kind: str
    answers_file: str | None = None
    files: tuple[str, ...] = ()


def overlay_kind(source: str) -> str:
    """``cookiecutter`` for a ``cookiecutter:`` prefix or a folder with cookiecutter.json."""
    if source.startswith(_COOKIECUTTER_PREFIX):
        return "cookiecutter"
    local = Path(source).expanduser()
    if local.is_dir():
        if (local / "cookiecutter.json").is_file():
            return "cookiecutter"
        if not any((local / name).is_file() for name in ("copier.yml", "copier.yaml")):
            raise UsageError(
                f"overlay {source} is neither a Copier (copier.yml) nor a Cookiecutter "
                "(cookiecutter.json) template"
            )
    elif "://" not in source and not source.startswith(("git@", "gh:", "gl:")):
        raise UsageError(f"overlay {source} does not exist")
    return "copier"


def overlay_name(source: str) -> str:
    """A short name for files and messages: the source's last path part, slugified."""
    tail = source.removeprefix(_COOKIECUTTER_PREFIX).rstrip("/").rsplit("/", 1)[-1]
    tail = tail.removesuffix(".git").removesuffix(".bundle")
    return re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-") or "overlay"


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() or p.is_symlink())


def _move_in(scratch: Path, project: Path, name: str) -> tuple[str, ...]:
    files = _files(scratch)
    refuse_writes_outside(project, files)
    taken = [str(p) for p in files if (project / p).exists() or (project / p).is_symlink()]
    if taken:
        raise UsageError(f"overlay {name} would overwrite {', '.join(taken[:5])}")
    for relative in files:
        target = project / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(scratch / relative), str(target))
    return tuple(str(p) for p in files)


def _render_cookiecutter(source: str, scratch: Path, data: Mapping[str, Any]) -> Path:
    try:
        from cookiecutter.exceptions import CookiecutterException
        from cookiecutter.main import cookiecutter
    except ImportError as error:
        raise UsageError(
            "Cookiecutter overlays need cookiecutter: pip install 'mljourney[cookiecutter]'"
        ) from error
    context = {key: str(data[key]) for key in _CONTEXT_KEYS if key in data}
    try:
        output = cookiecutter(
            source.removeprefix(_COOKIECUTTER_PREFIX),
            no_input=True,
            extra_context=context,
            output_dir=str(scratch),
        )
    except (CookiecutterException, OSError, ValueError) as error:
        message = " ".join(str(error).split())
        raise MljourneyError(f"rendering the overlay {source} failed: {message}") from error
    return Path(output)


def apply_overlays(
    project: Path, sources: Sequence[str], data: Mapping[str, Any], *, trust: bool = False
) -> list[Overlay]:
    """Render each overlay beside the project's files and record it; never overwrite.

    ``trust`` allows Copier overlays that use tasks, migrations or Jinja extensions.
    """
    applied = []
    for source in sources:
        kind = overlay_kind(source)
        name = overlay_name(source)
        with tempfile.TemporaryDirectory(prefix=f"mljourney-overlay-{name}-") as tmp:
            scratch = Path(tmp)
            if kind == "cookiecutter":
                rendered = _render_cookiecutter(source, scratch, data)
                files = _move_in(rendered, project, name)
                applied.append(Overlay(name, source, kind, files=files))
            else:
                answers_file = f".copier-answers.overlay-{name}.yml"
                render_overlay(source, scratch, data, answers_file, trust=trust)
                files = _move_in(scratch, project, name)
                applied.append(Overlay(name, source, kind, answers_file=answers_file, files=files))
    if applied:
        record = [asdict(overlay) | {"files": list(overlay.files)} for overlay in applied]
        (project / OVERLAYS_FILE).write_text(
            yaml.safe_dump({"overlays": record}, sort_keys=False), encoding="utf-8"
        )
    return applied


def read_overlays(project: Path) -> list[Overlay]:
    """The overlays recorded in a project (none when the file is absent)."""
    path = project / OVERLAYS_FILE
    if not path.is_file():
        return []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return [
            Overlay(
                name=str(item["name"]),
                source=str(item["source"]),
                kind=str(item["kind"]),
                answers_file=item.get("answers_file"),
                files=tuple(item.get("files", [])),
            )
            for item in raw.get("overlays", [])
        ]
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
        raise UsageError(f"{path} is not a valid overlay record: {error}") from error
