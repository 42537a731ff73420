"""Belle II electromagnetic calorimeter: geometry (crystals, neighbour maps, parts and gaps)
and reconstruction (cluster finding, track-cluster matching).

``Geometry.belle2()`` builds the 8736-crystal ECL from the basf2 ring table
(``darkrecon/data/ecl_theta_rings.csv``); :func:`find_clusters` clusters batches of digits.
Lengths in cm, angles in rad, energies in GeV.
"""

from darkrecon.ecl.clustering import Clusters, cluster_simulation, default_options, find_clusters
from darkrecon.ecl.geometry import BACKWARD, BARREL, FORWARD, POLAR_REGIONS_DEG, Geometry
from darkrecon.ecl.matching import Match, extrapolate_to_ecl, helix_from_momentum, match_tracks

__all__ = [
    "BACKWARD",
    "BARREL",
    "FORWARD",
    "POLAR_REGIONS_DEG",
    "Clusters",
    "Geometry",
    "Match",
    "cluster_simulation",
    "default_options",
    "extrapolate_to_ecl",
    "find_clusters",
    "helix_from_momentum",
    "match_tracks",
]
