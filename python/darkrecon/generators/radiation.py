"""QED radiation for the generators: running alpha, the ISR radiator, leading-log FSR.

Running alpha (vacuum polarisation): alpha(s) = alpha / (1 - Delta_lep(s) - Delta_had(s)).
Delta_lep is the exact one-loop lepton-loop contribution of e, mu, tau. Delta_had is
Delta_had^(5)(M_Z^2) = 0.02766 (PDG 2024, "Electroweak model" review) run down with the
parton-model R ratio (R = 11/3, 10/3, 2 above 2 m_b, 2 m_c (3.7 GeV), 1 GeV, times
1 + alpha_s/pi ~ 1.06) and taken smoothly to zero below 1 GeV^2. This gives
1/alpha(10.58 GeV) = 132.1; the crude hadronic part is good to ~10% of Delta_had, i.e.
~0.2% on alpha.

ISR: the electron structure-function radiator of E.A. Kuraev and V.S. Fadin, Sov. J. Nucl.
Phys. 41 (1985) 466, to first order in beta with the soft part exponentiated,

    W(x) = Delta * beta * x^(beta - 1) - beta * (1 - x / 2),
    beta = 2 alpha / pi * (ln(s / m_e^2) - 1),
    Delta = 1 + alpha / pi * (pi^2 / 3 - 1 / 2) + 3 / 4 beta,

so sigma(s) = int_0^x_max W(x) sigma_Born(s (1 - x)) dx, x = 1 - s'/s the fraction of the
CMS energy carried away by the photon(s). The emitted energy is put into one photon whose polar
angle follows the leading-log 1 / (1 - beta_e^2 cos^2 theta) (peaked along the beams); the
hard system recoils against it, so four-momentum is conserved exactly. Photons below
``SOFT_X`` (x < 1e-4, k < 0.5 MeV at the Y(4S)) are merged into the non-radiative events.

FSR: leading-log, one photon from either final-state lepton with the exponentiated
soft-collinear spectrum beta_f z^(beta_f - 1) in the photon energy fraction z = 2 k / M of the
pair mass M (beta_f = 2 alpha / pi (ln(M^2 / m^2) - 1)), polar angle to the emitter from
1 / (1 - beta_l cos theta); the lepton pair recoils against the photon (exact four-momentum
conservation) and keeps its direction in its own rest frame. FSR does not change the total
cross section at this order (KLN theorem; the O(alpha) correction 3 alpha / (4 pi) ~ 0.2% is
neglected).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from darkrecon.generators import _phasespace as ps
from darkrecon.generators.constants import ALPHA, M_E, M_MU, M_TAU, M_Z

#: Hadronic vacuum polarisation at M_Z (five flavours), PDG 2024 electroweak review.
DELTA_ALPHA_HAD_MZ = 0.02766
_K_QCD = 1.06  # 1 + alpha_s / pi at a few GeV
#: (s_low, R) segments of the parton-model running below M_Z^2.
_R_SEGMENTS = ((100.0, 11.0 / 3.0), (3.7**2, 10.0 / 3.0), (1.0, 2.0))
#: ISR/FSR photons with x below this are merged into the non-radiative configuration.
SOFT_X = 1e-4


def _delta_lepton(s: np.ndarray, m: float) -> np.ndarray:
    r = m * m / s
    above = 4.0 * r < 1.0
    b = np.sqrt(np.abs(1.0 - 4.0 * r))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(above, b * np.log((1.0 + b) / np.where(above, 1.0 - b, 1.0)), 0.0)
        atan_term = np.where(above, 0.0, 2.0 * b * np.arctan(1.0 / np.where(b > 0, b, 1.0)))
    return ALPHA / (3.0 * math.pi) * (-5.0 / 3.0 - 4.0 * r + (1.0 + 2.0 * r) * (log_term + atan_term))


def _delta_hadron(s: np.ndarray) -> np.ndarray:
    s = np.asarray(s, dtype=np.float64)
    coef = ALPHA / (3.0 * math.pi) * _K_QCD
    out = np.full_like(s, DELTA_ALPHA_HAD_MZ)
    upper = M_Z * M_Z
    for s_low, r in _R_SEGMENTS:
        # the part of the segment [s_low, upper] that lies above s
        inside = np.clip(s, s_low, upper)
        out -= coef * r * np.log(upper / inside)
        upper = s_low
    # below 1 GeV^2: interpolate smoothly to zero at s = 0 (rho-dominated region)
    low = s < 1.0
    mr2 = 0.77526**2
    return np.where(low, out * s / (s + mr2) * (1.0 + mr2), out)


def alpha_em_exact(s) -> np.ndarray:
    """Running fine-structure constant at the (time-like) scale s [GeV^2], evaluated directly."""
    s = np.asarray(s, dtype=np.float64)
    delta = sum(_delta_lepton(s, m) for m in (M_E, M_MU, M_TAU)) + _delta_hadron(s)
    return ALPHA / (1.0 - delta)


_LOG_S_GRID = np.linspace(math.log(1e-8), math.log(1e6), 20001)
_ALPHA_GRID = alpha_em_exact(np.exp(_LOG_S_GRID))


def alpha_em(s) -> np.ndarray:
    """Running fine-structure constant at s [GeV^2] (table in ln s, relative error < 1e-4)."""
    return np.interp(np.log(np.asarray(s, dtype=np.float64)), _LOG_S_GRID, _ALPHA_GRID)


def _gauss_legendre(
    f: Callable[[np.ndarray], np.ndarray], a: float, b: float, panels: int, order: int = 16
) -> float:
    nodes, weights = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(a, b, panels + 1)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    x = (mid[:, None] + half[:, None] * nodes[None, :]).ravel()
    w = (half[:, None] * weights[None, :]).ravel()
    return float(np.sum(w * f(x)))


class ISR:
    """Kuraev-Fadin ISR convolution of a Born cross section ``born(s')`` (fb) at ``s``.

    ``x_max = 1 - s'_min / s`` is the largest allowed energy fraction of the photon(s).
    """

    def __init__(self, s: float, born: Callable[[np.ndarray], np.ndarray], x_max: float):
        if not 0.0 < x_max < 1.0:
            raise ValueError(f"x_max must be in (0, 1), got {x_max}")
        self.s = s
        self.born = born
        self.x_max = x_max
        self.beta = 2.0 * ALPHA / math.pi * (math.log(s / M_E**2) - 1.0)
        self.delta = 1.0 + ALPHA / math.pi * (math.pi**2 / 3.0 - 0.5) + 0.75 * self.beta
        self.sigma0 = float(born(np.array([s]))[0])
        self._tmax = -math.log1p(-x_max)
        self.cross_section = self._integrate()
        self._wmax = None

    def radiator(self, x: np.ndarray) -> np.ndarray:
        b = self.beta
        return self.delta * b * x ** (b - 1.0) - b * (1.0 - 0.5 * x)

    def density(self, x: np.ndarray) -> np.ndarray:
        """d sigma / dx (fb)."""
        return self.radiator(x) * self.born(self.s * (1.0 - x))

    def _integrate(self) -> float:
        b, xm, s = self.beta, self.x_max, self.s

        def regular(x: np.ndarray) -> np.ndarray:
            sig = self.born(s * (1.0 - x))
            return self.delta * b * x ** (b - 1.0) * (sig - self.sigma0) - b * (1.0 - 0.5 * x) * sig

        x_split = min(1e-2, 0.5 * xm)
        # small x on a log grid, the rest on t = -ln(1 - x)
        low = _gauss_legendre(
            lambda u: regular(np.exp(u)) * np.exp(u), math.log(1e-16), math.log(x_split), 40
        )
        t_split = -math.log1p(-x_split)
        high = _gauss_legendre(
            lambda t: regular(-np.expm1(-t)) * np.exp(-t), t_split, self._tmax, 200
        )
        return self.delta * self.sigma0 * xm**b + low + high

    # -- sampling --------------------------------------------------------------------------
    _P_SOFT = 0.5

    def _proposal_density(self, x: np.ndarray) -> np.ndarray:
        b, xm = self.beta, self.x_max
        return self._P_SOFT * b * x ** (b - 1.0) / xm**b + (1.0 - self._P_SOFT) / ((1.0 - x) * self._tmax)

    def _weight(self, x: np.ndarray) -> np.ndarray:
        return self.density(x) / self._proposal_density(x)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n values of x distributed as W(x) sigma_Born(s(1-x)) (soft ones set to 0)."""
        if self._wmax is None:
            grid = np.concatenate(
                [np.geomspace(1e-14, self.x_max, 4000), -np.expm1(-np.linspace(0, self._tmax, 4000)[1:])]
            )
            self._wmax = 1.2 * float(np.max(self._weight(grid)))
        b, xm, tmax = self.beta, self.x_max, self._tmax

        def propose(m: int):
            u = rng.uniform(0.0, 1.0, m)
            soft = rng.uniform(0.0, 1.0, m) < self._P_SOFT
            x = np.where(soft, xm * u ** (1.0 / b), -np.expm1(-u * tmax))
            return (np.clip(x, 1e-300, xm),)

        (x,) = ps.accept_reject(n, rng, propose, lambda x: self._weight(x) / self._wmax)
        return np.where(x < SOFT_X, 0.0, x)


def isr_photon(rng: np.random.Generator, sqrt_s: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ISR photon (n, 4) in the CMS and the recoiling system's four-momentum (n, 4)."""
    n = len(x)
    k = 0.5 * x * sqrt_s
    b = math.sqrt(1.0 - 4.0 * M_E**2 / float(np.max(sqrt_s, initial=1.0)) ** 2)
    unit = ps.direction(ps.sample_collinear_cos(rng, b, n), rng.uniform(0.0, 2.0 * np.pi, n))
    photon = ps.four(k, k[:, None] * unit)
    rest = ps.four(sqrt_s - k, -k[:, None] * unit)
    return photon, rest


def fsr_pair(
    rng: np.random.Generator,
    pair: np.ndarray,
    p1: np.ndarray,
    p2: np.ndarray,
    mass: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Leading-log FSR on a back-to-back lepton pair given in the pair rest frame.

    ``pair`` (n, 4) is the pair four-momentum in the frame of interest, ``p1, p2`` the leptons
    in the pair rest frame. Returns (lepton 1, lepton 2, photon) in the frame of ``pair`` and
    the mask of events with a photon.
    """
    n = len(pair)
    m_pair = np.sqrt(ps.mass2(pair))
    z_max = 1.0 - 4.0 * mass * mass / (m_pair * m_pair)
    beta_f = 2.0 * ALPHA / math.pi * (np.log(m_pair**2 / mass**2) - 1.0)
    z = z_max * rng.uniform(0.0, 1.0, n) ** (1.0 / beta_f)
    has = z >= SOFT_X
    z = np.where(has, z, 0.0)
    first = rng.uniform(0.0, 1.0, n) < 0.5
    emitter = np.where(first[:, None], p1, p2)
    e_dir = emitter[:, 1:] / np.linalg.norm(emitter[:, 1:], axis=1, keepdims=True)
    beta_l = np.linalg.norm(emitter[:, 1:], axis=1) / emitter[:, 0]
    cos_a = ps.sample_one_over_one_minus_bc(rng, beta_l, n)
    local = ps.direction(cos_a, rng.uniform(0.0, 2.0 * np.pi, n))
    g_dir = np.einsum("nij,nj->ni", ps.frame_from_axis(e_dir), local)
    k = 0.5 * z * m_pair
    photon = ps.four(k, k[:, None] * g_dir)
    rest = ps.four(m_pair - k, -k[:, None] * g_dir)
    m_rest = m_pair * np.sqrt(1.0 - z)
    d1 = p1[:, 1:] / np.linalg.norm(p1[:, 1:], axis=1, keepdims=True)
    q1, q2 = ps.two_body(m_rest, mass, mass, d1)
    q1, q2 = ps.boost_from_rest(q1, rest), ps.boost_from_rest(q2, rest)
    out = [ps.boost_from_rest(v, pair) for v in (q1, q2, photon)]
    return out[0], out[1], out[2], has
