"""Channel selections: columnar cuts on reconstructed events, with cut flows.

``dr.select.zprime_invisible(reco, beam)``, ``.zprime_emu``, ``.alp_gammagamma`` and
``.dark_photon_invisible`` return a :class:`Selection` (candidates, cut flow, weights) whose
``expected_in_window`` gives the background counts in the form ``dr.stats`` takes.
:mod:`darkrecon.select.background` gives the window backgrounds with their simulation
statistics (a window with no simulated event gets the 68% zero-event bound, never 0 +- 0);
``mass_range`` / ``check_masses`` give and enforce each channel's mass range;
:mod:`darkrecon.select.validation` compares signal resolutions and efficiencies with the
published Belle II values (``darkrecon validate-selections``).
"""

from darkrecon.select import background
from darkrecon.select.alp import alp_gammagamma
from darkrecon.select.cutflow import CutFlow
from darkrecon.select.dark_photon import dark_photon_invisible
from darkrecon.select.selection import Selection, check_masses, mass_range
from darkrecon.select.zprime import zprime_emu, zprime_invisible

__all__ = ["CutFlow", "Selection", "alp_gammagamma", "background", "check_masses", "dark_photon_invisible",
           "mass_range", "zprime_emu", "zprime_invisible"]
