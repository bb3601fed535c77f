"""`mljourney new`: render the layers into a staging directory, then publish into DEST.

Everything is rendered (and committed to git) in a private temporary directory first,
and every rendered TOML/YAML/JSON/Python/notebook file is parsed there (``validate``).
Only a complete, valid project is moved into DEST, and only when no file there would be
overwritten and no file would go through a symbolic link out of DEST. If publishing fails
half-way, what was moved is taken back out again. Copier's temporary clones live in the
private directory too, so an interrupted `new` (SIGINT or SIGTERM) leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import git
from generator.errors import DestinationError, MljourneyError
from generator.layers import LayerSource
from generator.overlay import apply_overlays
from generator.render import render_layer
from generator.safepath import refuse_writes_outside
from generator.transaction import interruptible, private_tempdir, signals_held
from generator.validate import require_valid


@dataclass(frozen=True)
class Destination:
    """Where a project goes and how careful to be with what is there."""

    path: Path
    into_existing: bool = False

    def check(self) -> None:
        """Refuse destinations that would lose or overwrite the user's files."""
        path = self.path
        if path.exists() and not path.is_dir():
            raise DestinationError(f"destination {path} exists and is not a directory")
        if not path.exists():
            if not path.parent.is_dir():
                raise DestinationError(f"parent directory {path.parent} does not exist")
            return
        if any(path.iterdir()) and not self.into_existing:
            raise DestinationError(
                f"destination {path} is not empty; pass --into-existing to add the project "
                "beside the files there (nothing is ever overwritten)"
            )


def relative_files(root: Path) -> set[Path]:
    """Every file and symlink under ``root``, relative to it (git internals excluded)."""
    return {
        p.relative_to(root)
        for p in root.rglob("*")
        if (p.is_file() or p.is_symlink()) and ".git" not in p.relative_to(root).parts
    }


def render_into_staging(
    staging: Path,
    layers: Sequence[str],
    sources: Mapping[str, LayerSource],
    data: Mapping[str, Any],
) -> None:
    """Render ``layers`` in order into the empty directory ``staging``."""
    for layer in layers:
        render_layer(sources[layer], staging, data)


def publish(staging: Path, destination: Destination) -> None:
    """Move the staged project into DEST without overwriting anything; all or nothing."""
    dest = destination.path
    if dest.exists():
        refuse_writes_outside(dest, relative_files(staging))
    collisions = sorted(str(p) for p in relative_files(staging) if os.path.lexists(dest / p))
    if (staging / ".git").exists() and (dest / ".git").exists():
        collisions.insert(0, ".git")
    if collisions:
        shown = ", ".join(collisions[:5]) + (" ..." if len(collisions) > 5 else "")
        raise DestinationError(f"would overwrite existing files in {dest}: {shown}")
    created = not dest.exists()
    if created:
        try:
            shutil.move(str(staging), str(dest))
        except OSError as error:
            shutil.rmtree(dest, ignore_errors=True)
            raise MljourneyError(f"cannot write {dest}: {error}") from error
        return
    moved: list[Path] = []
    try:
        for source in sorted(relative_files(staging) | _git_dir(staging)):
            target = dest / source
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging / source), str(target))
            moved.append(target)
    except OSError as error:
        for target in reversed(moved):
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        raise MljourneyError(f"cannot write into {dest}: {error}") from error


def _git_dir(staging: Path) -> set[Path]:
    return {Path(".git")} if (staging / ".git").exists() else set()


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def create_project(
    destination: Destination,
    layers: Sequence[str],
    sources: Mapping[str, LayerSource],
    data: Mapping[str, Any],
    *,
    init_git: bool,
    overlays: Sequence[str] = (),
    trust: bool = False,
) -> bool:
    """Render and publish a new project; return whether it was committed to a new git repo.

    ``trust`` lets overlays use Copier's unsafe features (tasks, migrations, extensions).
    Raises ``DestinationError`` (nothing written) when DEST cannot take the project, and
    ``MljourneyError`` when a rendered file would be invalid for its type.
    """
    destination.check()
    # A new (or empty) DEST becomes a repository of its own, even inside another checkout:
    # Copier's update needs one. Files added beside existing ones inside a repository are
    # left for the user to commit there.
    beside_existing = destination.path.exists() and any(destination.path.iterdir())
    make_repo = init_git and not (beside_existing and git.is_inside_work_tree(destination.path))
    scratch = Path(tempfile.mkdtemp(prefix="mljourney-new-"))
    staging = scratch / "project"
    staging.mkdir()
    # mkdtemp makes a private (0700) directory; the project gets the user's usual mode.
    staging.chmod(0o777 & ~_current_umask())
    with interruptible():
        try:
            with private_tempdir(scratch):
                render_into_staging(staging, layers, sources, data)
                apply_overlays(staging, overlays, data, trust=trust)
                require_valid(staging)
                if make_repo:
                    git.init_and_commit(staging, f"Scaffold {data['project_name']} with mljourney")
            with signals_held():
                publish(staging, destination)
        finally:
            with signals_held():
                shutil.rmtree(scratch, ignore_errors=True)
    return make_repo
