"""Keeping a project on the standard over time: update, add a layer, graduate.

Every command is one transaction (``generator.transaction``): its steps run in a scratch
git worktree of the project's repository, each step a Copier operation on one layer
followed by a commit there (Copier's 3-way update refuses a dirty work tree, and a commit
per step keeps the history readable). Only when every step is done, every changed file
parses (``generator.validate``) and nothing outside the project changed, the result is
published:

- clean: the user's branch is fast-forwarded to the steps' commits (exit 0);
- conflicts (inline ``<<<<<<<`` markers, ``.rej`` files) or template changes that could not
  be applied (a file the team renamed, moved or deleted that the new template version
  changes): the result is written into the work tree *uncommitted* and the branch stays at
  its last commit, for the team to resolve and commit (the CLI exits 3);
- ``branch``: committed on a new branch (conflict markers included: a review branch); the
  checked-out branch and the work tree are untouched.

Layers are always handled in the order poc -> production -> feedback-loop: later layers
are rendered on top of the core.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import git, i18n
from generator.config import OrgConfig, load_config
from generator.errors import DestinationError, MljourneyError, UsageError
from generator.journey import PRODUCTION_STAGES, next_stage
from generator.layers import (
    INSTALLED_BUNDLE_DIR,
    LAYERS,
    LayerSource,
    answers_file_name,
    bundle_tags,
    install_bundle,
    latest_version,
)
from generator.overlay import read_overlays
from generator.project import Project, load_project, read_answers
from generator.questionnaire import defaults_following
from generator.render import render_layer, update_layer, update_overlay
from generator.safepath import refuse_writes_outside
from generator.scaffold import Destination, publish, relative_files
from generator.transaction import (
    Transaction,
    apply_uncommitted,
    check_branch_name,
    create_branch,
    fast_forward,
    result_commit,
    transaction,
)
from generator.validate import require_valid

_CONFLICT = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)
ADDABLE_LAYERS: tuple[str, ...] = ("feedback-loop", "production")


@dataclass(frozen=True)
class LayerChange:
    """What one step did to one layer (paths relative to the project)."""

    layer: str
    action: str
    from_version: str | None
    to_version: str | None
    changed_files: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    followed_renames: tuple[str, ...] = ()
    """``"old -> new"``: template changes applied to files the team had renamed."""


@dataclass(frozen=True)
class NotApplied:
    """A template change that found no file to land in.

    ``path`` is the file the template changed; ``moved_to`` where the team's git history
    says it went (rename detection), ``None`` when it was deleted; ``diff`` is the
    template's change (unified diff of the old and the new render).
    """

    layer: str
    path: str
    moved_to: str | None
    diff: str

    @property
    def reason(self) -> str:
        """Why it found no file and what to do, in English (the summary's ``reason``)."""
        return self.reason_in("en")

    def reason_in(self, language: str | None = None) -> str:
        """:attr:`reason` in ``language`` (default: the current one)."""
        if self.moved_to is None:
            return i18n.t("lifecycle.deleted", language, path=self.path, layer=self.layer)
        return i18n.t(
            "lifecycle.moved", language, path=self.path, moved_to=self.moved_to, layer=self.layer
        )


@dataclass
class LifecycleReport:
    """Every step of an update, add or graduate, in order, and how it was published.

    ``outcome`` is one of ``committed`` (the branch moved forward), ``uncommitted`` (the
    result waits in the work tree), ``branch`` (committed on ``branch``), ``dry-run`` and
    ``up to date``.
    """

    project: str = ""
    path: str = ""
    changes: list[LayerChange] = field(default_factory=list)
    not_applied: list[NotApplied] = field(default_factory=list)
    outcome: str = "up to date"
    branch: str | None = None

    @property
    def conflicts(self) -> list[str]:
        return sorted({path for change in self.changes for path in change.conflicts})

    @property
    def needs_attention(self) -> bool:
        """Conflicts or template changes not applied: a person has to look."""
        return bool(self.conflicts or self.not_applied)

    @property
    def up_to_date(self) -> bool:
        return not any(change.changed_files for change in self.changes)

    def summary(self) -> dict[str, Any]:
        """The machine-readable summary (``--summary-json``); its shape is documented.

        ``{"project", "path", "branch", "outcome", "layers": {layer: {"from", "to",
        "action", "changed_files"}}, "overlays": {...same...}, "conflicts": [paths],
        "not_applied": [{"layer", "path", "moved_to", "reason", "diff"}], "up_to_date"}``.
        """
        layers: dict[str, Any] = {}
        overlays: dict[str, Any] = {}
        for change in self.changes:
            target = overlays if change.layer.startswith("overlay ") else layers
            name = change.layer.removeprefix("overlay ")
            entry = target.setdefault(
                name,
                {"from": change.from_version, "to": change.to_version, "changed_files": []},
            )
            entry["to"] = change.to_version
            entry["action"] = change.action
            entry["changed_files"] = sorted({*entry["changed_files"], *change.changed_files})
            if change.followed_renames:
                entry["followed_renames"] = [
                    *entry.get("followed_renames", []),
                    *change.followed_renames,
                ]
        return {
            "project": self.project,
            "path": self.path,
            "branch": self.branch,
            "outcome": self.outcome,
            "layers": layers,
            "overlays": overlays,
            "conflicts": self.conflicts,
            "not_applied": [
                {
                    "layer": item.layer,
                    "path": item.path,
                    "moved_to": item.moved_to,
                    "reason": item.reason,
                    "diff": item.diff,
                }
                for item in self.not_applied
            ],
            "up_to_date": self.up_to_date,
        }


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


def _changed_since(work: Path, commit: str) -> tuple[str, ...]:
    """Files under ``work`` that differ from ``commit`` (new untracked ones included)."""
    return tuple(sorted({path for _, path, _ in git.changed_files(work, commit)}))


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


def _team_moves(work: Path, layer: str) -> dict[str, str | None]:
    """Files the team deleted or renamed since the layer was last rendered.

    ``{old path: new path or None}`` from ``git diff -M`` between the last commit that
    wrote the layer's answers file and HEAD.
    """
    base = git.last_commit_touching(work, answers_file_name(layer))
    if base is None:
        return {}
    moves: dict[str, str | None] = {}
    for status, path, new_path in git.changed_files(work, base, renames=True):
        if status == "D":
            moves[path] = None
        elif status == "R":
            moves[path] = new_path
    return moves


def _render_text(
    tx: Transaction, source: LayerSource, data: Mapping[str, Any], ref: str | None, name: str
) -> Path:
    target = tx.scratch / "renders" / name
    target.mkdir(parents=True)
    render_layer(source, target, data, vcs_ref=ref)
    return target


def _read(path: Path) -> list[str] | None:
    try:
        return path.read_text(encoding="utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError):
        return None


def _not_applied(
    tx: Transaction,
    layer: str,
    moves: Mapping[str, str | None],
    source: LayerSource,
    old: tuple[str | None, Mapping[str, Any]],
    new: tuple[str | None, Mapping[str, Any]],
) -> list[NotApplied]:
    """Template changes (``old`` -> ``new``: ref and answers) to files the team moved.

    Renders both versions into the transaction's scratch folder, only when the team
    moved or deleted something (the common case costs nothing).
    """
    if not moves:
        return []
    step = len(list((tx.scratch / "renders").glob("*"))) if (tx.scratch / "renders").is_dir() else 0
    old_dir = _render_text(tx, source, old[1], old[0], f"{step}-old")
    new_dir = _render_text(tx, source, new[1], new[0], f"{step + 1}-new")
    found = []
    for path, moved_to in sorted(moves.items()):
        before, after = _read(old_dir / path), _read(new_dir / path)
        if before is None or after is None or before == after:
            continue
        diff = "".join(difflib.unified_diff(before, after, f"a/{path}", f"b/{path}"))
        found.append(NotApplied(layer, path, moved_to, diff))
    return found


@contextmanager
def _links_fenced(tx: Transaction) -> Iterator[list[str]]:
    """Replace symbolic links that leave the project with plain files in the scratch copy.

    A write through such a link would land outside the project (outside the scratch copy
    for an absolute link); with a plain file in its place the write fails instead. git
    is told to ignore the swap (``--skip-worktree``), so nothing of it is committed.
    """
    work = tx.work
    out = git.run(work, "ls-files", "-s", "-z", "--", ".").stdout.split("\0")
    fenced = []
    root = work.resolve()
    for entry in out:
        if not entry.startswith("120000 "):
            continue
        relative = entry.split("\t", 1)[1]
        link = work / relative
        resolved = link.resolve()
        if resolved == root or root in resolved.parents:
            continue
        git.run(work, "update-index", "--skip-worktree", "--", relative)
        link.unlink()
        link.write_text("mljourney: a link out of the project\n", encoding="utf-8")
        fenced.append(relative)
    yield fenced


def _in_project_terms(error: MljourneyError, tx: Transaction, fenced: list[str]) -> MljourneyError:
    """The error with the scratch copy's paths shown as the project's; links named."""
    message = str(error).replace(str(tx.work), str(tx.project))
    if fenced:
        return DestinationError(
            f"{message} - nothing was changed: {', '.join(fenced[:3])} in {tx.project} "
            "is a symbolic link out of the project, and mljourney never writes through one; "
            "replace the link with a real folder, then run the command again"
        )
    if message == str(error):
        return error
    translated = type(error)(message)
    return translated


def _update_step(
    tx: Transaction,
    layer: str,
    *,
    data: Mapping[str, Any] | None,
    vcs_ref: str | None,
    action: str,
    message: str,
) -> tuple[LayerChange, list[NotApplied]]:
    """One Copier update of ``layer`` in the scratch copy, committed there."""
    work = tx.work
    project = load_project(work)
    before = git.head(work)
    from_version = project.layers[layer].commit
    old_answers = project.user_answers(layer)
    source = _source_for(project, layer)
    moves = _team_moves(work, layer)
    update_layer(work, layer, data, vcs_ref=vcs_ref)
    changed = _changed_since(work, before)
    conflicts = conflicts_in(work, changed)
    updated = load_project(work)
    to_version = updated.layers[layer].commit
    lost = _not_applied(
        tx,
        layer,
        {path: to for path, to in moves.items() if path not in changed},
        source,
        (from_version, old_answers),
        (to_version, updated.user_answers(layer)),
    )
    ported = [item for item in lost if _port(tx, item)]
    if ported:
        changed = _changed_since(work, before)
    git.commit(work, message.format(layer=layer, to=to_version))
    change = LayerChange(
        layer,
        action,
        from_version,
        to_version,
        changed,
        conflicts,
        tuple(f"{item.path} -> {item.moved_to}" for item in ported),
    )
    return change, [item for item in lost if item not in ported]


def _port(tx: Transaction, item: NotApplied) -> bool:
    """Apply the template's change to the file the team renamed, if it applies cleanly.

    This is what git's own merge does when it follows a rename; a change that does not
    apply is left to the team (reported as not applied).
    """
    if item.moved_to is None:
        return False
    patch = item.diff.replace(f"--- a/{item.path}\n", f"--- a/{item.moved_to}\n", 1).replace(
        f"+++ b/{item.path}\n", f"+++ b/{item.moved_to}\n", 1
    )
    top = git.toplevel(tx.work)
    args = ["apply", f"--directory={tx.prefix}"] if tx.prefix else ["apply"]
    if git.run(top, *args, "--check", input_text=patch, check=False).returncode != 0:
        return False
    git.run(top, *args, input_text=patch)
    return True


def _outside_changes(tx: Transaction) -> list[str]:
    """Paths outside the project that the steps changed in the scratch repository."""
    worktree_top = git.toplevel(tx.work)
    changed = git.run(
        worktree_top, "diff", "--name-only", "-z", "--no-renames", tx.base, "HEAD"
    ).stdout.split("\0")
    return [path for path in changed if path and not path.startswith(tx.prefix)]


def _text_at(tx: Transaction, path: str) -> str | None:
    """``path``'s text at the commit the step started from (``None``: absent or binary)."""
    result = git.run(tx.work, "show", f"{tx.base}:./{path}", check=False)
    return result.stdout if result.returncode == 0 else None


def _publish(
    tx: Transaction, report: LifecycleReport, *, dry_run: bool = False, branch: str | None = None
) -> None:
    """Check the steps' result and hand it to the user (see the module docstring)."""
    outside = _outside_changes(tx)
    if outside:
        raise DestinationError(
            f"refusing to change files outside {tx.project}: {', '.join(outside[:5])}; "
            "nothing was changed"
        )
    changed = [path for status, path, _ in git.changed_files(tx.work, tx.base) if status != "D"]
    require_valid(
        tx.work,
        [path for path in changed if path not in report.conflicts],
        before=lambda path: _text_at(tx, path),
    )
    if dry_run:
        report.outcome = "dry-run"
        return
    if result_commit(tx) == tx.base:
        report.outcome = "up to date"
        return
    if branch is not None:
        create_branch(tx, branch)
        report.branch, report.outcome = branch, "branch"
    elif report.needs_attention:
        apply_uncommitted(tx)
        report.outcome = "uncommitted"
    else:
        fast_forward(tx)
        report.outcome = "committed"


@contextmanager
def _step(
    root: Path, *, dry_run: bool = False, branch: str | None = None
) -> Iterator[tuple[Transaction, LifecycleReport]]:
    """A transaction with a report; published when the body returns normally."""
    if branch is not None:
        if dry_run:
            raise UsageError("--branch and --dry-run do not go together")
        check_branch_name(root, branch)
    with transaction(root, require_clean_tree=not dry_run) as tx:
        if not (tx.work / answers_file_name("poc")).is_file():
            raise UsageError(
                f"{tx.project}: {answers_file_name('poc')} is not committed; commit the project "
                "first (mljourney works from its last commit)"
            )
        report = LifecycleReport(project=load_project(tx.work).name, path=str(tx.project))
        with _links_fenced(tx) as fenced:
            try:
                yield tx, report
                _publish(tx, report, dry_run=dry_run, branch=branch)
            except MljourneyError as error:
                raise _in_project_terms(error, tx, fenced) from error


def update_project(
    root: Path,
    *,
    dry_run: bool = False,
    branch: str | None = None,
    trust: bool = False,
    data: Mapping[str, Any] | None = None,
) -> LifecycleReport:
    """Bring every applied layer to its newest template version (3-way merge).

    With ``dry_run`` the update runs in the scratch copy only and the report says what
    would change; the project is not touched (uncommitted changes are allowed then: the
    update starts from the last commit). With ``branch`` the result is committed on that
    new branch. ``trust`` lets overlays use Copier's unsafe features. ``data`` changes
    answers on the way (``{"language": "ja"}``): every layer is then re-rendered with
    them, even one at the newest version, and the 3-way merge keeps the team's edits.
    Raises ``UsageError`` (not a project, uncommitted changes, bad branch name) and
    ``MljourneyError`` (Copier, git or validation failures); either way nothing changed.
    """
    load_project(root)
    with _step(root, dry_run=dry_run, branch=branch) as (tx, report):
        for layer in LAYERS:
            project = load_project(tx.work)
            if layer not in project.layers:
                continue
            source = _source_for(project, layer)
            current = project.layers[layer].commit
            newest = latest_version(source)
            if newest is not None and newest == current and not data:
                report.changes.append(LayerChange(layer, "up to date", current, current))
                continue
            _record(
                report,
                _update_step(
                    tx,
                    layer,
                    data=data,
                    vcs_ref=None,
                    action="updated",
                    message="Update the {layer} layer to {to} (mljourney update)",
                ),
            )
        report.changes.extend(_update_overlays(tx.work, trust=trust))
    return report


def _update_overlays(root: Path, *, trust: bool = False) -> list[LayerChange]:
    """Update Copier overlays that record a version; say why the others are left as they are."""
    changes = []
    for overlay in read_overlays(root):
        label = f"overlay {overlay.name}"
        answers = read_answers(root / overlay.answers_file) if overlay.answers_file else {}
        if overlay.kind != "copier" or "_commit" not in answers or overlay.answers_file is None:
            key = "cookiecutter" if overlay.kind != "copier" else "no_version"
            reason = i18n.t(f"lifecycle.overlay_reason.{key}", "en")
            action = i18n.t("lifecycle.action.left_as_is", "en", reason=reason)
            changes.append(LayerChange(label, action, None, None))
            continue
        before = git.head(root)
        update_overlay(root, overlay.answers_file, trust=trust)
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
    tx: Transaction,
    layer: str,
    data: Mapping[str, Any],
    vcs_ref: str | None,
    config: OrgConfig | None = None,
) -> LayerChange:
    """Render a new layer beside the project's files and commit it; never overwrite."""
    project = load_project(tx.work)
    source = _source_for_new_layer(project, layer, config)
    ref = _pinned_ref(source, vcs_ref)
    staging = tx.scratch / f"add-{layer}"
    staging.mkdir()
    render_layer(source, staging, data, vcs_ref=ref)
    files = relative_files(staging)
    # Links are checked in the user's project: in the scratch copy they are fenced off.
    refuse_writes_outside(tx.project, files)
    publish(staging, Destination(tx.work, into_existing=True))
    version = load_project(tx.work).layers[layer].commit
    git.commit(tx.work, f"Add the {layer} layer {version} (mljourney)")
    return LayerChange(layer, "added", None, version, tuple(sorted(str(p) for p in files)))


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


def _record(report: LifecycleReport, step: tuple[LayerChange, list[NotApplied]]) -> None:
    change, lost = step
    report.changes.append(change)
    report.not_applied.extend(lost)


def add_layer(
    root: Path, layer: str, *, branch: str | None = None, config: OrgConfig | None = None
) -> LifecycleReport:
    """Add ``layer`` to an existing project, reusing the answers already given.

    One transaction (see the module docstring). ``config``: the organisation config whose
    template sources a new layer comes from when the project does not use the shipped
    bundles (``None``: $MLJOURNEY_CONFIG). Raises ``UsageError`` for an unknown or already
    applied layer and the errors of ``update_project``.
    """
    if layer not in ADDABLE_LAYERS:
        raise UsageError(f"unknown layer '{layer}': choose one of {', '.join(ADDABLE_LAYERS)}")
    project = load_project(root)
    if layer in project.layers:
        raise UsageError(f"{root} already has the {layer} layer")
    if layer == "production":
        return graduate(root, branch=branch, config=config)
    core_version = project.core.commit
    with _step(root, branch=branch) as (tx, report):
        _record(
            report,
            _update_step(
                tx,
                "poc",
                data={"feedback_loop": True},
                vcs_ref=core_version,
                action=i18n.t("lifecycle.action.answer", "en", answer="feedback_loop=true"),
                message="Enable the feedback loop in the core ({layer} layer {to})",
            ),
        )
        data = {**load_project(tx.work).user_answers("poc"), "feedback_loop": True}
        report.changes.append(_add_layer_files(tx, layer, data, core_version, config))
    return report


def graduate(
    root: Path, *, branch: str | None = None, config: OrgConfig | None = None
) -> LifecycleReport:
    """Move a PoC to production: same answers, code and docs; the production layer on top.

    One transaction (see the module docstring); ``config`` as for :func:`add_layer`;
    raises like ``update_project``.
    """
    project = load_project(root)
    if "production" in project.layers:
        raise UsageError(f"{root} already has the production layer (stage {project.stage})")
    stage = project.stage
    new_stage = stage if stage in PRODUCTION_STAGES else next_stage(stage)
    core_version = project.core.commit
    answer_change: dict[str, object] = {"stage": new_stage, "is_production": True}
    # Answers left at a PoC default (the description) take the production stage's default.
    answer_change |= defaults_following(project.user_answers("poc"), answer_change)
    with _step(root, branch=branch) as (tx, report):
        _record(
            report,
            _update_step(
                tx,
                "poc",
                data=answer_change,
                vcs_ref=core_version,
                action=i18n.t("lifecycle.action.stage", "en", old=stage, new=new_stage),
                message=(
                    f"Graduate: stage {stage} -> {new_stage} in the core ({{layer}} layer {{to}})"
                ),
            ),
        )
        data = {**load_project(tx.work).user_answers("poc"), **answer_change}
        report.changes.append(_add_layer_files(tx, "production", data, core_version, config))
        if "feedback-loop" in project.layers:
            _record(
                report,
                _update_step(
                    tx,
                    "feedback-loop",
                    data=answer_change,
                    vcs_ref=load_project(tx.work).layers["feedback-loop"].commit,
                    action=i18n.t("lifecycle.action.stage", "en", old=stage, new=new_stage),
                    message="Graduate the {layer} layer ({to})",
                ),
            )
    return report


EXIT_NEEDS_ATTENTION = 3
"""Exit code of update/add/graduate when conflicts or unapplied changes wait for the team."""


_ACTION_KEYS = {"up to date": "up_to_date", "updated": "updated", "added": "added"}
# A LayerChange's action in English (as in the summary) -> its text's key; fields by name.
_ACTION_PATTERNS = {
    r"stage (?P<old>\S+) -> (?P<new>\S+)": "stage",
    r"answer (?P<answer>.+)": "answer",
    r"left as is \((?P<reason>.*)\)": "left_as_is",
}
_OVERLAY_REASONS = ("cookiecutter", "no_version")


def action_text(action: str) -> str:
    """A :class:`LayerChange` action (English, as in the summary) in the current language."""
    if action in _ACTION_KEYS:
        return i18n.t(f"lifecycle.action.{_ACTION_KEYS[action]}")
    for pattern, key in _ACTION_PATTERNS.items():
        if match := re.fullmatch(pattern, action):
            fields = match.groupdict()
            for name in _OVERLAY_REASONS:
                if fields.get("reason") == i18n.t(f"lifecycle.overlay_reason.{name}", "en"):
                    fields["reason"] = i18n.t(f"lifecycle.overlay_reason.{name}")
            return i18n.t(f"lifecycle.action.{key}", **fields)
    return action


def report_lines(report: LifecycleReport, *, dry_run: bool = False) -> tuple[list[str], list[str]]:
    """What to print: (stdout lines, stderr lines) for a lifecycle report.

    In the current language (:mod:`generator.i18n`); the summary JSON stays English.
    """
    out: list[str] = []
    err: list[str] = []
    for change in report.changes:
        versions = (
            f"{change.from_version or '-'} -> {change.to_version or '-'}"
            if change.from_version != change.to_version
            else f"{change.to_version}"
        )
        shown = action_text(change.action)
        if dry_run and change.action != "up to date":
            shown = i18n.t("lifecycle.action.would_be", action=shown)
        out.append(f"{change.layer}: {shown} ({versions})")
        for path in change.changed_files:
            marker = "  CONFLICT " if path in change.conflicts else "  "
            out.append(f"{marker}{path}")
        for renamed in change.followed_renames:
            old, new = renamed.split(" -> ")
            out.append("  " + i18n.t("lifecycle.renamed", old=old, new=new))
    if report.outcome == "branch":
        out.append(i18n.t("lifecycle.on_branch", branch=report.branch))
    if report.conflicts:
        err.append(i18n.t("lifecycle.conflicts", count=len(report.conflicts)))
        err.extend(f"  {path}" for path in report.conflicts)
    if report.not_applied:
        err.append(i18n.t("lifecycle.not_applied", count=len(report.not_applied)))
        for item in report.not_applied:
            err.append(f"  {item.path}: {item.reason_in()}")
            err.extend(f"    {line}" for line in item.diff.splitlines())
    if report.needs_attention and report.outcome == "uncommitted":
        err.append(i18n.t("lifecycle.uncommitted"))
    elif report.needs_attention and report.outcome == "branch":
        err.append(i18n.t("lifecycle.resolve_on_branch", branch=report.branch))
    return out, err
