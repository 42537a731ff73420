"""Fast simulation of the Belle II detector response (C++ core).

``dr.simulate(events, seed=1)`` turns generated particles into CDC hits, ECL digits and KLM
hits with truth links; see :func:`simulate`. :func:`read_lhe` and :func:`read_hepmc` turn
Les Houches and HepMC3 files into generated samples.
"""

from darkrecon.simulation.fastsim import (
    DEFAULT_INVISIBLE_PDG,
    Background,
    SimulatedEvents,
    cdc_hit_sigma,
    simulate,
)
from darkrecon.simulation.inputs import read_hepmc, read_lhe

__all__ = [
    "DEFAULT_INVISIBLE_PDG",
    "Background",
    "SimulatedEvents",
    "cdc_hit_sigma",
    "read_hepmc",
    "read_lhe",
    "simulate",
]
