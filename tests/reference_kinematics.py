"""Independent (NumPy) reference kinematics and random events for the tests."""

from __future__ import annotations

import numpy as np


def boost_matrix(beta: np.ndarray) -> np.ndarray:
    """Reference boost to the frame moving with velocity beta, written out independently."""
    beta = np.asarray(beta, dtype=float)
    b2 = beta @ beta
    gamma = 1 / np.sqrt(1 - b2)
    m = np.eye(4)
    m[0, 0] = gamma
    m[0, 1:] = m[1:, 0] = -gamma * beta
    if b2 > 0:
        m[1:, 1:] += (gamma - 1) * np.outer(beta, beta) / b2
    return m


def mass2(p: np.ndarray) -> np.ndarray:
    """m^2 of (..., 4) arrays ordered (E, px, py, pz)."""
    return p[..., 0] ** 2 - (p[..., 1:] ** 2).sum(-1)


def two_body(parent: np.ndarray, m1, m2, rng: np.random.Generator):
    """Isotropic two-body decays of lab four-momenta ``parent`` (n, 4) into masses m1, m2."""
    n = parent.shape[0]
    M = np.sqrt(mass2(parent))
    p = np.sqrt((M**2 - (m1 + m2) ** 2) * (M**2 - (m1 - m2) ** 2)) / (2 * M)
    cos_t = rng.uniform(-1, 1, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    sin_t = np.sqrt(1 - cos_t**2)
    d = np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], 1) * p[:, None]
    rest1 = np.column_stack([np.sqrt(p**2 + m1**2), d])
    rest2 = np.column_stack([np.sqrt(p**2 + m2**2), -d])
    out1, out2 = np.empty_like(rest1), np.empty_like(rest2)
    for i in range(n):  # reference code: clarity over speed
        to_lab = np.linalg.inv(boost_matrix(parent[i, 1:] / parent[i, 0]))
        out1[i], out2[i] = to_lab @ rest1[i], to_lab @ rest2[i]
    return out1, out2


def flat_events(counts, rng: np.random.Generator, mass: float = 0.1):
    """Random flat columns with the given rows per event, and their offsets."""
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    p3 = rng.normal(0, 2.0, (n, 3))
    E = np.sqrt((p3**2).sum(1) + mass**2)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return E, p3[:, 0], p3[:, 1], p3[:, 2], offsets
