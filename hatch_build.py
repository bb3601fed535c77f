"""Wheel build hook: ship each layer's bundle with this version's tag added from templates/.

The repository keeps only released history in ``generator/bundles/``; the tag of the
version being built is made here, from the same ``templates/`` the wheel carries, so a
template edit never needs a binary bundle committed (see ``generator/layers.py``).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class LayerBundlesHook(BuildHookInterface):  # type: ignore[misc]
    """Builds ``generator/bundles/<layer>.bundle`` for the wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":  # an editable install builds from the checkout on use
            return
        root = Path(self.root)
        sys.path.insert(0, str(root))
        try:
            from generator import __version__
            from generator.layers import LAYERS, released_bundle
            from generator.release import build_bundle
        finally:
            sys.path.pop(0)
        self._scratch = tempfile.mkdtemp(prefix="mljourney-wheel-bundles-")
        for layer in LAYERS:
            bundle = Path(self._scratch) / f"{layer}.bundle"
            released = released_bundle(layer)
            if released.is_file():
                shutil.copyfile(released, bundle)
            build_bundle(root / "templates" / layer, bundle, __version__)
            build_data["force_include"][str(bundle)] = f"generator/bundles/{layer}.bundle"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
