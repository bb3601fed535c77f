"""Never write outside the destination: no writing through symbolic links in it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from generator.errors import DestinationError


def link_on_the_way(dest: Path, relative: Path) -> Path | None:
    """The first symbolic link among ``relative``'s folders under ``dest``, or ``None``.

    ``dest/docs/charter.md`` with ``dest/docs`` a link to ``../shared`` would land in
    ``shared/``: that link is returned. The file itself being a link counts too.
    """
    current = dest
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current
        if not current.exists():
            return None
    return None


def refuse_writes_outside(dest: Path, relatives: Iterable[Path]) -> None:
    """Raise ``DestinationError`` if writing any of ``relatives`` would leave ``dest``."""
    root = dest.resolve()
    for relative in sorted(relatives):
        if relative.is_absolute() or ".." in relative.parts:
            raise DestinationError(f"refusing to write {relative}: it is outside {dest}")
        link = link_on_the_way(dest, relative)
        if link is not None:
            target = os.readlink(link)
            raise DestinationError(
                f"refusing to write {relative}: {link.relative_to(dest)} in {dest} is a symbolic "
                f"link (to {target}), so the file would land outside the project; replace the "
                "link with a real folder or choose another destination"
            )
        resolved = (root / relative).parent.resolve()
        if resolved != root and root not in resolved.parents:
            raise DestinationError(f"refusing to write {relative}: it resolves outside {dest}")
