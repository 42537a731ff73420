"""Argument validation shared by the statistics functions (clear errors naming the argument)."""

from __future__ import annotations

import numpy as np


def counts(name: str, value, integer: bool = True) -> np.ndarray:
    """Non-negative finite counts (integers unless ``integer=False``)."""
    a = np.asarray(value, dtype=np.float64)
    if np.any(np.isnan(a)):
        raise ValueError(f"{name} must not be NaN")
    if np.any(~np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    if np.any(a < 0):
        raise ValueError(f"{name} must be >= 0 (got a negative count)")
    if integer and np.any(a != np.round(a)):
        raise ValueError(f"{name} must hold whole numbers of events")
    return a


def nonnegative(name: str, value) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64)
    if np.any(np.isnan(a)):
        raise ValueError(f"{name} must not be NaN")
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must be finite and >= 0")
    return a


def positive(name: str, value) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64)
    if np.any(np.isnan(a)):
        raise ValueError(f"{name} must not be NaN")
    if np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"{name} must be finite and > 0")
    return a


def confidence_level(cl) -> float:
    try:
        c = float(cl)
    except (TypeError, ValueError):
        raise ValueError(f"cl must be a number in (0, 1), got {cl!r}") from None
    if not (0.0 < c < 1.0):  # also rejects NaN
        raise ValueError(f"cl must lie in (0, 1), got {cl!r}")
    return c


def choice(name: str, value: str, options) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value
