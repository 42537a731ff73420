"""Fast simulation of the Belle II detector response (C++ core).

``dr.simulate(events, seed=1)`` turns generated particles into CDC hits, ECL digits and KLM
hits with truth links; see :func:`simulate`.
"""

from darkrecon.simulation.fastsim import (
    DEFAULT_INVISIBLE_PDG,
    Background,
    SimulatedEvents,
    simulate,
)

__all__ = ["DEFAULT_INVISIBLE_PDG", "Background", "SimulatedEvents", "simulate"]
