"""Belle II Central Drift Chamber geometry: sense wires, cells, neighbours.

``Geometry.belle2()`` builds the 56-layer, 14336-wire chamber from the basf2 layer table
(``darkrecon/data/cdc_sense_layers.csv``, from basf2 ``cdc/data/CDC.xml``). Lengths in cm.
"""

from darkrecon.cdc.geometry import ACCEPTANCE_DEG, Geometry

__all__ = ["ACCEPTANCE_DEG", "Geometry"]
