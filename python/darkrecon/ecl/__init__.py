"""Belle II electromagnetic calorimeter geometry: crystals, neighbour maps, parts and gaps.

``Geometry.belle2()`` builds the 8736-crystal ECL from the basf2 ring table
(``darkrecon/data/ecl_theta_rings.csv``). Lengths in cm, angles in rad.
"""

from darkrecon.ecl.geometry import BACKWARD, BARREL, FORWARD, POLAR_REGIONS_DEG, Geometry

__all__ = ["BACKWARD", "BARREL", "FORWARD", "POLAR_REGIONS_DEG", "Geometry"]
