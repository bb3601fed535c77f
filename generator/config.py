"""Organisation defaults: template sources, default answers and the policy for `check`.

Read from ``--config FILE`` or the ``MLJOURNEY_CONFIG`` environment variable::

    template_sources:            # the organisation's own git-hosted copies of the layers
      poc: https://git.example.com/ml/poc-layer.git
    defaults:                    # default answers for `new`
      organisation: acme-ml
      aws_region: eu-central-1
    overlays:                    # Copier/Cookiecutter templates rendered on top of every project
      - https://git.example.com/ml/licence-and-codeowners.git
    policy:                      # rules `mljourney check` enforces
      required_paths: [CODEOWNERS]
      forbidden_patterns: ["AKIA[0-9A-Z]{16}"]
      min_versions: {poc: "0.1.0"}
      allowed_stages: [prototyping, building, deploying, scaling]
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UsageError
from generator.journey import STAGE_NAMES
from generator.layers import LAYERS

CONFIG_ENV = "MLJOURNEY_CONFIG"


@dataclass(frozen=True)
class Policy:
    """An organisation's rules for `mljourney check`."""

    required_paths: tuple[str, ...] = ()
    forbidden_patterns: tuple[str, ...] = ()
    min_versions: Mapping[str, str] = field(default_factory=dict)
    allowed_stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrgConfig:
    """Everything an organisation can set."""

    template_sources: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    overlays: tuple[str, ...] = ()
    policy: Policy = field(default_factory=Policy)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"{where} must be a list of strings")
    return tuple(value)


def _string_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a mapping")
    return {str(k): str(v) for k, v in value.items()}


def parse_policy(raw: Any, where: str = "policy") -> Policy:
    """Validate a policy mapping."""
    if raw is None:
        return Policy()
    if not isinstance(raw, dict):
        raise UsageError(f"{where} must be a mapping")
    unknown = sorted(
        set(raw) - {"required_paths", "forbidden_patterns", "min_versions", "allowed_stages"}
    )
    if unknown:
        raise UsageError(f"unknown key '{unknown[0]}' in {where}")
    patterns = _strings(raw.get("forbidden_patterns", []), f"{where}.forbidden_patterns")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise UsageError(
                f"{where}.forbidden_patterns: '{pattern}' is not a regex: {error}"
            ) from error
    stages = _strings(raw.get("allowed_stages", []), f"{where}.allowed_stages")
    bad_stage = [s for s in stages if s not in STAGE_NAMES]
    if bad_stage:
        raise UsageError(f"{where}.allowed_stages: unknown stage '{bad_stage[0]}'")
    min_versions = _string_map(raw.get("min_versions", {}), f"{where}.min_versions")
    bad_layer = [layer for layer in min_versions if layer not in LAYERS]
    if bad_layer:
        raise UsageError(f"{where}.min_versions: unknown layer '{bad_layer[0]}'")
    return Policy(
        required_paths=_strings(raw.get("required_paths", []), f"{where}.required_paths"),
        forbidden_patterns=patterns,
        min_versions=min_versions,
        allowed_stages=stages,
    )


def load_config(path: Path | None) -> OrgConfig:
    """Load the organisation config from ``path``, else ``$MLJOURNEY_CONFIG``, else none."""
    if path is None:
        env_path = os.environ.get(CONFIG_ENV)
        if not env_path:
            return OrgConfig()
        path = Path(env_path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"cannot read config {path}: {' '.join(str(error).split())}") from error
    if raw is None:
        return OrgConfig()
    if not isinstance(raw, dict):
        raise UsageError(f"config {path} must be a mapping")
    unknown = sorted(set(raw) - {"template_sources", "defaults", "overlays", "policy"})
    if unknown:
        raise UsageError(f"unknown key '{unknown[0]}' in config {path}")
    sources = _string_map(raw.get("template_sources", {}), "template_sources")
    bad = [layer for layer in sources if layer not in LAYERS]
    if bad:
        raise UsageError(
            f"template_sources: unknown layer '{bad[0]}' (layers: {', '.join(LAYERS)})"
        )
    defaults = raw.get("defaults", {})
    if not isinstance(defaults, dict):
        raise UsageError("defaults must be a mapping of answers")
    return OrgConfig(
        template_sources=sources,
        defaults=dict(defaults),
        overlays=_strings(raw.get("overlays", []), "overlays"),
        policy=parse_policy(raw.get("policy")),
    )
