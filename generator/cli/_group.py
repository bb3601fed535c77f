"""The top-level group and the one error funnel every command goes through."""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from generator import __version__
from generator.errors import MljourneyError


class MljourneyGroup(click.Group):
    """Turns mljourney errors into one line on stderr and their exit code.

    ``UsageError`` exits 2, any other ``MljourneyError`` its ``exit_code`` (1); Click's own
    usage errors keep Click's handling (exit 2); an interrupt (SIGINT, or SIGTERM during a
    lifecycle step) exits 130.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MljourneyError as error:
            click.echo(f"mljourney: error: {error}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut this
                signal.signal(sig, signal.SIG_IGN)
            click.echo(
                "mljourney: interrupted; nothing half-done was left (git log shows where the "
                "project stands)",
                err=True,
            )
            sys.exit(130)


@click.group(cls=MljourneyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mljourney")
def main() -> None:
    """Scaffold ML projects for where your team stands on the ML journey.

    learning / experimenting / prototyping get a SageMaker Studio Lab proof of concept;
    building / deploying / scaling get a SageMaker production project; either can carry a
    feedback loop that collects labels through the product.
    """
