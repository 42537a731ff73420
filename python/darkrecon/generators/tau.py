"""Tau decays to the main modes, spin-averaged, vectorised.

Modes and branching fractions (PDG 2024 Summary Tables; the listed modes cover 90.1% of the
width and are renormalised to unit sum):

=====================  ======  ===================================================
mode                   BF [%]  kinematics in the tau rest frame
=====================  ======  ===================================================
e nu nu                 17.82  V-A matrix element |M|^2 ~ (p_tau.p_nubar_l)(p_l.p_nu_tau)
mu nu nu                17.39  (the Michel spectrum with the lepton mass), 3-body Dalitz
pi nu                   10.82  two body, isotropic
rho nu (pi pi0 nu)      25.49  rho(770) Breit-Wigner mass; rho decay angle from the V-A
                               helicity fractions: longitudinal m_tau^2 / (m_tau^2 + 2 m_rho^2)
pi pi pi nu (3 prong)    9.31  a1(1260) Breit-Wigner mass, a1 -> 3 pi by phase space
pi pi0 pi0 nu            9.26  as above
=====================  ======  ===================================================

pi0 -> gamma gamma (isotropic) at the tau decay vertex (pi0 c tau = 25 nm is neglected).
Spin correlations between the two taus are not modelled (spin-averaged decays).
"""

from __future__ import annotations

import numpy as np

from darkrecon.generators import _phasespace as ps
from darkrecon.generators.constants import (
    M_A1,
    M_E,
    M_MU,
    M_PI,
    M_PI0,
    M_RHO,
    M_TAU,
    PDG,
    W_A1,
    W_RHO,
)

#: (name, branching fraction in %) of the generated modes (PDG 2024).
MODES: tuple[tuple[str, float], ...] = (
    ("e_nu_nu", 17.82),
    ("mu_nu_nu", 17.39),
    ("pi_nu", 10.82),
    ("rho_nu", 25.49),
    ("3pi_nu", 9.31),
    ("pi_2pi0_nu", 9.26),
)
BRANCHING = np.array([b for _, b in MODES]) / sum(b for _, b in MODES)

#: Slots per tau decay (relative to the first): nu_tau, X, nubar_l, d1, d2, d3, 4 photons.
N_SLOTS = 10


def dalitz(
    n: int,
    rng: np.random.Generator,
    big_m: np.ndarray,
    m1: float,
    m2: float,
    m3: float,
    weight=None,
    weight_max: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three-body decays of parents of mass ``big_m`` (n,) at rest: flat phase space, or
    accept-reject on ``weight(p1, p2, p3) / weight_max``; random orientation.
    Returns the daughter four-momenta (n, 4) each."""
    big_m = np.broadcast_to(np.asarray(big_m, dtype=np.float64), (n,))
    idx_all = np.arange(n)
    out = [np.zeros((n, 4)) for _ in range(3)]

    def build(M, s12, s13):  # noqa: N803
        e1 = (M * M + m1 * m1 - (M * M + m1**2 + m2**2 + m3**2 - s12 - s13)) / (2 * M)
        e2 = (M * M + m2 * m2 - s13) / (2 * M)
        e3 = (M * M + m3 * m3 - s12) / (2 * M)
        q1 = np.sqrt(np.maximum(e1 * e1 - m1 * m1, 0.0))
        q2 = np.sqrt(np.maximum(e2 * e2 - m2 * m2, 0.0))
        q3 = np.sqrt(np.maximum(e3 * e3 - m3 * m3, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            c12 = (q3 * q3 - q1 * q1 - q2 * q2) / (2 * q1 * q2)
        return e1, e2, e3, q1, q2, c12

    # accept-reject in the (s12, s13) box per parent mass (indices carried along)
    todo = idx_all
    for _ in range(500):
        if todo.size == 0:
            break
        M = big_m[todo]  # noqa: N806
        k = todo.size
        s12 = rng.uniform((m1 + m2) ** 2, (M - m3) ** 2, k)
        s13 = rng.uniform((m1 + m3) ** 2, (M - m2) ** 2, k)
        e1, e2, e3, q1, q2, c12 = build(M, s12, s13)
        ok = np.isfinite(c12) & (np.abs(c12) <= 1.0)
        s12c = np.sqrt(np.maximum(1 - c12 * c12, 0.0))
        p1 = np.stack([e1, np.zeros(k), np.zeros(k), q1], -1)
        p2 = np.stack([e2, q2 * s12c, np.zeros(k), q2 * c12], -1)
        p3 = np.stack([e3, -p2[:, 1], np.zeros(k), -q1 - p2[:, 3]], -1)
        if weight is not None:
            r = np.where(ok, weight(p1, p2, p3), 0.0) / weight_max
            if np.any(r > 1 + 1e-9):
                raise RuntimeError("Dalitz weight above its bound")
            ok &= rng.uniform(0, 1, k) < r
        rot = ps.random_rotation(int(ok.sum()), rng)
        for o, p in zip(out, (p1, p2, p3), strict=True):
            o[todo[ok]] = ps.rotate(p[ok], rot)
        todo = todo[~ok]
    else:
        raise RuntimeError("Dalitz sampling did not converge")
    return out[0], out[1], out[2]


def breit_wigner(rng: np.random.Generator, n: int, m0: float, width: float, lo, hi) -> np.ndarray:
    """Masses from a non-relativistic Breit-Wigner truncated to [lo, hi] (inverse CDF)."""
    f_lo = np.arctan(2 * (np.asarray(lo) - m0) / width)
    f_hi = np.arctan(2 * (np.asarray(hi) - m0) / width)
    return m0 + 0.5 * width * np.tan(rng.uniform(0, 1, n) * (f_hi - f_lo) + f_lo)


def _pi0_photons(rng, pi0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    g1, g2 = ps.two_body(np.full(len(pi0), M_PI0), 0.0, 0.0, ps.random_unit(len(pi0), rng))
    return ps.boost_from_rest(g1, pi0), ps.boost_from_rest(g2, pi0)


def decay_in_rest_frame(rng: np.random.Generator, n: int, sign: int):
    """Decay n taus of charge -sign at rest. Returns (mode index (n,), slots) where slots is a
    list of N_SLOTS dicts with pdg, p4 (rest frame), mother (relative slot or -1 = the tau),
    status and mask arrays."""
    mode = rng.choice(len(MODES), size=n, p=BRANCHING)
    slots = [
        dict(pdg=np.zeros(n, np.int32), p4=np.zeros((n, 4)), mother=np.full(n, -1),
             status=np.ones(n, np.int32), mask=np.zeros(n, bool))
        for _ in range(N_SLOTS)
    ]

    def put(j, sel, pdg, p4, mother=-1, status=1):
        s = slots[j]
        s["pdg"][sel] = pdg
        s["p4"][sel] = p4
        s["mother"][sel] = mother
        s["status"][sel] = status
        s["mask"][sel] = True

    m_tau = M_TAU
    # leptonic: particles (l, nubar_l, nu_tau); |M|^2 ~ E_nubar (m_tau^2 - 2 m_tau E_nubar - m_l^2)
    for k, (m_l, pdg_l, pdg_nu) in enumerate(((M_E, PDG.ELECTRON, PDG.NU_E), (M_MU, PDG.MUON, PDG.NU_MU))):
        sel = np.flatnonzero(mode == k)
        if sel.size == 0:
            continue
        a = m_tau**2 - m_l**2

        def va(p1, p2, p3, a=a, m_l=m_l):
            return p2[:, 0] * (a - 2 * m_tau * p2[:, 0]) / (a * a / (8 * m_tau))

        lep, nubar, nutau = dalitz(sel.size, rng, m_tau, m_l, 0.0, 0.0, weight=va, weight_max=1.0)
        put(0, sel, PDG.NU_TAU * sign, nutau)
        put(1, sel, pdg_l * sign, lep)
        put(2, sel, -pdg_nu * sign, nubar)
    # pi nu
    sel = np.flatnonzero(mode == 2)
    if sel.size:
        pi, nu = ps.two_body(np.full(sel.size, m_tau), M_PI, 0.0, ps.random_unit(sel.size, rng))
        put(0, sel, PDG.NU_TAU * sign, nu)
        put(1, sel, -PDG.PI_PLUS * sign, pi)
    # rho nu, rho -> pi pi0 with the V-A helicity fractions
    sel = np.flatnonzero(mode == 3)
    if sel.size:
        k = sel.size
        m_rho = breit_wigner(rng, k, M_RHO, W_RHO, M_PI + M_PI0, m_tau - 1e-6)
        rho_dir = ps.random_unit(k, rng)
        rho, nu = ps.two_body(np.full(k, m_tau), m_rho, 0.0, rho_dir)
        p_long = m_tau**2 / (m_tau**2 + 2 * m_rho**2)
        # W(c) = P_L 3/2 c^2 + (1 - P_L) 3/4 (1 - c^2) <= 3/2
        cos_psi = np.empty(k)
        todo = np.arange(k)
        while todo.size:
            c = rng.uniform(-1, 1, todo.size)
            w = p_long[todo] * 1.5 * c * c + (1 - p_long[todo]) * 0.75 * (1 - c * c)
            ok = rng.uniform(0, 1.5, todo.size) < w
            cos_psi[todo[ok]] = c[ok]
            todo = todo[~ok]
        local = ps.direction(cos_psi, rng.uniform(0, 2 * np.pi, k))
        axis_pi = np.einsum("nij,nj->ni", ps.frame_from_axis(rho_dir), local)
        pi, pi0 = ps.two_body(m_rho, M_PI, M_PI0, axis_pi)
        pi, pi0 = ps.boost_from_rest(pi, rho), ps.boost_from_rest(pi0, rho)
        g1, g2 = _pi0_photons(rng, pi0)
        put(0, sel, PDG.NU_TAU * sign, nu)
        put(1, sel, -PDG.RHO_PLUS * sign, rho, status=2)
        put(3, sel, -PDG.PI_PLUS * sign, pi, mother=1)
        put(4, sel, PDG.PI0, pi0, mother=1, status=2)
        put(6, sel, PDG.PHOTON, g1, mother=4)
        put(7, sel, PDG.PHOTON, g2, mother=4)
    # three pions through the a1
    for k_mode, (pdg1, pdg2, pdg3) in (
        (4, (-PDG.PI_PLUS * sign, -PDG.PI_PLUS * sign, PDG.PI_PLUS * sign)),
        (5, (-PDG.PI_PLUS * sign, PDG.PI0, PDG.PI0)),
    ):
        sel = np.flatnonzero(mode == k_mode)
        if sel.size == 0:
            continue
        k = sel.size
        masses = [M_PI if abs(p) == PDG.PI_PLUS else M_PI0 for p in (pdg1, pdg2, pdg3)]
        m_a1 = breit_wigner(rng, k, M_A1, W_A1, sum(masses) + 1e-6, m_tau - 1e-6)
        a1, nu = ps.two_body(np.full(k, m_tau), m_a1, 0.0, ps.random_unit(k, rng))
        d = dalitz(k, rng, m_a1, *masses)
        d = [ps.boost_from_rest(p, a1) for p in d]
        put(0, sel, PDG.NU_TAU * sign, nu)
        put(1, sel, -PDG.A1_PLUS * sign, a1, status=2)
        for j, (pdg, p) in enumerate(zip((pdg1, pdg2, pdg3), d, strict=True)):
            put(3 + j, sel, pdg, p, mother=1, status=2 if pdg == PDG.PI0 else 1)
            if pdg == PDG.PI0:
                g1, g2 = _pi0_photons(rng, p)
                first = 6 if j == 1 else 8
                put(first, sel, PDG.PHOTON, g1, mother=3 + j)
                put(first + 1, sel, PDG.PHOTON, g2, mother=3 + j)
    return mode, slots


def add_tau_decay(
    builder: ps.EventBuilder, rng: np.random.Generator, tau_slot: int, tau_p4: np.ndarray, sign: int
) -> np.ndarray:
    """Decay the tau in ``tau_slot`` (four-momentum ``tau_p4`` (n, 4) in the CMS, charge
    -sign) and add its products to ``builder``; returns the decay mode of each event."""
    mode, slots = decay_in_rest_frame(rng, len(tau_p4), sign)
    base = len(builder.slots)
    for s in slots:
        p = ps.boost_from_rest(s["p4"], tau_p4)
        mother = np.where(s["mother"] < 0, tau_slot, base + s["mother"])
        builder.add(s["pdg"], p, mother=mother, status=s["status"], mask=s["mask"])
    return mode
