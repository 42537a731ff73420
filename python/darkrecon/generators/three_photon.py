"""e+e- -> gamma gamma gamma at tree level: the irreducible background of the ALP search.

Matrix element: the massless tree-level result of F.A. Berends and R. Kleiss, Nucl. Phys. B186
(1981) 22, spin-summed and averaged,

    |M|^2 = e^6 s sum_i (p.k_i)(q.k_i) [(p.k_i)^2 + (q.k_i)^2] / prod_j (p.k_j)(q.k_j),

p, q the e-, e+ momenta and k_1..3 the photons. Its normalisation is fixed by the soft-photon
limit, where it must factorise into |M(e+e- -> gamma gamma)|^2 = 2 e^4 (u/t + t/u) times the
eikonal factor e^2 2 (p.q) / ((p.k)(q.k)); a test checks that limit. The electron mass is
neglected, which is exact to O(m_e^2 / (E^2 theta^2)) away from the beam axis: the generation cuts
keep every photon at least ``theta_min`` from it and above ``e_min``.

Phase space is sampled with three channels, one per photon taken as the radiated one: its energy
from dE/E, its polar angle from 1/sin^2(theta), and the other two photons as the two-body decay of
the recoiling system (half flat, half 1/sin^2 in its rest frame). The events are weighted by
|M|^2 dPhi_3 / (sum of the channel densities), so the weights sum to the cross section within
the cuts (the same convention as the two-photon processes).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from darkrecon.generators import _phasespace as ps
from darkrecon.generators.constants import ALPHA, GEV2_TO_FB, PDG
from darkrecon.generators.registry import Generated, Parameter, Process, register

_E2 = 4.0 * math.pi * ALPHA  # e^2


def matrix_element_squared(p: np.ndarray, q: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Spin-averaged |M|^2 of e-(p) e+(q) -> gamma(k1) gamma(k2) gamma(k3), massless.

    ``p``, ``q``: (n, 4); ``k``: (n, 3, 4). Dimensionless (GeV^0)."""
    pk = ps.dot4(p[:, None, :], k)
    qk = ps.dot4(q[:, None, :], k)
    s = 2.0 * ps.dot4(p, q)
    d = pk * qk
    num = np.sum(d * (pk * pk + qk * qk), axis=1)
    return _E2**3 * s * num / np.prod(d, axis=1)


def gamma_gamma_matrix_element_squared(p: np.ndarray, q: np.ndarray, k1: np.ndarray) -> np.ndarray:
    """Spin-averaged |M|^2 of e-(p) e+(q) -> gamma(k1) gamma(k2), massless: 2 e^4 (u/t + t/u)
    (Peskin & Schroeder eq. 5.105 in the massless limit)."""
    t = -2.0 * ps.dot4(p, k1)
    u = -2.0 * ps.dot4(q, k1)
    return 2.0 * _E2**2 * (u / t + t / u)


def _sample_cos(rng: np.random.Generator, c_max: float, n: int) -> np.ndarray:
    """cos(theta) on [-c_max, c_max] with density proportional to 1/sin^2(theta)."""
    return np.tanh(rng.uniform(-1.0, 1.0, n) * math.atanh(c_max))


def _cos_density(c: np.ndarray, c_max: float) -> np.ndarray:
    """Density in cos(theta) of the 1/sin^2 sampler on [-c_max, c_max] (zero outside)."""
    norm = 2.0 * math.atanh(c_max)
    inside = np.abs(c) <= c_max
    return np.where(inside, 1.0 / (norm * np.maximum(1.0 - c * c, 1e-300)), 0.0)


def _decay_cos_density(c: np.ndarray, c_max: float) -> np.ndarray:
    """Half flat, half 1/sin^2 on [-c_max, c_max]: the decay-angle sampler of the recoil pair."""
    return 0.25 + 0.5 * _cos_density(c, c_max)


class _Channels:
    """The three-channel sampler at fixed per-event sqrt(s)."""

    def __init__(self, e_min: float, theta_min: float):
        self.e_min = e_min
        self.c_max = math.cos(math.radians(theta_min))
        # the decay angle of the recoil pair may reach further forward than the CMS cut
        self.c_decay = math.cos(math.radians(0.5 * theta_min))

    def propose(self, rng: np.random.Generator, sqrt_s: np.ndarray) -> np.ndarray:
        """(n, 3, 4) photons in the CMS, each event from a randomly chosen channel."""
        n = sqrt_s.size
        e_max = 0.5 * sqrt_s
        ek = self.e_min * np.exp(rng.uniform(0.0, 1.0, n) * np.log(e_max / self.e_min))
        ck = _sample_cos(rng, self.c_max, n)
        k = ps.four(ek, ek[:, None] * ps.direction(ck, rng.uniform(0, 2 * np.pi, n)))
        total = np.stack([sqrt_s, 0 * sqrt_s, 0 * sqrt_s, 0 * sqrt_s], -1)
        recoil = total - k
        m_recoil = np.sqrt(np.maximum(ps.mass2(recoil), 0.0))
        flat = rng.uniform(0, 1, n) < 0.5
        cd = np.where(flat, rng.uniform(-1, 1, n), _sample_cos(rng, self.c_decay, n))
        a, b = ps.two_body(m_recoil, 0.0, 0.0, ps.direction(cd, rng.uniform(0, 2 * np.pi, n)))
        a, b = ps.boost_from_rest(a, recoil), ps.boost_from_rest(b, recoil)
        photons = np.stack([k, a, b], axis=1)
        # the radiated photon sits in a random slot, so the three channels are used equally
        perm = np.argsort(rng.uniform(size=(n, 3)), axis=1)
        return np.take_along_axis(photons, perm[:, :, None], axis=1)

    def density(self, photons: np.ndarray, sqrt_s: np.ndarray) -> np.ndarray:
        """Sum over channels of the proposal density per unit of dPhi_3 (GeV^-2 units cancel in
        the weight |M|^2 / density)."""
        n = sqrt_s.size
        e_max = 0.5 * sqrt_s
        log_range = np.log(e_max / self.e_min)
        total = np.stack([sqrt_s, 0 * sqrt_s, 0 * sqrt_s, 0 * sqrt_s], -1)
        dens = np.zeros(n)
        for i in range(3):
            k = photons[:, i]
            ek = k[:, 0]
            ck = k[:, 3] / ek
            recoil = total - k
            # the first of the other two photons in the recoil rest frame
            j = (i + 1) % 3
            a = ps.boost(photons[:, j], -recoil[:, 1:] / recoil[:, :1])
            cd = a[:, 3] / a[:, 0]
            # proposal density in (E, cos, phi) x (cos*, phi*): 1/(E ln) * g(cos)/(2 pi) * h(cos*)/(2 pi);
            # the two decay photons are unordered, so h is averaged over cos* and -cos* (the
            # other photon's decay angle), each assignment being proposed half the time
            in_e = (ek >= self.e_min) & (ek <= e_max)
            h = 0.5 * (_decay_cos_density(cd, self.c_decay) + _decay_cos_density(-cd, self.c_decay))
            p_prop = (np.where(in_e, 1.0 / (ek * log_range), 0.0) * _cos_density(ck, self.c_max)
                      * h / (2 * np.pi) ** 2)
            # phase space: dPhi_3 = E dE dOmega / (2 (2 pi)^3) x dOmega* / (32 pi^2)
            jac = ek / (2.0 * (2 * np.pi) ** 3) / (32.0 * np.pi**2)
            dens += p_prop / jac / 3.0
        return dens

    def weights(self, photons: np.ndarray, sqrt_s: np.ndarray) -> np.ndarray:
        """sigma weights in fb of proposals (zero outside the cuts)."""
        n = sqrt_s.size
        e = sqrt_s / 2.0
        p = np.stack([e, 0 * e, 0 * e, e], -1)
        q = np.stack([e, 0 * e, 0 * e, -e], -1)
        energy = photons[..., 0]
        cos = photons[..., 3] / energy
        ok = np.all((energy >= self.e_min) & (np.abs(cos) <= self.c_max), axis=1)
        w = np.zeros(n)
        if np.any(ok):
            m2 = matrix_element_squared(p[ok], q[ok], photons[ok])
            s = sqrt_s[ok] ** 2
            # 1/(2s) flux, 1/3! identical photons
            w[ok] = m2 / self.density(photons[ok], sqrt_s[ok]) / (2.0 * s) / 6.0 * GEV2_TO_FB
        return w


def _check(e_min: float, sqrt_s: float) -> None:
    if not e_min < sqrt_s / 3.0:
        raise ValueError(
            f"gammagammagamma: e_min must be below sqrt(s)/3 = {sqrt_s / 3:.3f} GeV, got {e_min}"
        )


@lru_cache(maxsize=32)
def _cross_section(sqrt_s: float, e_min: float, theta_min: float, n_points: int = 400_000,
                   seed: int = 1981) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    ch = _Channels(e_min, theta_min)
    s = np.full(n_points, sqrt_s)
    w = ch.weights(ch.propose(rng, s), s)
    return float(w.mean()), float(w.std() / math.sqrt(n_points))


def _xs(beam, e_min, theta_min):
    _check(e_min, beam.sqrt_s)
    return _cross_section(float(beam.sqrt_s), float(e_min), float(theta_min))


def _gen(n, beam, rng, frame, e_min, theta_min):
    _check(e_min, beam.sqrt_s)
    ch = _Channels(e_min, theta_min)
    sqrt_s = frame.sqrt_s

    def propose(reps):
        photons = ch.propose(rng, sqrt_s[reps])
        return photons, ch.weights(photons, sqrt_s[reps])

    photons, w = ps.first_nonzero_proposals(n, propose, ((3, 4),), tries=4, max_rounds=200,
                                               what="gamma gamma gamma generation")
    b = ps.EventBuilder(n)
    for i in range(3):
        b.add(PDG.PHOTON, photons[:, i])
    return Generated.weighted(b, w)


register(
    Process(
        name="gammagammagamma",
        description="e+e- -> gamma gamma gamma, massless tree level (Berends-Kleiss), every photon "
        "above e_min and within theta_min of 90 deg in the CMS, weighted events",
        final_state="gamma gamma gamma",
        parameters=(
            Parameter("e_min", 0.05, "minimum CMS energy of each photon", "GeV", 1e-3),
            Parameter("theta_min", 12.0, "minimum CMS polar angle of each photon to either beam", "deg",
                      1.0, 80.0),
        ),
        cross_section=_xs,
        generate=_gen,
    )
)
