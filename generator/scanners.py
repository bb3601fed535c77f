"""Independent security scanners over a rendered project: what to run, found by file kind.

zizmor (GitHub Actions workflows), checkov (CloudFormation and Dockerfiles), cfn-lint
(CloudFormation) and shellcheck (shell scripts). ``scan_commands`` returns the command lines
for the files a project holds, so ``smoke`` and the generated-project tests run the same
checks; the scanners themselves are installed apart (``.ci/run`` puts them in their own
environment and sets ``MLJOURNEY_SCANNERS_BIN``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SCANNERS = ("zizmor", "checkov", "cfn-lint", "shellcheck")
SHEBANGS = (b"#!/bin/sh", b"#!/bin/bash", b"#!/usr/bin/env bash", b"#!/usr/bin/env sh")


def find_scanner(name: str) -> str | None:
    """The scanner's executable: ``MLJOURNEY_SCANNERS_BIN`` first, then PATH; None if absent."""
    folder = os.environ.get("MLJOURNEY_SCANNERS_BIN")
    if folder and (Path(folder) / name).is_file():
        return str(Path(folder) / name)
    return shutil.which(name)


def workflows(root: Path) -> list[Path]:
    """GitHub Actions workflow files."""
    return sorted((root / ".github" / "workflows").glob("*.y*ml"))


def cloudformation(root: Path) -> list[Path]:
    """YAML files under infra/ that are CloudFormation templates."""
    found = []
    for path in sorted((root / "infra").rglob("*.y*ml")):
        text = path.read_text(encoding="utf-8")
        if "AWSTemplateFormatVersion" in text or "\nResources:" in text:
            found.append(path)
    return found


def dockerfiles(root: Path) -> list[Path]:
    """Dockerfiles anywhere in the project (outside .venv)."""
    return sorted(path for path in root.rglob("Dockerfile*") if ".venv" not in path.parts)


def shell_scripts(root: Path) -> list[Path]:
    """``*.sh`` files and files starting with a sh/bash shebang (outside .venv and .git)."""
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or {".venv", ".git"} & set(path.parts):
            continue
        if path.suffix == ".sh":
            found.append(path)
            continue
        with path.open("rb") as handle:
            if handle.read(24).startswith(SHEBANGS):
                found.append(path)
    return found


def scan_commands(root: Path) -> list[tuple[str, list[str]]]:
    """(scanner, argv) for every scanner that has files to scan in ``root``.

    argv[0] is the scanner's name; resolve it with ``find_scanner``. Every command exits
    non-zero on a finding (zizmor with the pedantic persona, checkov on any failed check).
    """
    commands: list[tuple[str, list[str]]] = []
    flows = workflows(root)
    if flows:
        zizmor = ["zizmor", "--offline", "--persona=pedantic", *map(str, flows)]
        commands.append(("zizmor", zizmor))
    templates = cloudformation(root)
    if templates or dockerfiles(root):
        checkov = ["checkov", "-d", str(root), "--framework", "cloudformation", "dockerfile"]
        commands.append(("checkov", [*checkov, "--compact", "--quiet", "--skip-download"]))
    if templates:
        commands.append(("cfn-lint", ["cfn-lint", *map(str, templates)]))
    scripts = shell_scripts(root)
    if scripts:
        commands.append(("shellcheck", ["shellcheck", *map(str, scripts)]))
    return commands
