"""The one module that talks to Copier (public API only: run_copy, run_update).

Copier is imported inside the functions: it costs ~0.3 s, and `mljourney --help` must
stay instant.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from generator.errors import MljourneyError
from generator.layers import LayerSource, answers_file_name


@contextlib.contextmanager
def _copier_call(action: str) -> Iterator[None]:
    """Keep Copier's progress lines off the terminal; turn its errors into one line."""
    from copier.errors import CopierError, UnsafeTemplateError
    from jinja2 import TemplateError, TemplateSyntaxError

    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    except UnsafeTemplateError as error:
        first = str(error).splitlines()[0]
        raise MljourneyError(
            f"{action} failed: {first} If you trust this template, run again with "
            "mljourney's --trust option (it lets the template run commands on your machine)"
        ) from error
    except TemplateSyntaxError as error:
        where = f" ({error.name or error.filename}, line {error.lineno})" if error.lineno else ""
        raise MljourneyError(f"{action} failed: template error{where}: {error.message}") from error
    except TemplateError as error:
        message = " ".join(str(error).split()) or type(error).__name__
        raise MljourneyError(f"{action} failed: template error: {message}") from error
    except subprocess.CalledProcessError as error:
        detail = " ".join(str(error.stderr or error).split())
        raise MljourneyError(f"{action} failed: {detail}") from error
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
    trust: bool = False,
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
            unsafe=trust,
        )


def _update(
    project: Path,
    answers_file: str,
    data: Mapping[str, Any],
    *,
    action: str,
    vcs_ref: str | None = None,
    trust: bool = False,
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
            unsafe=trust,
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


def render_overlay(
    src_path: str,
    dest: Path,
    data: Mapping[str, Any],
    answers_file: str,
    *,
    trust: bool = False,
) -> None:
    """Render an organisation's Copier template (an overlay) with its own answers file.

    ``trust`` lets Copier run the overlay's ``_tasks``, ``_migrations`` and
    ``_jinja_extensions`` (Copier's ``unsafe``); without it such an overlay is refused.
    """
    _copy(
        src_path,
        dest,
        data,
        action=f"rendering the overlay {src_path}",
        answers_file=answers_file,
        trust=trust,
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


def update_overlay(project: Path, answers_file: str, *, trust: bool = False) -> None:
    """Update a Copier overlay like a layer: 3-way merge, conflicts inline."""
    _update(
        project,
        answers_file,
        {},
        action=f"updating the overlay recorded in {answers_file}",
        trust=trust,
    )
