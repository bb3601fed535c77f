"""What the update-proposal workflow decides and writes: plain functions, no I/O.

A generated project's ``.github/workflows/mljourney-update.yml`` runs, on a schedule:

1. ``mljourney check --format json`` -> :func:`update_target`: is a newer layer version
   released, and which one;
2. ``gh pr list --state open --json headRefName,title`` -> :func:`plan_proposal`: open a
   pull request on branch :func:`branch_name`, or skip because the one for that version is
   open already;
3. ``mljourney update --branch ... --summary-json summary.json`` -> :func:`pull_request_body`:
   per layer the versions and changed files, the conflicts to resolve, the changes not
   applied, and the layers' changelog sections in between.

Every parser raises :class:`~generator.errors.UsageError` (exit 2) on input of the wrong
shape, naming the field, so a broken step fails the workflow with one line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from generator.errors import UsageError

BRANCH_PREFIX = "mljourney/update-"
_SECTION = re.compile(r"^## +v?(\S+)\s*$", re.MULTILINE)


def _version(text: str, where: str) -> Any:
    """A PEP 440 version from a tag such as ``v0.2.0`` (the layers' bundles tag releases so)."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text.removeprefix("v"))
    except InvalidVersion:
        raise UsageError(f"{where}: '{text}' is not a release version") from None


def plain_version(tag: str) -> str:
    """``v0.2.0`` -> ``0.2.0`` (normalised by PEP 440); UsageError if it is no version."""
    return str(_version(tag, "version"))


# --- is there anything to propose? -------------------------------------------------------


@dataclass(frozen=True)
class LayerUpdate:
    """One layer behind its newest released version (tags as recorded, e.g. ``v0.1.0``)."""

    layer: str
    current: str | None
    latest: str


@dataclass(frozen=True)
class UpdateTarget:
    """The release an update would bring, and the layers that move to it."""

    version: str
    layers: tuple[LayerUpdate, ...]


def update_target(check_report: Any) -> UpdateTarget | None:
    """The newest version any layer can move to, from ``mljourney check --format json``.

    Args:
        check_report: the parsed JSON of ``mljourney check --format json PATH`` for one
            project: ``{"projects": [{"layers": {layer: {"version", "latest", "behind",
            "update_available"?}}}]}``.

    Returns:
        ``None`` when every layer is on its newest release (or its source publishes no
        versions), else the newest ``latest`` among layers behind, as a plain version
        (``0.3.0``), with those layers.

    Raises:
        UsageError: the report does not have that shape, or holds not exactly one project.
    """
    if not isinstance(check_report, dict) or not isinstance(check_report.get("projects"), list):
        raise UsageError("check report: expected the JSON of `mljourney check --format json`")
    projects = check_report["projects"]
    if len(projects) != 1:
        raise UsageError(f"check report: expected one project, found {len(projects)}")
    project = projects[0]
    if not isinstance(project, dict) or not project.get("is_project", True):
        raise UsageError("check report: the checked path is not an mljourney project")
    layers = project.get("layers")
    if not isinstance(layers, dict):
        raise UsageError("check report: projects[0].layers must be a mapping")
    behind = []
    for layer, entry in layers.items():
        if not isinstance(entry, dict):
            raise UsageError(f"check report: layers.{layer} must be a mapping")
        latest = entry.get("latest")
        available = entry.get("update_available")
        if available is None:
            available = bool(entry.get("behind"))
        if available and isinstance(latest, str):
            current = entry.get("version")
            behind.append(
                LayerUpdate(str(layer), None if current is None else str(current), latest)
            )
    if not behind:
        return None
    newest = max(behind, key=lambda update: _version(update.latest, f"layers.{update.layer}"))
    return UpdateTarget(plain_version(newest.latest), tuple(behind))


# --- open a pull request, or skip ---------------------------------------------------------


def branch_name(version: str) -> str:
    """The branch an update to ``version`` is proposed on: ``mljourney/update-0.3.0``.

    Raises:
        UsageError: ``version`` is not a PEP 440 release (so never an unsafe ref name).
    """
    return f"{BRANCH_PREFIX}{plain_version(version)}"


def pull_request_title(version: str) -> str:
    """The title of the pull request proposing ``version``."""
    return f"mljourney: update the template layers to {plain_version(version)}"


@dataclass(frozen=True)
class OpenPullRequest:
    """What ``gh pr list --json headRefName,title`` says of one open pull request."""

    head: str
    title: str


def parse_open_pull_requests(raw: Any) -> tuple[OpenPullRequest, ...]:
    """The open pull requests from the parsed output of ``gh pr list --json headRefName,title``.

    Raises:
        UsageError: not a list of objects with string ``headRefName`` and ``title``.
    """
    if not isinstance(raw, list):
        raise UsageError("open pull requests: expected the JSON list `gh pr list --json` prints")
    pulls = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("headRefName"), str):
            raise UsageError(f"open pull requests: item {index} has no headRefName")
        pulls.append(OpenPullRequest(item["headRefName"], str(item.get("title", ""))))
    return tuple(pulls)


@dataclass(frozen=True)
class ProposalPlan:
    """What the workflow does next; ``as_outputs`` is written to ``$GITHUB_OUTPUT``."""

    action: Literal["open", "skip"]
    reason: str
    version: str | None = None
    branch: str | None = None
    title: str | None = None

    def as_outputs(self) -> str:
        """``key=value`` lines (one line each, no newlines inside) for ``$GITHUB_OUTPUT``."""
        fields = {
            "action": self.action,
            "reason": self.reason,
            "version": self.version or "",
            "branch": self.branch or "",
            "title": self.title or "",
        }
        return "".join(f"{key}={' '.join(value.split())}\n" for key, value in fields.items())


def plan_proposal(
    target: UpdateTarget | None, open_pulls: Sequence[OpenPullRequest]
) -> ProposalPlan:
    """Open a pull request for ``target``, unless there is nothing to update or it is open.

    The pull request for a version counts as open when an open pull request comes from its
    branch (:func:`branch_name`) or carries its title (a team may have renamed the branch).
    An open pull request for an *older* version does not stop a newer one: that one lists
    everything since the project's recorded version.
    """
    if target is None:
        return ProposalPlan("skip", "every layer is on its newest released version")
    branch = branch_name(target.version)
    title = pull_request_title(target.version)
    for pull in open_pulls:
        if pull.head == branch or pull.title == title:
            return ProposalPlan(
                "skip",
                f"the pull request for {target.version} is open already ({pull.head})",
                target.version,
                branch,
                title,
            )
    moving = ", ".join(f"{u.layer} {u.current or '?'} -> {u.latest}" for u in target.layers)
    return ProposalPlan("open", f"update available: {moving}", target.version, branch, title)


# --- the pull request's body ----------------------------------------------------------------


@dataclass(frozen=True)
class LayerChange:
    """One layer in an update summary."""

    layer: str
    from_version: str | None
    to_version: str | None
    changed_files: tuple[str, ...]


@dataclass(frozen=True)
class NotApplied:
    """A template change the update could not apply, why, and where the team moved the file."""

    path: str
    reason: str
    moved_to: str | None = None


@dataclass(frozen=True)
class UpdateSummary:
    """``mljourney update --summary-json``: what an update did, per layer."""

    project: str
    branch: str | None
    layers: tuple[LayerChange, ...]
    conflicts: tuple[str, ...]
    not_applied: tuple[NotApplied, ...]
    up_to_date: bool


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"update summary: {where} must be a list of strings")
    return tuple(value)


def _optional_string(value: Any, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise UsageError(f"update summary: {where} must be a string or null")
    return value


def parse_update_summary(raw: Any) -> UpdateSummary:
    """Validate the JSON ``mljourney update --summary-json FILE`` writes.

    Shape: ``{"project": str, "branch": str|null, "layers": {layer: {"from", "to",
    "changed_files": [str]}}, "overlays": {name: same}?, "conflicts": [str],
    "not_applied": [{"path", "reason", "moved_to"?}], "up_to_date": bool}``; other keys
    are ignored. Overlays become entries named ``overlay <name>``.

    Raises:
        UsageError: a field is missing or of the wrong type (named in the message).
    """
    if not isinstance(raw, dict):
        raise UsageError("update summary: expected a JSON object")
    if not isinstance(raw.get("project"), str):
        raise UsageError("update summary: project must be a string")
    changes = []
    for key, prefix in (("layers", ""), ("overlays", "overlay ")):
        entries = raw.get(key, {})
        if not isinstance(entries, dict) or (key == "layers" and key not in raw):
            raise UsageError(f"update summary: {key} must be a mapping")
        for name, entry in entries.items():
            where = f"{key}.{name}"
            if not isinstance(entry, dict):
                raise UsageError(f"update summary: {where} must be a mapping")
            changes.append(
                LayerChange(
                    f"{prefix}{name}",
                    _optional_string(entry.get("from"), f"{where}.from"),
                    _optional_string(entry.get("to"), f"{where}.to"),
                    _strings(entry.get("changed_files", []), f"{where}.changed_files"),
                )
            )
    not_applied_raw = raw.get("not_applied", [])
    if not isinstance(not_applied_raw, list):
        raise UsageError("update summary: not_applied must be a list")
    not_applied = []
    for index, item in enumerate(not_applied_raw):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("reason"), str)
        ):
            raise UsageError(f"update summary: not_applied[{index}] needs a path and a reason")
        moved_to = _optional_string(item.get("moved_to"), f"not_applied[{index}].moved_to")
        not_applied.append(NotApplied(item["path"], item["reason"], moved_to))
    up_to_date = raw.get("up_to_date", False)
    if not isinstance(up_to_date, bool):
        raise UsageError("update summary: up_to_date must be true or false")
    return UpdateSummary(
        project=raw["project"],
        branch=_optional_string(raw.get("branch"), "branch"),
        layers=tuple(changes),
        conflicts=_strings(raw.get("conflicts", []), "conflicts"),
        not_applied=tuple(not_applied),
        up_to_date=up_to_date,
    )


def _sections(changelog: str) -> list[tuple[Any, str]]:
    """(version, text) of every ``## <version>`` section, in file order."""
    headings = []
    for match in _SECTION.finditer(changelog):
        try:
            headings.append((match.start(), _version(match.group(1), "changelog heading")))
        except UsageError:
            continue
    sections = []
    for index, (start, version) in enumerate(headings):
        end = headings[index + 1][0] if index + 1 < len(headings) else len(changelog)
        sections.append((version, changelog[start:end].strip()))
    return sections


def changelog_sections(changelog: str, after: str | None, upto: str | None) -> list[str]:
    """The sections of a layer's CHANGELOG.md for versions in ``(after, upto]``, newest first.

    A section starts at a ``## <version>`` heading (``## 0.2.0`` or ``## v0.2.0``) and runs
    to the next one. ``after=None`` takes every version up to ``upto``; ``upto=None``
    every version after ``after``. Headings that are not versions are kept with the section
    above them.

    Raises:
        UsageError: ``after`` or ``upto`` is not a version.
    """
    low = None if after is None else _version(after, "from version")
    high = None if upto is None else _version(upto, "to version")
    chosen = [
        (version, text)
        for version, text in _sections(changelog)
        if (low is None or version > low) and (high is None or version <= high)
    ]
    return [text for _, text in sorted(chosen, key=lambda item: item[0], reverse=True)]


def changelog_section(changelog: str, version: str) -> str | None:
    """The section of ``version`` (``0.2.0`` or ``v0.2.0``) in a CHANGELOG.md, or None.

    Raises:
        UsageError: ``version`` is not a version.
    """
    wanted = _version(version, "version")
    return next((text for found, text in _sections(changelog) if found == wanted), None)


def _code(path: str) -> str:
    return "`" + path.replace("`", "'") + "`"


def pull_request_body(summary: UpdateSummary, changelogs: Mapping[str, str]) -> str:
    """The Markdown body of the update pull request.

    Args:
        summary: what ``mljourney update --summary-json`` reported.
        changelogs: layer -> the text of that layer's CHANGELOG.md as shipped with the
            mljourney that ran the update (``mljourney changelog LAYER``); a layer
            without one says so.

    Returns:
        Sections: a table of layers (from -> to, number of changed files), the conflicts
        to resolve as a checklist, the changes not applied with their reasons, then per
        layer its changed files and its changelog sections between the two versions.
    """
    moved = [c for c in summary.layers if c.from_version != c.to_version]
    lines = [
        "This pull request was opened by the `mljourney-update` workflow: it ran "
        f"`mljourney update` on the branch `{summary.branch or '?'}`. Copier's 3-way merge "
        "kept the team's edits; the base branch is unchanged.",
        "",
        "| layer | from | to | changed files |",
        "|---|---|---|---|",
    ]
    for change in summary.layers:
        lines.append(
            f"| {change.layer} | {change.from_version or '-'} | {change.to_version or '-'} "
            f"| {len(change.changed_files)} |"
        )
    lines.append("")
    if summary.conflicts:
        lines += [
            f"## Conflicts to resolve ({len(summary.conflicts)})",
            "",
            "Both the team and the template changed these files. The template's side and "
            "the team's side are marked inline (`<<<<<<<` / `=======` / `>>>>>>>`): edit each "
            "file to what it should be, commit on this branch, then merge. "
            "`mljourney check` fails while a marker is left.",
            "",
            *(f"- [ ] {_code(path)}" for path in summary.conflicts),
            "",
        ]
    else:
        lines += ["No conflicts: every template change merged cleanly with the team's edits.", ""]
    if summary.not_applied:
        lines += [
            f"## Changes not applied ({len(summary.not_applied)})",
            "",
            "The update left these template changes out; apply them by hand if you want them.",
            "",
            *(
                f"- {_code(item.path)}"
                + (f" (moved to {_code(item.moved_to)})" if item.moved_to else "")
                + f": {item.reason}"
                for item in summary.not_applied
            ),
            "",
        ]
    for change in summary.layers:
        lines += [
            f"## {change.layer}: {change.from_version or '-'} -> {change.to_version or '-'}",
            "",
        ]
        if change.changed_files:
            conflicted = set(summary.conflicts)
            lines += [
                f"<details><summary>Changed files ({len(change.changed_files)})</summary>",
                "",
                *(
                    f"- {_code(path)}{' (conflict)' if path in conflicted else ''}"
                    for path in change.changed_files
                ),
                "",
                "</details>",
                "",
            ]
        else:
            lines += ["No file changed.", ""]
        if change in moved and not change.layer.startswith("overlay "):
            lines += _changelog_lines(change, changelogs.get(change.layer))
    lines += [
        "---",
        "Each layer's full changelog: `mljourney changelog <layer>`. "
        "Review the diff, run the tests, then merge.",
    ]
    return "\n".join(lines) + "\n"


def _changelog_lines(change: LayerChange, changelog: str | None) -> list[str]:
    name = f"templates/{change.layer}/CHANGELOG.md"
    if changelog is None:
        return [f"_The mljourney that ran the update ships no {name}._", ""]
    try:
        sections = changelog_sections(changelog, change.from_version, change.to_version)
    except UsageError:
        sections = []
    if not sections:
        return [f"_{name} has no section for these versions._", ""]
    body = "\n\n".join(_demote(section) for section in sections)
    return [f"Changelog ({name}):", "", body, ""]


def _demote(section: str) -> str:
    """``## 0.2.0`` -> ``### 0.2.0``, so a version sits under its layer's heading."""
    return re.sub(r"^(#+)", r"#\1", section, flags=re.MULTILINE)
