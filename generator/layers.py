"""Where each layer's versioned template comes from.

Copier records ``_commit`` (and so can update) only for a git repository root or a git
bundle. mljourney ships each layer as a git bundle holding one tag per released version.
The repository keeps only the *released* history (``generator/bundles/<layer>.bundle``,
changed by ``python -m generator.release`` when a version is cut); the current version's
tag is added from ``templates/`` when a wheel is built (``hatch_build.py``) or, in a
checkout, on first use (cached by content under ``.dev-bundles/``). So a template edit
needs no binary diff, and the same content always gives the same commit on any machine.
Before rendering, the bundle is installed at a
fixed per-user path, ``~/.local/share/mljourney/layers/<layer>.bundle``, and that path is
recorded *literally* (with ``~``) as ``_src_path``. On any machine with the same or a newer
mljourney, the bundle at that path carries every released version, so Copier's 3-way
update finds the old version - and plain ``copier update`` works too.
An organisation can point a layer at its own git-hosted copy instead (see config.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator import __version__
from generator.errors import MljourneyError

if TYPE_CHECKING:
    from packaging.version import Version

LAYERS: tuple[str, ...] = ("poc", "production", "feedback-loop")
INSTALLED_BUNDLE_DIR = "~/.local/share/mljourney/layers"
_PACKAGE_DIR = Path(__file__).resolve().parent


def answers_file_name(layer: str) -> str:
    """The answers file a layer writes into the project."""
    return f".copier-answers.{layer}.yml"


def templates_dir() -> Path:
    """The template sources: inside the wheel, or ``templates/`` beside a checkout."""
    packaged = _PACKAGE_DIR / "templates"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / "templates"


def released_bundle(layer: str) -> Path:
    """The git bundle of ``layer``'s released versions kept in the repository (or wheel)."""
    return _PACKAGE_DIR / "bundles" / f"{layer}.bundle"


def packaged_bundle(layer: str) -> Path:
    """The git bundle of ``layer`` for this mljourney: every released tag plus this version.

    In a wheel the build hook already added this version's tag. In a checkout it is built
    from ``templates/<layer>`` on top of the released bundle and cached by content.
    """
    if (_PACKAGE_DIR / "templates").is_dir():
        return released_bundle(layer)
    return _checkout_bundle(layer)


def _checkout_bundle(layer: str) -> Path:
    from generator.release import build_bundle, template_files

    released = released_bundle(layer)
    template = templates_dir() / layer
    digest = hashlib.sha256(__version__.encode())
    if released.is_file():
        digest.update(released.read_bytes())
    for relative, source in template_files(template):
        digest.update(relative.encode() + b"\0" + source.read_bytes() + b"\0")
    cache = _PACKAGE_DIR.parent / ".dev-bundles"
    cached = cache / f"{layer}-{digest.hexdigest()[:16]}.bundle"
    if cached.is_file():
        return cached
    cache.mkdir(exist_ok=True)
    # Built privately, then moved in whole: parallel test workers may race to build it.
    with tempfile.TemporaryDirectory(dir=cache, prefix=f".{layer}-") as tmp:
        scratch = Path(tmp) / f"{layer}.bundle"
        if released.is_file():
            shutil.copyfile(released, scratch)
        build_bundle(template, scratch, __version__)
        os.replace(scratch, cached)
    return cached


def bundle_tags(bundle: Path) -> dict[str, str]:
    """Tag name -> commit of every tag in a git bundle."""
    result = subprocess.run(
        ["git", "bundle", "list-heads", str(bundle)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise MljourneyError(f"cannot read template bundle {bundle}: {result.stderr.strip()}")
    tags = {}
    for line in result.stdout.splitlines():
        commit, _, ref = line.partition(" ")
        if ref.startswith("refs/tags/"):
            tags[ref.removeprefix("refs/tags/")] = commit
    return tags


@dataclass(frozen=True)
class LayerSource:
    """What Copier is given as a layer's template source, and where it resolves now."""

    layer: str
    src_path: str

    @property
    def is_bundled(self) -> bool:
        return self.src_path.startswith(INSTALLED_BUNDLE_DIR)


def install_bundle(layer: str) -> LayerSource:
    """Put the shipped bundle of ``layer`` at its fixed per-user path; return the source.

    The installed bundle is replaced only by one that holds every tag it holds (a newer or
    equal mljourney), so an older mljourney never hides versions a newer one installed.
    """
    shipped = packaged_bundle(layer)
    if not shipped.is_file():
        raise MljourneyError(f"this mljourney install has no template bundle for '{layer}'")
    src_path = f"{INSTALLED_BUNDLE_DIR}/{layer}.bundle"
    installed = Path(os.path.expanduser(src_path))
    if installed.is_file():
        if installed.read_bytes() == shipped.read_bytes():
            return LayerSource(layer, src_path)
        shipped_tags = bundle_tags(shipped)
        installed_tags = bundle_tags(installed)
        keeps_history = all(tag in shipped_tags for tag in installed_tags)
        if not keeps_history:
            return LayerSource(layer, src_path)
    installed.parent.mkdir(parents=True, exist_ok=True)
    staging = installed.with_suffix(f".tmp-{os.getpid()}")
    shutil.copyfile(shipped, staging)
    os.replace(staging, installed)
    return LayerSource(layer, src_path)


def resolve_sources(overrides: Mapping[str, str] | None = None) -> dict[str, LayerSource]:
    """The source of every layer: the organisation's override, else the shipped bundle."""
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(LAYERS))
    if unknown:
        raise MljourneyError(f"unknown layer '{unknown[0]}' in template sources")
    return {
        layer: LayerSource(layer, overrides[layer]) if layer in overrides else install_bundle(layer)
        for layer in LAYERS
    }


def latest_version(source: LayerSource) -> str | None:
    """The newest released version of a layer source that is a bundle, else ``None``."""
    if not source.is_bundled:
        return None
    versions = released_versions(bundle_tags(Path(os.path.expanduser(source.src_path))))
    return versions[-1] if versions else None


# `git describe` output for a commit after a tag: "v0.1.0-3-gabc1234" is read as v0.1.0.
_DESCRIBE_SUFFIX = re.compile(r"-\d+-g[0-9a-f]+$")


def parse_version(text: str) -> Version | None:
    """The PEP 440 version of a tag or ``git describe`` output, or None when it is not one."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(_DESCRIBE_SUFFIX.sub("", text))
    except InvalidVersion:
        return None


def version_key(text: str) -> tuple[int, Version | str]:
    """A sort key: every non-version (by text) before every version (by PEP 440 order)."""
    parsed = parse_version(text)
    return (0, text) if parsed is None else (1, parsed)


def released_versions(tags: Iterable[str]) -> list[str]:
    """The tags that are versions, oldest first (PEP 440 order, as Copier sorts them)."""
    return sorted(
        (t for t in tags if parse_version(t) is not None and not _DESCRIBE_SUFFIX.search(t)),
        key=version_key,
    )
