"""Errors the command line reports as one line on stderr with exit status 2."""


class UsageError(Exception):
    """A mistake in what the user asked for: bad path, column, value or file."""
