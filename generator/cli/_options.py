"""Options and output helpers several commands share, each defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from generator.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def config_option(function: F) -> F:
    """``--config FILE``: the organisation config, passed on as ``config_path``."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Organisation config (template sources, default answers, overlays, policy); "
        "default: $MLJOURNEY_CONFIG.",
    )(function)


def project_path_argument(function: F) -> F:
    """``[PATH]``: the project a lifecycle command works on (default: the current directory)."""
    return click.argument("path", default=".", type=click.Path(path_type=Path, file_okay=False))(
        function
    )


def write_output(text: str, output: Path | None) -> None:
    """Print ``text``, or write it to ``output``; an unwritable file is a usage error."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error}") from error
