"""Belle II electromagnetic calorimeter: geometry (crystals, neighbour maps, parts and gaps)
and reconstruction (cluster finding).

``Geometry.belle2()`` builds the 8736-crystal ECL from the basf2 ring table
(``darkrecon/data/ecl_theta_rings.csv``); :func:`find_clusters` clusters batches of digits.
Lengths in cm, angles in rad, energies in GeV.
"""

from darkrecon.ecl.clustering import Clusters, default_options, find_clusters
from darkrecon.ecl.geometry import BACKWARD, BARREL, FORWARD, POLAR_REGIONS_DEG, Geometry

__all__ = [
    "BACKWARD",
    "BARREL",
    "FORWARD",
    "POLAR_REGIONS_DEG",
    "Clusters",
    "Geometry",
    "default_options",
    "find_clusters",
]
