"""Subcommands of the ``darkrecon`` CLI; importing this package registers them."""

from darkrecon.commands import (  # noqa: F401
    anomaly,
    generate,
    info,
    limits,
    reconstruct,
    report,
    run,
    select,
    simulate,
    validate_limits,
    validate_selections,
    validate_simulation,
)
