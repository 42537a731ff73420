"""Statistics for the limits stage: counts, histograms and efficiencies in, limits out.

- :func:`upper_limit`: counting experiments (exact CLs, Bayesian, Feldman-Cousins, asymptotic CLs);
- :func:`expected_limits`: median expected limit with +-1 / +-2 sigma bands;
- :func:`scan`: mass scans (cross-section limits, local and global significance);
- :mod:`darkrecon.stats.binned`: HistFactory models through pyhf (CLs limits, JSON workspaces).

Needs the ``stats`` extra (scipy; pyhf for the binned fits): ``pip install darkrecon[stats]``.
"""

from __future__ import annotations

try:
    import scipy  # noqa: F401
except ImportError as err:  # pragma: no cover
    raise ImportError(
        "darkrecon.stats needs scipy: pip install 'darkrecon[stats]'") from err

from darkrecon.stats import binned
from darkrecon.stats.binned import BinnedLimit, to_workspace, write_workspace
from darkrecon.stats.binned import upper_limit as binned_upper_limit
from darkrecon.stats.counting import (
    METHODS,
    asymptotic_cls,
    cls,
    fc_interval,
    p_value,
    significance,
    upper_limit,
)
from darkrecon.stats.expected import ExpectedLimits, expected_limits
from darkrecon.stats.scan import ScanResult, effective_trials, mass_points, scan

__all__ = [
    "METHODS",
    "BinnedLimit",
    "ExpectedLimits",
    "ScanResult",
    "asymptotic_cls",
    "binned",
    "binned_upper_limit",
    "cls",
    "effective_trials",
    "expected_limits",
    "fc_interval",
    "mass_points",
    "p_value",
    "scan",
    "significance",
    "to_workspace",
    "upper_limit",
    "write_workspace",
]
