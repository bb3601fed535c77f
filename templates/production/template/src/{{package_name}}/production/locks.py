"""One writer at a time for the local lake and the local model registry.

Commands that write them (``ingest``, ``run-local``, ``approve --local``) take an exclusive
file lock (``filelock``: ``fcntl.flock`` on Linux and macOS, ``msvcrt`` on Windows), so two
terminals, a cron job and a CI step can run them at once: the second waits for the first,
and after ``timeout`` seconds gives up with "busy". The operating system releases the lock
when a process ends, even when it is killed, so a crash never leaves the lake locked.
Readers take no lock: writers publish every file with an atomic rename.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

LOCK_FILE = ".lock"
# Seconds a writer waits for another one (a run-local registers within seconds).
DEFAULT_TIMEOUT = 60.0


class Busy(Exception):
    """Another command holds the lock; the message is one line meant for the user."""


@contextmanager
def exclusive(folder: Path, what: str, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold ``folder/.lock`` for the block; raise Busy after waiting ``timeout`` seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(folder / LOCK_FILE, timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise Busy(
            f"busy: another command is writing {what} (waited {timeout:g} s for "
            f"{folder / LOCK_FILE}); try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()
