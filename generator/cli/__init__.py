"""The `mljourney` command line: Click only - options, prompts, output.

One module per command group (``new`` and ``assess`` in :mod:`generator.cli.new`;
``update``, ``add`` and ``graduate`` in :mod:`generator.cli.lifecycle`; ``check`` in
:mod:`generator.cli.check`; ``smoke`` in :mod:`generator.cli.smoke`; ``changelog`` and
``propose-update`` in :mod:`generator.cli.proposal`). Each command maps its flags onto
one call into a core module; every failure the user can act on is an
:class:`~generator.errors.MljourneyError`, turned into one line on stderr and its exit
code in one place, :class:`MljourneyGroup` (as Copier's ``_cli.py`` does).
"""

from __future__ import annotations

from generator.cli._group import main
from generator.cli.check import check_command
from generator.cli.lifecycle import add, graduate, update
from generator.cli.new import assess_command, new
from generator.cli.proposal import changelog_command, propose_update
from generator.cli.smoke import smoke_command

for _command in (
    new,
    assess_command,
    update,
    add,
    graduate,
    check_command,
    smoke_command,
    changelog_command,
    propose_update,
):
    main.add_command(_command)

__all__ = ["main"]
