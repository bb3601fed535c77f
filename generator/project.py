"""Reading an existing project: which layers it has, with which answers and versions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UsageError
from generator.layers import LAYERS, answers_file_name


@dataclass(frozen=True)
class AppliedLayer:
    """One layer as recorded in the project's answers file."""

    layer: str
    answers: dict[str, Any]

    @property
    def src_path(self) -> str | None:
        value = self.answers.get("_src_path")
        return None if value is None else str(value)

    @property
    def commit(self) -> str | None:
        value = self.answers.get("_commit")
        return None if value is None else str(value)


@dataclass(frozen=True)
class Project:
    """A generated project on disk."""

    root: Path
    layers: dict[str, AppliedLayer]

    @property
    def core(self) -> AppliedLayer:
        return self.layers["poc"]

    @property
    def stage(self) -> str:
        return str(self.core.answers.get("stage", "unknown"))

    @property
    def name(self) -> str:
        return str(self.core.answers.get("project_name", self.root.name))

    def user_answers(self, layer: str) -> dict[str, Any]:
        """A layer's answers without Copier's bookkeeping keys."""
        return {k: v for k, v in self.layers[layer].answers.items() if not k.startswith("_")}


def read_answers(path: Path) -> dict[str, Any]:
    """Parse one answers file; a broken one is a usage error, not a traceback."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"cannot read {path}: {' '.join(str(error).split())}") from error
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a mapping of answers")
    return data


def load_project(root: Path) -> Project:
    """Read the layers applied to the project at ``root``."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory")
    layers = {}
    for layer in LAYERS:
        path = root / answers_file_name(layer)
        if path.is_file():
            layers[layer] = AppliedLayer(layer, read_answers(path))
    if "poc" not in layers:
        raise UsageError(
            f"{root} is not an mljourney project: {answers_file_name('poc')} is missing"
        )
    return Project(root=root, layers=layers)
