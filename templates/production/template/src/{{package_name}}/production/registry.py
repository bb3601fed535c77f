"""A local model registry: one folder per model package, described by JSON.

It mirrors SageMaker's Model Registry (model package group -> numbered versions with an
approval status and metrics), so ``run-local`` behaves like the SageMaker pipeline and a
team can practise the approval step before any AWS account exists::

    registry/<group>/<version>/model.tar.gz
    registry/<group>/<version>/model-package.json
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PENDING = "PendingManualApproval"
APPROVED = "Approved"
REJECTED = "Rejected"
STATUSES = (PENDING, APPROVED, REJECTED)
DESCRIPTION_FILE = "model-package.json"


class RegistryError(Exception):
    """The registry cannot do what was asked; the message is meant for the user."""


def versions(root: Path, group: str) -> list[int]:
    folder = root / group
    if not folder.is_dir():
        return []
    return sorted(int(item.name) for item in folder.iterdir() if item.name.isdigit())


def register(
    root: Path,
    group: str,
    model_dir: Path,
    evaluation: dict[str, Any],
    status: str = PENDING,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Add a model package (the model folder as model.tar.gz plus its metrics) to a group.

    ``metadata`` becomes ``CustomerMetadataProperties`` (SageMaker's free-form key/value
    map of a model package), e.g. the training rows, label count and lake watermark.
    """
    if status not in STATUSES:
        raise RegistryError(f"unknown approval status {status!r}")
    version = (versions(root, group) or [0])[-1] + 1
    target = root / group / str(version)
    target.parent.mkdir(parents=True, exist_ok=True)
    description = {
        "ModelPackageGroupName": group,
        "ModelPackageVersion": version,
        "ModelApprovalStatus": status,
        "CreationTime": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "ModelDataUrl": "model.tar.gz",
        "ModelMetrics": evaluation,
    }
    if metadata:
        description["CustomerMetadataProperties"] = dict(metadata)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".staging-") as staging_name:
        staging = Path(staging_name) / "package"
        staging.mkdir()
        with tarfile.open(staging / "model.tar.gz", "w:gz") as archive:
            for path in sorted(model_dir.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.add(path, arcname=str(path.relative_to(model_dir)))
        _write_json(staging / DESCRIPTION_FILE, description)
        os.replace(staging, target)
    return description


def describe(root: Path, group: str, version: int | None = None) -> dict[str, Any]:
    """A model package's description; the latest version when none is given."""
    known = versions(root, group)
    if not known:
        raise RegistryError(f"model package group {group!r} has no versions in {root}")
    version = known[-1] if version is None else version
    path = root / group / str(version) / DESCRIPTION_FILE
    if not path.is_file():
        raise RegistryError(f"{group} has no version {version} (known: {known})")
    return json.loads(path.read_text())


def set_status(root: Path, group: str, version: int | None, status: str) -> dict[str, Any]:
    """Approve or reject a model package (the latest when no version is given)."""
    if status not in STATUSES:
        raise RegistryError(f"unknown approval status {status!r}")
    description = describe(root, group, version)
    description["ModelApprovalStatus"] = status
    description["LastModifiedTime"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    path = root / group / str(description["ModelPackageVersion"]) / DESCRIPTION_FILE
    _write_json(path, description)
    return description


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    os.replace(partial, path)


def unpack(package_dir: Path, dest: Path) -> Path:
    """Extract a package's model.tar.gz (e.g. to serve it locally)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(package_dir / "model.tar.gz") as archive:
        archive.extractall(dest, filter="data")
    shutil.rmtree(dest / "__pycache__", ignore_errors=True)
    return dest
