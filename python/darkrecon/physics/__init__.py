"""Closed-form theory of the three dark-sector channels and coupling conversions.

- :mod:`~darkrecon.physics.alp`: e+e- -> gamma a, a -> gamma gamma (sigma, width, decay length);
- :mod:`~darkrecon.physics.dark_photon`: e+e- -> gamma A' (differential and integrated);
- :mod:`~darkrecon.physics.zprime`: L_mu - L_tau Z' widths, BR(invisible), the muon g-2 band;
- :mod:`~darkrecon.physics.couplings`: cross-section limits -> coupling limits.
"""

from __future__ import annotations

from darkrecon.physics import alp, constants, dark_photon, zprime
from darkrecon.physics.couplings import (
    alp_coupling_limit,
    dark_photon_coupling_limit,
    zprime_coupling_limit,
)
from darkrecon.physics.zprime import delta_a_mu, gminus2_band

__all__ = [
    "alp",
    "alp_coupling_limit",
    "constants",
    "dark_photon",
    "dark_photon_coupling_limit",
    "delta_a_mu",
    "gminus2_band",
    "zprime",
    "zprime_coupling_limit",
]
