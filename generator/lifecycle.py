"""Keeping a project on the standard over time: update, add a layer, graduate.

Each step is a Copier operation on one layer followed by a git commit, because Copier's
3-way update refuses a dirty work tree and a commit per step keeps the history readable
(and each step revertable). Layers are always handled in the order poc -> production ->
feedback-loop: later layers are rendered on top of the core.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import git
from generator.config import OrgConfig, load_config
from generator.errors import UsageError
from generator.journey import PRODUCTION_STAGES, next_stage
from generator.layers import (
    INSTALLED_BUNDLE_DIR,
    LAYERS,
    LayerSource,
    bundle_tags,
    install_bundle,
    latest_version,
)
from generator.overlay import read_overlays
from generator.project import Project, load_project, read_answers
from generator.render import render_layer, update_layer, update_overlay
from generator.scaffold import Destination, publish, relative_files

_CONFLICT = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)
ADDABLE_LAYERS: tuple[str, ...] = ("feedback-loop", "production")


@dataclass(frozen=True)
class LayerChange:
    """What one step did to one layer."""

    layer: str
    action: str
    from_version: str | None
    to_version: str | None
    changed_files: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


@dataclass
class LifecycleReport:
    """Every step of an update, add or graduate, in order."""

    changes: list[LayerChange] = field(default_factory=list)

    @property
    def conflicts(self) -> list[str]:
        return sorted({path for change in self.changes for path in change.conflicts})


def _require_clean(root: Path) -> None:
    dirty = git.dirty_files(root)
    if dirty:
        shown = ", ".join(dirty[:5]) + (" ..." if len(dirty) > 5 else "")
        raise UsageError(
            f"{root} has uncommitted changes ({shown}); commit or stash them first, "
            "so the template's changes can be merged with yours"
        )


def _source_for(project: Project, layer: str) -> LayerSource:
    """The layer's recorded source, with a shipped bundle (re)installed at its path."""
    src_path = project.layers[layer].src_path
    if src_path is None:
        raise UsageError(
            f"{project.root}: the {layer} layer has no recorded template source (_src_path)"
        )
    if src_path.startswith(INSTALLED_BUNDLE_DIR):
        return install_bundle(layer)
    return LayerSource(layer, src_path)


def _head(root: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def _changed_since(root: Path, commit: str) -> tuple[str, ...]:
    """Files that differ from ``commit``, including new untracked ones."""
    tracked = subprocess.run(
        ["git", "diff", "--name-only", commit],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return tuple(sorted(set(tracked) | set(untracked)))


def conflicts_in(root: Path, paths: tuple[str, ...]) -> tuple[str, ...]:
    """Which of ``paths`` hold inline conflict markers or are Copier ``.rej`` leftovers."""
    found = []
    for relative in paths:
        path = root / relative
        if relative.endswith(".rej"):
            found.append(relative)
            continue
        try:
            if path.is_file() and _CONFLICT.search(path.read_text(encoding="utf-8")):
                found.append(relative)
        except (UnicodeDecodeError, OSError):
            continue
    return tuple(found)


def _update_step(
    project: Project,
    layer: str,
    *,
    data: Mapping[str, Any] | None,
    vcs_ref: str | None,
    action: str,
    message: str,
) -> LayerChange:
    """One Copier update of ``layer``, committed; returns what it changed."""
    root = project.root
    before = _head(root)
    from_version = project.layers[layer].commit
    _source_for(project, layer)
    update_layer(root, layer, data, vcs_ref=vcs_ref)
    changed = _changed_since(root, before)
    conflicts = conflicts_in(root, changed)
    to_version = load_project(root).layers[layer].commit
    git.commit(root, message.format(layer=layer, to=to_version))
    return LayerChange(layer, action, from_version, to_version, changed, conflicts)


def update_project(root: Path, *, dry_run: bool = False) -> LifecycleReport:
    """Bring every applied layer to its newest template version (3-way merge).

    With ``dry_run`` the update runs on a throw-away copy of the project and the report
    says what would change; the project itself is not touched.
    """
    project = load_project(root)
    _require_clean(root)
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="mljourney-dry-run-") as tmp:
            copy = Path(tmp) / root.name
            shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns(".venv"))
            return update_project(copy)
    report = LifecycleReport()
    for layer in LAYERS:
        if layer not in project.layers:
            continue
        source = _source_for(project, layer)
        current = project.layers[layer].commit
        newest = latest_version(source)
        if newest is not None and newest == current:
            report.changes.append(LayerChange(layer, "up to date", current, current))
            continue
        report.changes.append(
            _update_step(
                load_project(root),
                layer,
                data=None,
                vcs_ref=None,
                action="updated",
                message="Update the {layer} layer to {to} (mljourney update)",
            )
        )
    report.changes.extend(_update_overlays(root))
    return report


def _update_overlays(root: Path) -> list[LayerChange]:
    """Update Copier overlays that record a version; say why the others are left as they are."""
    changes = []
    for overlay in read_overlays(root):
        label = f"overlay {overlay.name}"
        answers = read_answers(root / overlay.answers_file) if overlay.answers_file else {}
        if overlay.kind != "copier" or "_commit" not in answers or overlay.answers_file is None:
            reason = (
                "cookiecutter has no 3-way update"
                if overlay.kind != "copier"
                else ("its source is not a git repository, so no version is recorded")
            )
            changes.append(LayerChange(label, f"left as is ({reason})", None, None))
            continue
        before = _head(root)
        update_overlay(root, overlay.answers_file)
        changed = _changed_since(root, before)
        after = read_answers(root / overlay.answers_file).get("_commit")
        git.commit(root, f"Update {label} to {after} (mljourney update)")
        changes.append(
            LayerChange(
                label,
                "updated" if changed else "up to date",
                str(answers["_commit"]),
                None if after is None else str(after),
                changed,
                conflicts_in(root, changed),
            )
        )
    return changes


def _pinned_ref(source: LayerSource, version: str | None) -> str | None:
    """``version`` if the layer's shipped bundle has it, so all layers stay on one release."""
    if version is None or not source.is_bundled:
        return None
    tags = bundle_tags(Path(os.path.expanduser(source.src_path)))
    return version if version in tags else None


def _add_layer_files(
    project: Project,
    layer: str,
    data: Mapping[str, Any],
    vcs_ref: str | None,
    config: OrgConfig | None = None,
) -> LayerChange:
    """Render a new layer beside the project's files and commit it; never overwrite."""
    root = project.root
    source = _source_for_new_layer(project, layer, config)
    ref = _pinned_ref(source, vcs_ref)
    staging = Path(tempfile.mkdtemp(prefix=f"mljourney-add-{layer}-"))
    try:
        render_layer(source, staging, data, vcs_ref=ref)
        files = tuple(sorted(str(p) for p in relative_files(staging)))
        publish(staging, Destination(root, into_existing=True))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    version = load_project(root).layers[layer].commit
    git.commit(root, f"Add the {layer} layer {version} (mljourney)")
    return LayerChange(layer, "added", None, version, files)


def _source_for_new_layer(
    project: Project, layer: str, config: OrgConfig | None = None
) -> LayerSource:
    """A new layer comes from where the core came from: the shipped bundles or the org's.

    ``config`` is the organisation config (``--config``); ``None`` reads $MLJOURNEY_CONFIG.
    """
    core_src = project.core.src_path or ""
    if core_src.startswith(INSTALLED_BUNDLE_DIR):
        return install_bundle(layer)
    sources = (config if config is not None else load_config(None)).template_sources
    if layer in sources:
        return LayerSource(layer, sources[layer])
    return install_bundle(layer)


def add_layer(root: Path, layer: str, *, config: OrgConfig | None = None) -> LifecycleReport:
    """Add ``layer`` to an existing project, reusing the answers already given.

    ``config``: the organisation config whose template sources a new layer comes from
    when the project does not use the shipped bundles (``None``: $MLJOURNEY_CONFIG).
    """
    if layer not in ADDABLE_LAYERS:
        raise UsageError(f"unknown layer '{layer}': choose one of {', '.join(ADDABLE_LAYERS)}")
    project = load_project(root)
    if layer in project.layers:
        raise UsageError(f"{root} already has the {layer} layer")
    if layer == "production":
        return graduate(root, config=config)
    _require_clean(root)
    report = LifecycleReport()
    core_version = project.core.commit
    report.changes.append(
        _update_step(
            project,
            "poc",
            data={"feedback_loop": True},
            vcs_ref=core_version,
            action="answer feedback_loop=true",
            message="Enable the feedback loop in the core ({layer} layer {to})",
        )
    )
    project = load_project(root)
    data = {**project.user_answers("poc"), "feedback_loop": True}
    report.changes.append(_add_layer_files(project, layer, data, core_version, config))
    return report


def graduate(root: Path, *, config: OrgConfig | None = None) -> LifecycleReport:
    """Move a PoC to production: same answers, code and docs; the production layer on top.

    ``config``: as for :func:`add_layer`.
    """
    project = load_project(root)
    if "production" in project.layers:
        raise UsageError(f"{root} already has the production layer (stage {project.stage})")
    _require_clean(root)
    stage = project.stage
    new_stage = stage if stage in PRODUCTION_STAGES else next_stage(stage)
    core_version = project.core.commit
    report = LifecycleReport()
    answer_change = {"stage": new_stage, "is_production": True}
    report.changes.append(
        _update_step(
            project,
            "poc",
            data=answer_change,
            vcs_ref=core_version,
            action=f"stage {stage} -> {new_stage}",
            message=f"Graduate: stage {stage} -> {new_stage} in the core ({{layer}} layer {{to}})",
        )
    )
    project = load_project(root)
    data = {**project.user_answers("poc"), **answer_change}
    report.changes.append(_add_layer_files(project, "production", data, core_version, config))
    if "feedback-loop" in project.layers:
        project = load_project(root)
        report.changes.append(
            _update_step(
                project,
                "feedback-loop",
                data=answer_change,
                vcs_ref=project.layers["feedback-loop"].commit,
                action=f"stage {stage} -> {new_stage}",
                message="Graduate the {layer} layer ({to})",
            )
        )
    return report
