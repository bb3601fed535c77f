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
def _copier_call(action: str) -> Iterator[None]:
    """Keep Copier's progress lines off the terminal; turn its errors into one line."""
    from copier.errors import CopierError

    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    except (CopierError, ValueError, OSError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        raise MljourneyError(f"{action} failed: {message}") from error


def _copy(
    src_path: str,
    dest: Path,
    data: Mapping[str, Any],
    *,
    action: str,
    vcs_ref: str | None = None,
    answers_file: str | None = None,
) -> None:
    import copier

    with _copier_call(action):
        copier.run_copy(
            src_path,
            str(dest),
            data=dict(data),
            answers_file=answers_file,
            vcs_ref=vcs_ref,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
        )


def _update(
    project: Path,
    answers_file: str,
    data: Mapping[str, Any],
    *,
    action: str,
    vcs_ref: str | None = None,
) -> None:
    import copier

    with _copier_call(action):
        copier.run_update(
            str(project),
            answers_file=answers_file,
            data=dict(data),
            vcs_ref=vcs_ref,
            defaults=True,
            overwrite=True,
            quiet=True,
            conflict="inline",
            skip_answered=True,
            unsafe=False,
        )


def render_layer(
    source: LayerSource,
    dest: Path,
    data: Mapping[str, Any],
    vcs_ref: str | None = None,
) -> None:
    """Render one layer into ``dest`` with the given answers (defaults for the rest)."""
    _copy(
        source.src_path, dest, data, action=f"rendering the {source.layer} layer", vcs_ref=vcs_ref
    )


def render_overlay(src_path: str, dest: Path, data: Mapping[str, Any], answers_file: str) -> None:
    """Render an organisation's Copier template (an overlay) with its own answers file."""
    _copy(
        src_path, dest, data, action=f"rendering the overlay {src_path}", answers_file=answers_file
    )


def update_layer(
    project: Path,
    layer: str,
    data: Mapping[str, Any] | None = None,
    *,
    vcs_ref: str | None = None,
) -> None:
    """Bring one applied layer to a newer template version with Copier's 3-way merge.

    Conflicts are written inline (``<<<<<<<`` markers) so they show up in `git diff` and in
    `mljourney check`.
    """
    _update(
        project,
        answers_file_name(layer),
        data or {},
        action=f"updating the {layer} layer",
        vcs_ref=vcs_ref,
    )


def update_overlay(project: Path, answers_file: str) -> None:
    """Update a Copier overlay like a layer: 3-way merge, conflicts inline."""
    _update(project, answers_file, {}, action=f"updating the overlay recorded in {answers_file}")
