"""Subcommands of the ``darkrecon`` CLI; importing this package registers them."""

from darkrecon.commands import anomaly, generate, info, limits, run, validate_simulation  # noqa: F401
from darkrecon.commands import validate_selections  # noqa: F401
