"""Recoil mass of muon pairs: the darkrecon core against NumPy and scikit-hep vector."""

from __future__ import annotations

import numpy as np
from common import Row, best_time

import darkrecon as dr


def _dimuon_columns(n: int, rng: np.random.Generator):
    p3 = rng.normal(0, 2.0, (2 * n, 3))
    E = np.sqrt((p3**2).sum(1) + 0.1056583755**2)
    return E, p3[:, 0].copy(), p3[:, 1].copy(), p3[:, 2].copy(), np.arange(0, 2 * n + 1, 2)


def rows(quick: bool) -> list[Row]:
    n = 100_000 if quick else 1_000_000
    beam = dr.Beam.preset("Y4S")
    E, px, py, pz, offsets = _dimuon_columns(n, np.random.default_rng(1))
    b = beam.four_momentum

    def numpy_recoil():
        # What a NumPy user writes: per-event sums by reduceat, then the recoil m^2.
        s = [np.add.reduceat(c, offsets[:-1]) for c in (E, px, py, pz)]
        m2 = (b[0] - s[0]) ** 2 - (b[1] - s[1]) ** 2 - (b[2] - s[2]) ** 2 - (b[3] - s[3]) ** 2
        return np.sign(m2) * np.sqrt(np.abs(m2))

    ref = numpy_recoil()
    got = dr.recoil_mass(E, px, py, pz, offsets, beam, n_threads=1)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)  # same answer before timing

    t1 = best_time(lambda: dr.recoil_mass(E, px, py, pz, offsets, beam, n_threads=1))
    t2 = best_time(lambda: dr.recoil_mass(E, px, py, pz, offsets, beam, n_threads=2))
    t_np = best_time(numpy_recoil)
    out = [
        Row("kinematics", "recoil_mass (1 thread)", "NumPy reduceat", n, "events", t1, t_np),
        Row("kinematics", "recoil_mass (2 threads)", "recoil_mass (1 thread)", n, "events", t2, t1),
    ]
    try:
        import awkward as ak
        import vector
    except ImportError:
        return out + [Row("kinematics", "recoil_mass (1 thread)", "vector: not installed", n,
                          "events", t1, None, "pip install 'darkrecon[bench]'")]
    vector.register_awkward()
    counts = np.full(n, 2)
    muons = ak.unflatten(ak.zip({"px": px, "py": py, "pz": pz, "E": E}, with_name="Momentum4D"), counts)
    beam_vec = vector.obj(px=b[1], py=b[2], pz=b[3], E=b[0])

    def vector_recoil():
        return (beam_vec - ak.sum(muons, axis=1)).tau

    np.testing.assert_allclose(ak.to_numpy(vector_recoil()), ref, rtol=1e-9, atol=1e-9)
    t_vec = best_time(vector_recoil, repeat=3)
    out.insert(1, Row("kinematics", "recoil_mass (1 thread)", "vector + awkward", n, "events", t1, t_vec))
    # The CMS missing-momentum set (m^2, E*, p*, theta*) in one pass.
    t_miss = best_time(lambda: dr.missing_momentum(E, px, py, pz, offsets, beam, n_threads=1))
    out.append(Row("kinematics", "missing_momentum CMS (1 thread)", "-", n, "events", t_miss))
    return out
