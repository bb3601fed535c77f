"""Each layer's CHANGELOG.md, read from the layer's bundle (so it works from a wheel).

``templates/<layer>/CHANGELOG.md`` sits beside the layer's ``copier.yml`` (outside its
``_subdirectory``, so it is never rendered into projects) and is recorded in each release's
tag of the layer bundle, one ``## <version>`` section per release.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from generator.errors import MljourneyError, UsageError
from generator.layers import LAYERS, bundle_tags, packaged_bundle, released_versions

CHANGELOG_FILE = "CHANGELOG.md"


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )


def read_changelog(layer: str, version: str | None = None, bundle: Path | None = None) -> str:
    """The text of ``layer``'s CHANGELOG.md as recorded at tag ``version`` of its bundle.

    Args:
        layer: one of :data:`generator.layers.LAYERS`.
        version: a tag of the bundle (``v0.2.0`` or ``0.2.0``); default: the newest one,
            i.e. the version this mljourney renders.
        bundle: the git bundle to read; default: the one this mljourney ships.

    Raises:
        UsageError: unknown layer or version.
        MljourneyError: the bundle cannot be read, or that version records no changelog
            (releases before 0.2.0 shipped none).
    """
    if layer not in LAYERS:
        raise UsageError(f"unknown layer '{layer}' (layers: {', '.join(LAYERS)})")
    bundle = bundle or packaged_bundle(layer)
    tags = released_versions(bundle_tags(bundle))
    if not tags:
        raise MljourneyError(f"the {layer} bundle {bundle} holds no released version")
    if version is None:
        tag = tags[-1]
    else:
        tag = version if version.startswith("v") else f"v{version}"
        if tag not in tags:
            raise UsageError(
                f"the {layer} layer has no version '{version}' (versions: {', '.join(tags)})"
            )
    with tempfile.TemporaryDirectory(prefix="mljourney-changelog-") as tmp:
        repo = Path(tmp)
        for args in (
            ("init", "--quiet", "--bare"),
            ("fetch", "--quiet", "--no-tags", str(bundle), f"refs/tags/{tag}:refs/tags/{tag}"),
        ):
            result = _git(*args, cwd=repo)
            if result.returncode != 0:
                raise MljourneyError(f"cannot read {bundle}: {result.stderr.strip()}")
        shown = _git("show", f"{tag}:{CHANGELOG_FILE}", cwd=repo)
    if shown.returncode != 0:
        raise MljourneyError(f"the {layer} layer's {tag} ships no {CHANGELOG_FILE}")
    return shown.stdout
