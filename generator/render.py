"""The one module that talks to Copier (public API only: run_copy, run_update).

Copier is imported inside the functions: it costs ~0.3 s, and `mljourney --help` must
stay instant.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from generator.errors import MljourneyError
from generator.layers import LayerSource, answers_file_name


@contextlib.contextmanager
def _copier_errors(action: str) -> Iterator[None]:
    """Turn Copier's exceptions into one-line mljourney errors."""
    from copier.errors import CopierError

    try:
        yield
    except (CopierError, ValueError, OSError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        raise MljourneyError(f"{action} failed: {message}") from error


def render_layer(
    source: LayerSource,
    dest: Path,
    data: Mapping[str, Any],
    vcs_ref: str | None = None,
) -> None:
    """Render one layer into ``dest`` with the given answers (defaults for the rest)."""
    import copier

    with _copier_errors(f"rendering the {source.layer} layer"), _quiet_copier():
        copier.run_copy(
            source.src_path,
            str(dest),
            data=dict(data),
            vcs_ref=vcs_ref,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
        )


def render_overlay(src_path: str, dest: Path, data: Mapping[str, Any], answers_file: str) -> None:
    """Render an organisation's Copier template (an overlay) with its own answers file."""
    import copier

    with _copier_errors(f"rendering the overlay {src_path}"), _quiet_copier():
        copier.run_copy(
            src_path,
            str(dest),
            data=dict(data),
            answers_file=answers_file,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
        )


def update_overlay(project: Path, answers_file: str) -> None:
    """Update a Copier overlay like a layer: 3-way merge, conflicts inline."""
    import copier

    with _copier_errors(f"updating the overlay recorded in {answers_file}"), _quiet_copier():
        copier.run_update(
            str(project),
            answers_file=answers_file,
            defaults=True,
            overwrite=True,
            quiet=True,
            conflict="inline",
            skip_answered=True,
            unsafe=False,
        )


def update_layer(
    project: Path,
    layer: str,
    data: Mapping[str, Any] | None = None,
    *,
    pretend: bool = False,
    vcs_ref: str | None = None,
) -> None:
    """Bring one applied layer to a newer template version with Copier's 3-way merge.

    Conflicts are written inline (``<<<<<<<`` markers) so they show up in `git diff` and in
    `mljourney check`.
    """
    import copier

    with _copier_errors(f"updating the {layer} layer"), _quiet_copier():
        copier.run_update(
            str(project),
            answers_file=answers_file_name(layer),
            data=dict(data or {}),
            vcs_ref=vcs_ref,
            defaults=True,
            overwrite=True,
            quiet=True,
            conflict="inline",
            pretend=pretend,
            skip_answered=True,
            unsafe=False,
        )


@contextlib.contextmanager
def _quiet_copier() -> Iterator[None]:
    """Keep Copier's own progress lines off the terminal; mljourney reports instead."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield
