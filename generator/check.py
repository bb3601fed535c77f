"""`mljourney check`: compliance and drift of generated projects.

Pure functions build a typed report (one :class:`ProjectReport` per path, each a list of
rule results); renderers turn it into text, JSON or JUnit. Nothing here writes to the
projects, and nothing imports Copier.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from generator import i18n
from generator import layers as layer_sources
from generator.config import Policy, parse_policy
from generator.errors import UsageError
from generator.files import SKIPPED_DIRS, line_of, project_files, read_text
from generator.journey import MODELS_IN_PRODUCTION, Level, level_actions, level_for
from generator.layers import (
    INSTALLED_BUNDLE_DIR,
    LAYERS,
    answers_file_name,
    bundle_tags,
    parse_version,
    released_versions,
    version_key,
)
from generator.overlay import OVERLAYS_FILE, read_overlays
from generator.project import read_answers
from generator.reports import (
    JUnitCase,
    JUnitSuite,
    display_width,
    junit_xml,
    pad,
    text_table,
    to_json,
)
from generator.validate import check_text

# What each layer puts in every project: a trailing "/" means a directory.
# `{package_name}` is filled in from the layer's answers.
REQUIRED_LAYOUT: Mapping[str, tuple[str, ...]] = {
    "poc": (
        "pyproject.toml",
        "README.md",
        "src/{package_name}/",
        "tests/",
        "docs/poc-charter.md",
        "docs/data-inventory.md",
    ),
    "production": ("infra/", "src/{package_name}/production/", ".github/workflows/"),
    "feedback-loop": ("src/{package_name}/feedback/",),
}

MAX_FINDINGS_PER_RULE = 20
_CONFLICT_MARKER = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One thing a rule found wrong (an error) or worth a look (a warning).

    ``message`` is English, as the JSON and JUnit reports carry it; ``key`` and ``fields``
    name its text in ``generator/messages.yml`` (``check.finding.<key>``), which the text
    report shows in the project's language (:meth:`text`).
    """

    rule: str
    message: str
    path: str | None = None
    severity: Severity = "error"
    key: str | None = None
    fields: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls,
        rule: str,
        key: str,
        where: str | None = None,
        severity: Severity = "error",
        /,
        **fields: object,
    ) -> Finding:
        """A finding at path ``where`` whose text is ``check.finding.<key>`` with ``fields``."""
        values = tuple((name, str(value)) for name, value in fields.items())
        message = i18n.t(f"check.finding.{key}", "en", **dict(values))
        return cls(rule, message, where, severity, key, values)

    def text(self, language: str | None = None) -> str:
        """The message in ``language`` (default: the current one); English without a key."""
        if self.key is None:
            return self.message
        return i18n.t(f"check.finding.{self.key}", language, **dict(self.fields))


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule on one project."""

    rule: str
    findings: tuple[Finding, ...] = ()

    @property
    def passed(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


@dataclass(frozen=True)
class LayerVersion:
    """A layer's recorded template version against the newest one released."""

    layer: str
    version: str | None
    latest: str | None
    behind: int | None
    src_path: str | None

    @property
    def update_available(self) -> bool:
        """Whether `mljourney update` would bring a newer released version of this layer."""
        return bool(self.behind)

    @property
    def describe(self) -> str:
        version = self.version or "?"
        if self.behind:
            return f"{self.layer} {version} -> {self.latest}"
        return f"{self.layer} {version}"


@dataclass(frozen=True)
class ProjectReport:
    """Everything `check` found about one path."""

    path: str
    name: str
    is_project: bool
    stage: str | None = None
    level: int | None = None
    layers: tuple[LayerVersion, ...] = ()
    rules: tuple[RuleResult, ...] = ()
    language: str = i18n.DEFAULT_LANGUAGE

    @property
    def compliant(self) -> bool:
        return all(rule.passed for rule in self.rules)

    @property
    def violations(self) -> list[Finding]:
        return [f for r in self.rules for f in r.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for r in self.rules for f in r.findings if f.severity == "warning"]

    @property
    def drift(self) -> int:
        """Released versions the project's layers are behind, summed over layers."""
        return sum(layer.behind or 0 for layer in self.layers)

    @property
    def update_available(self) -> bool:
        """Whether any layer has a newer released version (`mljourney update` would move it)."""
        return any(layer.update_available for layer in self.layers)


@dataclass(frozen=True)
class CheckReport:
    """The reports of every checked path."""

    projects: tuple[ProjectReport, ...]

    @property
    def compliant(self) -> bool:
        return all(p.compliant for p in self.projects)

    @property
    def update_available(self) -> bool:
        return any(p.update_available for p in self.projects)


@dataclass(frozen=True)
class CheckOptions:
    """What `check` enforces beyond the built-in rules."""

    policy: Policy = field(default_factory=Policy)
    allow_drift: bool = False


# --- policy ------------------------------------------------------------------------------


def load_policy_file(path: Path) -> Policy:
    """Read a YAML file holding a policy mapping (optionally under a top-level ``policy:``)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"cannot read policy {path}: {' '.join(str(error).split())}") from error
    if isinstance(raw, dict) and set(raw) == {"policy"}:
        raw = raw["policy"]
    return parse_policy(raw, where=f"policy {path}")


def combine_policies(first: Policy, second: Policy) -> Policy:
    """Both policies at once: every required path and pattern, the stricter minimum version."""
    min_versions = dict(first.min_versions)
    for layer, version in second.min_versions.items():
        current = min_versions.get(layer)
        if current is None or version_key(version) > version_key(current):
            min_versions[layer] = version
    if first.allowed_stages and second.allowed_stages:
        stages = tuple(s for s in first.allowed_stages if s in second.allowed_stages)
    else:
        stages = first.allowed_stages or second.allowed_stages
    return Policy(
        required_paths=tuple(dict.fromkeys(first.required_paths + second.required_paths)),
        forbidden_patterns=tuple(
            dict.fromkeys(first.forbidden_patterns + second.forbidden_patterns)
        ),
        min_versions=min_versions,
        allowed_stages=stages,
    )


# --- versions ----------------------------------------------------------------------------


class SourceTags:
    """Released versions of each template source, looked up once per check run."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, ...] | None] = {}

    def versions(self, layer: str, src_path: str) -> tuple[str, ...] | None:
        """Released version tags of the source, oldest first; None when it cannot be read."""
        key = f"{layer}\0{src_path}"
        if key not in self._cache:
            self._cache[key] = self._lookup(layer, src_path)
        return self._cache[key]

    @staticmethod
    def _lookup(layer: str, src_path: str) -> tuple[str, ...] | None:
        if src_path.startswith(INSTALLED_BUNDLE_DIR):
            # What `mljourney update` would bring: the shipped bundle, plus anything newer
            # a newer mljourney already installed at the recorded path.
            names: set[str] = set()
            for bundle in (
                layer_sources.packaged_bundle(layer),
                Path(os.path.expanduser(src_path)),
            ):
                if bundle.is_file():
                    names.update(bundle_tags(bundle))
        else:
            names = set(_remote_tags(src_path) or ())
        released = released_versions(names)
        return tuple(released) if released else None


def _remote_tags(src_path: str) -> list[str] | None:
    try:
        result = subprocess.run(
            ["git", "ls-remote", "--tags", "--refs", os.path.expanduser(src_path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return [
        line.partition("refs/tags/")[2]
        for line in result.stdout.splitlines()
        if "refs/tags/" in line
    ]


def layer_version(layer: str, answers: Mapping[str, Any], tags: SourceTags) -> LayerVersion:
    """Where a layer's recorded version stands against its source's released versions."""
    src_path = answers.get("_src_path")
    commit = answers.get("_commit")
    version = None if commit is None else str(commit)
    if src_path is None:
        return LayerVersion(layer, version, None, None, None)
    released = tags.versions(layer, str(src_path))
    if not released:
        return LayerVersion(layer, version, None, None, str(src_path))
    latest = released[-1]
    behind = None
    if version is not None and parse_version(version) is not None:
        behind = sum(1 for tag in released if version_key(tag) > version_key(version))
    return LayerVersion(layer, version, latest, behind, str(src_path))


# --- rules -------------------------------------------------------------------------------


def _capped(rule: str, findings: list[Finding]) -> RuleResult:
    if len(findings) > MAX_FINDINGS_PER_RULE:
        more = len(findings) - MAX_FINDINGS_PER_RULE
        findings = [*findings[:MAX_FINDINGS_PER_RULE], Finding.of(rule, "more", more=more)]
    return RuleResult(rule, tuple(findings))


def check_answers(root: Path) -> tuple[dict[str, dict[str, Any]], RuleResult]:
    """Parse every layer's answers file; each must record its source and version."""
    layers: dict[str, dict[str, Any]] = {}
    findings = []
    for layer in LAYERS:
        name = answers_file_name(layer)
        if not (root / name).is_file():
            continue
        try:
            answers = read_answers(root / name)
        except UsageError as error:
            findings.append(_unreadable_answers(root, name, error))
            continue
        layers[layer] = answers
        for key in ("_src_path", "_commit"):
            if not answers.get(key):
                findings.append(
                    Finding.of("answers", "answers_missing_key", name, name=name, key=key)
                )
    return layers, RuleResult("answers", tuple(findings))


def _unreadable_answers(root: Path, name: str, error: UsageError) -> Finding:
    """The finding for an answers file :func:`read_answers` refused (paths inside ``root``)."""
    message = str(error).replace(str(root) + os.sep, "")
    cause = error.__cause__
    if cause is None:
        finding = Finding.of("answers", "answers_not_mapping", name, path=name)
    else:
        reason = " ".join(str(cause).split()).replace(str(root) + os.sep, "")
        finding = Finding.of("answers", "answers_unreadable", name, path=name, error=reason)
    # The English stays read_answers' own words; an unforeseen one is shown as it is.
    return finding if finding.message == message else Finding("answers", message, name)


def check_layers(answers: Mapping[str, Mapping[str, Any]]) -> RuleResult:
    """The layers present match the recorded answers (core first, flags consistent)."""
    findings = []
    core = answers.get("poc", {})
    if core.get("is_production") and "production" not in answers:
        findings.append(Finding.of("layers", "production_not_applied"))
    if "production" in answers and core.get("is_production") is False:
        findings.append(Finding.of("layers", "production_flag_false"))
    if core.get("feedback_loop") and "feedback-loop" not in answers:
        findings.append(Finding.of("layers", "feedback_not_applied"))
    if "feedback-loop" in answers and core.get("feedback_loop") is False:
        findings.append(Finding.of("layers", "feedback_flag_false"))
    package = core.get("package_name")
    for layer, layer_answers in answers.items():
        other = layer_answers.get("package_name")
        if layer != "poc" and other is not None and package is not None and other != package:
            findings.append(
                Finding.of(
                    "layers",
                    "package_mismatch",
                    answers_file_name(layer),
                    layer=layer,
                    other=other,
                    package=package,
                )
            )
    return RuleResult("layers", tuple(findings))


def check_versions(versions: Sequence[LayerVersion], allow_drift: bool) -> RuleResult:
    """Every layer is on the newest released version of its source."""
    findings = []
    for layer in versions:
        if layer.latest is None:
            if layer.src_path is not None:
                findings.append(
                    Finding.of(
                        "versions",
                        "versions_unreadable",
                        None,
                        "warning",
                        layer=layer.layer,
                        src_path=layer.src_path,
                    )
                )
            continue
        if layer.behind is None:
            findings.append(
                Finding.of(
                    "versions",
                    "not_a_release",
                    answers_file_name(layer.layer),
                    "warning",
                    layer=layer.layer,
                    version=layer.version,
                )
            )
        elif layer.behind:
            findings.append(
                Finding.of(
                    "versions",
                    "behind" if layer.behind > 1 else "behind_one",
                    answers_file_name(layer.layer),
                    "warning" if allow_drift else "error",
                    layer=layer.layer,
                    version=layer.version,
                    behind=layer.behind,
                    latest=layer.latest,
                )
            )
    return RuleResult("versions", tuple(findings))


def _path_present(root: Path, required: str) -> bool:
    if any(char in required for char in "*?["):
        return any(root.glob(required.rstrip("/")))
    if required.endswith("/"):
        return (root / required).is_dir()
    return (root / required).exists()


def check_layout(root: Path, answers: Mapping[str, Mapping[str, Any]]) -> RuleResult:
    """Every applied layer's required files and directories are there."""
    package = str(answers.get("poc", {}).get("package_name", ""))
    findings = []
    for layer, required in REQUIRED_LAYOUT.items():
        if layer not in answers:
            continue
        layer_package = str(answers[layer].get("package_name", package))
        for template in required:
            path = template.format(package_name=layer_package)
            if not _path_present(root, path):
                findings.append(
                    Finding.of("layout", "layout_missing", path, path=path, layer=layer)
                )
    return RuleResult("layout", tuple(findings))


def check_leftovers(root: Path, files: Sequence[Path], texts: Mapping[Path, str]) -> RuleResult:
    """No unresolved merge conflicts: no conflict markers, no ``*.rej`` files."""
    findings = [
        Finding.of("conflicts", "rejected_hunk", str(path), path=path)
        for path in files
        if path.suffix == ".rej"
    ]
    for path, text in texts.items():
        match = _CONFLICT_MARKER.search(text)
        if match:
            findings.append(
                Finding.of(
                    "conflicts",
                    "conflict_marker",
                    str(path),
                    path=path,
                    line=line_of(text, match.start()),
                )
            )
    return _capped("conflicts", findings)


def check_overlays(root: Path) -> RuleResult:
    """Every recorded overlay is still there: its answers file (Copier) or files (Cookiecutter)."""
    try:
        overlays = read_overlays(root)
    except UsageError as error:
        finding = Finding.of(
            "overlays",
            "overlay_record",
            OVERLAYS_FILE,
            path=root / OVERLAYS_FILE,
            error=error.__cause__,
        )
        if error.__cause__ is None or finding.message != str(error):
            finding = Finding("overlays", str(error), OVERLAYS_FILE)  # read_overlays' own words
        return RuleResult("overlays", (finding,))
    findings = []
    for overlay in overlays:
        expected = [overlay.answers_file] if overlay.answers_file else list(overlay.files)
        for path in expected:
            if path and not (root / path).exists():
                findings.append(
                    Finding.of("overlays", "overlay_missing", path, path=path, name=overlay.name)
                )
    return _capped("overlays", findings)


def check_policy(
    root: Path,
    policy: Policy,
    stage: str | None,
    versions: Sequence[LayerVersion],
    texts: Mapping[Path, str],
) -> list[RuleResult]:
    """The organisation's rules; one result per rule the policy sets."""
    results = []
    if policy.required_paths:
        findings = [
            Finding.of("policy:required_paths", "policy_path_missing", path, path=path)
            for path in policy.required_paths
            if not _path_present(root, path)
        ]
        results.append(RuleResult("policy:required_paths", tuple(findings)))
    if policy.forbidden_patterns:
        results.append(_forbidden(policy.forbidden_patterns, texts))
    if policy.min_versions:
        by_layer = {v.layer: v for v in versions}
        findings = []
        for layer, minimum in policy.min_versions.items():
            applied = by_layer.get(layer)
            if applied is None:
                continue
            if applied.version is None or version_key(applied.version) < version_key(minimum):
                known = {"version": applied.version} if applied.version else {}
                findings.append(
                    Finding.of(
                        "policy:min_versions",
                        "min_version" if known else "min_version_unknown",
                        answers_file_name(layer),
                        layer=layer,
                        minimum=minimum,
                        **known,
                    )
                )
        results.append(RuleResult("policy:min_versions", tuple(findings)))
    if policy.allowed_stages:
        findings = []
        if stage not in policy.allowed_stages:
            findings.append(
                Finding.of(
                    "policy:allowed_stages",
                    "stage_not_allowed",
                    answers_file_name("poc"),
                    stage=stage,
                    allowed=", ".join(policy.allowed_stages),
                )
            )
        results.append(RuleResult("policy:allowed_stages", tuple(findings)))
    return results


def _forbidden(patterns: Sequence[str], texts: Mapping[Path, str]) -> RuleResult:
    compiled = [(pattern, re.compile(pattern, re.MULTILINE)) for pattern in patterns]
    findings = []
    for path, text in texts.items():
        for pattern, regex in compiled:
            match = regex.search(text)
            if match:
                findings.append(
                    Finding.of(
                        "policy:forbidden_patterns",
                        "forbidden_pattern",
                        str(path),
                        path=path,
                        line=line_of(text, match.start()),
                        pattern=pattern,
                    )
                )
    return _capped("policy:forbidden_patterns", findings)


# --- projects ----------------------------------------------------------------------------


def check_project(
    root: Path, options: CheckOptions, tags: SourceTags | None = None
) -> ProjectReport:
    """Check one path; a path that is not an mljourney project is a failing report."""
    tags = tags or SourceTags()
    shown = str(root)
    answers, answers_result = check_answers(root)
    if "poc" not in answers:
        missing = not (root / answers_file_name("poc")).is_file()
        reason = Finding.of(
            "project",
            "not_a_project" if missing else "core_unreadable",
            file=answers_file_name("poc"),
        )
        findings = (reason, *answers_result.findings)
        return ProjectReport(
            path=shown, name=root.name, is_project=False, rules=(RuleResult("project", findings),)
        )
    core = answers["poc"]
    stage = str(core.get("stage", "unknown"))
    models = str(core.get("models_in_production", ""))
    level = int(level_for(models)) if models in MODELS_IN_PRODUCTION else None
    versions = tuple(layer_version(layer, answers[layer], tags) for layer in answers)
    files = project_files(root)
    texts = {path: text for path in files if (text := read_text(root / path)) is not None}
    rules = (
        answers_result,
        check_layers(answers),
        check_versions(versions, options.allow_drift),
        check_layout(root, answers),
        check_leftovers(root, files, texts),
        _capped("valid-files", _invalid_files(texts)),
        check_overlays(root),
        *check_policy(root, options.policy, stage, versions, texts),
    )
    language = str(core.get("language", i18n.DEFAULT_LANGUAGE))
    return ProjectReport(
        path=shown,
        name=str(core.get("project_name", root.name)),
        is_project=True,
        stage=stage,
        level=level,
        layers=versions,
        rules=rules,
        language=language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE,
    )


def _invalid_files(texts: Mapping[Path, str]) -> list[Finding]:
    """A finding for each project file its format's parser rejects (:mod:`generator.validate`)."""
    problems = (check_text(str(path), text) for path, text in sorted(texts.items()))
    return [
        Finding.of("valid-files", "invalid_notebook", p.path, path=p.path, reason=p.reason)
        if p.kind == "a notebook"
        else Finding.of(
            "valid-files", "invalid_file", p.path, path=p.path, kind=p.kind, reason=p.reason
        )
        for p in problems
        if p is not None
    ]


def discover_projects(root: Path) -> list[Path]:
    """Every mljourney project under ``root`` (a directory holding the core answers file)."""
    marker = answers_file_name("poc")
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        if marker in files:
            found.append(Path(directory))
            dirs[:] = []  # a project does not nest another one
    return found


def check_paths(
    paths: Sequence[Path], options: CheckOptions, recursive: bool = False
) -> CheckReport:
    """Check every path (a missing one is a usage error, raised before any work)."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"{missing[0]} does not exist")
    not_dirs = [p for p in paths if not p.is_dir()]
    if not_dirs:
        raise UsageError(f"{not_dirs[0]} is not a directory")
    roots: list[Path] = []
    for path in paths:
        if recursive:
            found = discover_projects(path)
            roots.extend(found or [path])
        else:
            roots.append(path)
    tags = SourceTags()
    return CheckReport(tuple(check_project(root, options, tags) for root in dict.fromkeys(roots)))


# --- renderers ---------------------------------------------------------------------------


def _level_title(level: int | None) -> str:
    if level is None:
        return "?"
    return level_actions(Level(level), i18n.current()).title


def report_language(report: CheckReport) -> str:
    """The language of the text report.

    One project: its ``language`` answer (English when it has none), as `update`, `add`
    and `graduate` speak it. A fleet or a path that is no project: the current language,
    which the CLI sets from the organisation config's default answer, else the locale
    (:func:`generator.i18n.default_language`): a fleet's projects may be in several
    languages, and its one table is read by whoever ran the check.
    """
    if len(report.projects) == 1 and report.projects[0].is_project:
        return report.projects[0].language
    return i18n.current()


def render_text(report: CheckReport, language: str | None = None) -> str:
    """Human-readable report: details for one project, a fleet table for several.

    In ``language`` (default: :func:`report_language`); rule ids, names, paths, versions
    and commands stay as they are.
    """
    with i18n.using(language or report_language(report)):
        if len(report.projects) == 1:
            return _render_one(report.projects[0])
        return _render_fleet(report)


def _render_one(project: ProjectReport) -> str:
    lines = [f"{project.name} ({project.path})"]
    if project.is_project:
        lines.append(
            "  " + i18n.t("check.stage", stage=project.stage, level=_level_title(project.level))
        )
        lines.append(
            "  " + i18n.t("check.layers", layers=", ".join(v.describe for v in project.layers))
        )
    passed, failed = i18n.t("check.pass"), i18n.t("check.fail")
    width = max(display_width(passed), display_width(failed))
    for rule in project.rules:
        lines.append(f"  {pad(passed if rule.passed else failed, width)}  {rule.rule}")
        for finding in rule.findings:
            text = finding.text()
            if finding.severity == "warning":
                text = i18n.t("check.warning", message=text)
            lines.append(f"        - {text}")
    count = len(project.violations)
    if project.compliant:
        verdict = i18n.t("check.compliant")
    else:
        verdict = i18n.t(
            "check.not_compliant" if count > 1 else "check.not_compliant_one", count=count
        )
    lines.append(verdict)
    return "\n".join(lines) + "\n"


_FLEET_COLUMNS = ("project", "stage", "level", "layers", "versions", "drift", "violations", "path")


def _render_fleet(report: CheckReport) -> str:
    header = tuple(i18n.t(f"check.fleet.{column}") for column in _FLEET_COLUMNS)
    rows = [
        (
            p.name if p.is_project else i18n.t("check.fleet.not_a_project", name=p.name),
            p.stage or "-",
            str(p.level) if p.level is not None else "-",
            ",".join(v.layer for v in p.layers) or "-",
            ",".join(v.version or "?" for v in p.layers) or "-",
            str(p.drift),
            str(len(p.violations)),
            p.path,
        )
        for p in report.projects
    ]
    lines = text_table(header, rows)
    failing = [p for p in report.projects if not p.compliant]
    for p in failing:
        lines.append("")
        lines.append(f"{p.name} ({p.path}):")
        lines.extend(f"  - [{f.rule}] {f.text()}" for f in p.violations)
    total = len(report.projects)
    lines.append("")
    lines.append(i18n.t("check.fleet.summary", compliant=total - len(failing), total=total))
    return "\n".join(lines) + "\n"


def report_dict(report: CheckReport) -> dict[str, Any]:
    """The report as JSON-ready data."""

    def finding(f: Finding) -> dict[str, Any]:
        return {"rule": f.rule, "message": f.message, "path": f.path}

    projects = [
        {
            "path": p.path,
            "name": p.name,
            "is_project": p.is_project,
            "stage": p.stage,
            "level": p.level,
            "compliant": p.compliant,
            "drift": p.drift,
            "update_available": p.update_available,
            "layers": {
                v.layer: {
                    "version": v.version,
                    "latest": v.latest,
                    "behind": v.behind,
                    "update_available": v.update_available,
                    "src_path": v.src_path,
                }
                for v in p.layers
            },
            "rules": [{"rule": r.rule, "passed": r.passed} for r in p.rules],
            "violations": [finding(f) for f in p.violations],
            "warnings": [finding(f) for f in p.warnings],
        }
        for p in report.projects
    ]
    return {
        "compliant": report.compliant,
        "update_available": report.update_available,
        "summary": {
            "projects": len(report.projects),
            "compliant": sum(p.compliant for p in report.projects),
            "violations": sum(len(p.violations) for p in report.projects),
        },
        "projects": projects,
    }


def render_json(report: CheckReport) -> str:
    """The report as JSON (see :func:`report_dict` for its shape)."""
    return to_json(report_dict(report))


def render_junit(report: CheckReport) -> str:
    """The report as JUnit XML: one test suite per project, one test case per rule."""
    suites = []
    for p in report.projects:
        cases = []
        for rule in p.rules:
            errors = [f.message for f in rule.findings if f.severity == "error"]
            warnings = [f"warning: {f.message}" for f in rule.findings if f.severity == "warning"]
            cases.append(
                JUnitCase(
                    name=rule.rule,
                    classname=p.name,
                    failure=errors[0] if errors else None,
                    details="\n".join(errors),
                    output="\n".join(warnings),
                )
            )
        suites.append(JUnitSuite(p.name, tuple(cases), properties={"path": p.path}))
    return junit_xml(suites, name="mljourney check")


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit}
