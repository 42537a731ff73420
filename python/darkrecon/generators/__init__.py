"""Event generators for the dark-sector signals and their Standard Model backgrounds.

>>> import darkrecon as dr
>>> sample = dr.generate("mumu", 10_000, beam=dr.Beam.preset("Y4S"), seed=1)
>>> dr.generators.processes()                      # names, parameters, descriptions
>>> dr.generators.cross_section("mumu", beam)      # (sigma, error) in fb

Every process is generated in the CMS, vectorised over events, and boosted to the lab with the
crossing angle (optionally with the beam energy spread). ``sample.weight`` is in fb and sums to
the cross section within the generation cuts.
"""

from __future__ import annotations

# the process modules register themselves (and are reachable as dr.generators.zprime, ...)
from darkrecon.generators import cosmics, dark, lfv, qed, tau, twophoton, zprime
from darkrecon.generators.registry import Parameter, Process, cross_section, generate, processes
from darkrecon.generators.sample import PARTICLE_FIELDS, SCHEMA_VERSION, Sample
from darkrecon.io import SchemaError

__all__ = [
    "cosmics",
    "dark",
    "lfv",
    "qed",
    "tau",
    "twophoton",
    "zprime",
    "PARTICLE_FIELDS",
    "SCHEMA_VERSION",
    "Parameter",
    "Process",
    "Sample",
    "SchemaError",
    "cross_section",
    "generate",
    "processes",
]
