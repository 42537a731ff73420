"""Unsupervised anomaly detection on Belle II PXD pixel clusters (issue 9)."""
