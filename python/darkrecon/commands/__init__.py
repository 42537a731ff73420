"""Subcommands of the ``darkrecon`` CLI; importing this package registers them."""

from darkrecon.commands import generate, info, run, validate_simulation  # noqa: F401
