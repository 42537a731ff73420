"""Unsupervised anomaly detection on Belle II PXD pixel clusters.

An autoencoder learns 9x9 PXD cluster matrices of beam background and ordinary tracks; a
cluster it reconstructs badly is flagged.  The worked example is Dirac magnetic monopoles.

- :mod:`~darkrecon.anomaly.pxd`: the PXD cluster simulation (background kinds, readout);
- :mod:`~darkrecon.anomaly.monopole`: monopole pair production, r-z trajectories, clusters;
- :mod:`~darkrecon.anomaly.energy_loss`: Bichsel/Landau, Ahlen, electron ranges;
- :mod:`~darkrecon.anomaly.model`: the autoencoder (needs ``darkrecon[anomaly]``, PyTorch CPU);
- :mod:`~darkrecon.anomaly.metrics`, :mod:`~darkrecon.anomaly.evaluate`: ROC/AUC, the
  comparison with a total-charge cut, plots;
- :mod:`~darkrecon.anomaly.validation`: MIP charge MPV and cluster size vs angle.

PyTorch is imported only when a model is built, trained or loaded.
"""

from darkrecon.anomaly.metrics import auc, roc_curve
from darkrecon.anomaly.monopole import simulate_monopoles
from darkrecon.anomaly.pxd import LAYERS, Clusters, PXDResponse, simulate_background

__all__ = [
    "LAYERS",
    "Clusters",
    "PXDResponse",
    "auc",
    "roc_curve",
    "simulate_background",
    "simulate_monopoles",
]
