"""The one exception root; the CLI turns these into one-line messages and exit codes."""


class MljourneyError(Exception):
    """A failure the user can act on; its message is shown as one line."""

    exit_code = 1


class UsageError(MljourneyError):
    """Bad input: names, answers, paths, flags. Exit code 2, nothing written."""

    exit_code = 2


class DestinationError(UsageError):
    """The destination cannot take the project without overwriting something."""
