"""Reconstruction: the driver (:func:`reconstruct`) and the reconstructed event model."""

from darkrecon.reconstruction.driver import reconstruct
from darkrecon.reconstruction.event import EVENT_FIELDS, Reconstructed

__all__ = ["EVENT_FIELDS", "Reconstructed", "reconstruct"]
