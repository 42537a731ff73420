import awkward as ak
import numpy as np
import pytest

MASS = {13: 0.1056583755, 211: 0.13957039, 11: 0.51099895e-3, 22: 0.0, 111: 0.1349768, 12: 0.0,
        2212: 0.93827208816, 130: 0.497611}


def gun_events(pdg, p, theta, phi=None, n=1, vertex=(0.0, 0.0, 0.0), seed=0):
    """n events with one particle each: |p| in GeV, polar angle theta (scalar or array)."""
    rng = np.random.default_rng(seed)
    phi = rng.uniform(0, 2 * np.pi, n) if phi is None else np.full(n, float(phi))
    theta = np.broadcast_to(np.asarray(theta, dtype=float), (n,))
    p = np.broadcast_to(np.asarray(p, dtype=float), (n,))
    px, py, pz = p * np.sin(theta) * np.cos(phi), p * np.sin(theta) * np.sin(phi), p * np.cos(theta)
    m = MASS.get(abs(pdg), 0.0)
    flat = ak.zip({
        "pdg": np.full(n, pdg, dtype=np.int32),
        "E": np.sqrt(p**2 + m**2), "px": px, "py": py, "pz": pz,
        "vx": np.full(n, vertex[0]), "vy": np.full(n, vertex[1]), "vz": np.full(n, vertex[2]),
        "t": np.zeros(n), "mother": np.full(n, -1, dtype=np.int32),
        "status": np.ones(n, dtype=np.int32),
    })
    return ak.unflatten(flat, np.ones(n, dtype=np.int64))


@pytest.fixture
def gun():
    return gun_events
