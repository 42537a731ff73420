"""Two-photon processes e+e- -> e+e- l+l- (l = mu, e) in the equivalent-photon approximation.

Each beam lepton radiates a space-like photon with energy fraction y and virtuality Q^2 from the
unintegrated equivalent-photon spectrum (V.M. Budnev et al., Phys. Rept. 15 (1975) 181, eq. D.4;
integrated over Q^2 it is the textbook f(y) = alpha/(2 pi) [(1 + (1-y)^2)/y ln(Q2max/Q2min)
- 2 m_e^2 y (1/Q2min - 1/Q2max)]):

    dn = alpha / pi * dy / y * dQ^2 / Q^2 * [(1 - y + y^2 / 2) - (1 - y) Q2min / Q^2],
    Q2min = m_e^2 y^2 / (1 - y),

and the two photons collide with the real-photon Breit-Wheeler cross section
sigma(gamma gamma -> l+ l-) = 4 pi alpha^2 / W^2 [(1 + rho - rho^2 / 2) ln((1 + beta) / (1 - beta))
- beta (1 + rho)], rho = 4 m_l^2 / W^2, with the lepton angle in the gamma gamma frame from the
tree-level |M|^2 (the crossed e+e- -> gamma gamma matrix element, Peskin & Schroeder eq. 5.105).

Kinematics are exact: the scattered e+- carry E (1 - y) at the polar angle fixed by Q^2 (random
azimuth), the photons are q = p - p', and the lepton pair is built in the rest frame of
q1 + q2 (W its exact invariant mass), so four-momentum is conserved event by event. The
approximations: transverse real photons (no longitudinal or virtuality dependence of
sigma_gamma_gamma, hence ``q2_max`` bounds the virtuality, default 1 GeV^2), no interference
or identical-particle terms for e+e-e+e-, no radiative corrections. Events are weighted
(importance sampling in ln y, ln Q^2); the weights sum to the cross section estimate within
``w_min < W < w_max``.
"""

from __future__ import annotations

import math

import numpy as np

from darkrecon.generators import _phasespace as ps
from darkrecon.generators.constants import ALPHA, GEV2_TO_FB, M_E, M_MU, PDG
from darkrecon.generators.registry import Generated, Parameter, Process, register


def breit_wheeler(w: np.ndarray, m: float) -> np.ndarray:
    """sigma(gamma gamma -> l+ l-) in GeV^-2 for real photons at invariant mass ``w``."""
    w = np.asarray(w, dtype=np.float64)
    rho = np.clip(4 * m * m / (w * w), 0.0, 1.0)
    beta = np.sqrt(1.0 - rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        log = np.log((1 + beta) / np.where(beta < 1, 1 - beta, 1.0))
    out = 4 * math.pi * ALPHA**2 / (w * w) * ((1 + rho - 0.5 * rho * rho) * log - beta * (1 + rho))
    return np.where(rho < 1.0, out, 0.0)


def gg_to_ll_angular(c: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Tree-level spin-averaged |M|^2 / (2 e^4) of gamma gamma -> l+ l- at cos(theta*) = c."""
    rho = 1 - beta * beta
    a, b = 1 - beta * c, 1 + beta * c
    ab = a * b
    return (a * a + b * b) / ab + 2 * rho * (a + b) / ab - rho * rho * (a + b) ** 2 / (ab * ab)


def _sample_gg_cos(rng: np.random.Generator, beta: np.ndarray) -> np.ndarray:
    """cos(theta*) from gg_to_ll_angular: proposal 1 / (1 - beta^2 c^2), bound 2 + 2 beta^2 + 4 rho."""
    n = len(beta)
    out = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        b = beta[todo]
        c = np.tanh(rng.uniform(-1, 1, todo.size) * np.arctanh(b)) / b
        rho = 1 - b * b
        ratio = gg_to_ll_angular(c, b) * (1 - b * b * c * c) / (2 + 2 * b * b + 4 * rho)
        ok = rng.uniform(0, 1, todo.size) < ratio
        out[todo[ok]] = c[ok]
        todo = todo[~ok]
    return out


def _proposals(rng, m: int, sqrt_s: np.ndarray, lepton_mass: float, w_min: float, w_max: float,
               q2_max: float):
    """m proposals at CMS energies ``sqrt_s`` (m,): scattered e-, scattered e+, the pair
    four-momentum, the e- beam, and the weight (fb; zero outside the cuts)."""
    e = 0.5 * sqrt_s
    s = sqrt_s**2
    y_min = w_min**2 / s
    y_max = 1.0 - 1e-9
    log_y = np.log(y_max / y_min)
    out_e = []
    weight = np.ones(m)
    for sign in (+1, -1):
        y = y_min * np.exp(rng.uniform(0, 1, m) * log_y)
        q2_lo = M_E**2 * y * y / (1 - y)
        ok = q2_lo < q2_max
        log_q = np.log(np.where(ok, q2_max / q2_lo, 1.0))
        q2 = q2_lo * np.exp(rng.uniform(0, 1, m) * log_q)
        shape = (1 - y + 0.5 * y * y) - (1 - y) * q2_lo / q2
        weight = weight * np.where(ok, ALPHA / math.pi * log_y * log_q * shape, 0.0)
        # scattered lepton: energy E(1 - y), polar angle from Q^2 = 2 E E' - 2 p p' cos - 2 m^2
        e_out = e * (1 - y)
        p_in = np.sqrt(e * e - M_E**2)
        p_out = np.sqrt(np.maximum(e_out**2 - M_E**2, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = np.clip((2 * e * e_out - 2 * M_E**2 - q2) / (2 * p_in * p_out), -1.0, 1.0)
        unit = ps.direction(sign * cos, rng.uniform(0, 2 * np.pi, m))
        out_e.append(ps.four(e_out, p_out[..., None] * unit))
    p1 = np.stack([e, 0 * e, 0 * e, np.sqrt(e * e - M_E**2)], -1) * np.ones((m, 1))
    p2 = p1 * np.array([1, 1, 1, -1])
    pair = p1 + p2 - out_e[0] - out_e[1]
    w2 = ps.mass2(pair)
    w = np.sqrt(np.maximum(w2, 0.0))
    good = (w2 > 0) & (w >= w_min) & (w <= w_max) & (w > 2 * lepton_mass) & (pair[:, 0] > 0)
    weight = np.where(good, weight * breit_wheeler(np.where(good, w, 1.0), lepton_mass), 0.0)
    return out_e[0], out_e[1], pair, p1, weight * GEV2_TO_FB


def _generate(n, rng, sqrt_s, lepton_mass, w_min, w_max, q2_max, tries: int = 8):
    """One event with non-zero weight per slot, each at its own sqrt(s): proposals are made in
    rounds of ``tries`` per unfilled slot and each slot keeps its first non-zero one
    (:func:`darkrecon.generators._phasespace.first_nonzero_proposals`)."""

    def propose(reps):
        a, b, c, _, wt = _proposals(rng, reps.size, sqrt_s[reps], lepton_mass, w_min, w_max, q2_max)
        return a, b, c, wt

    return ps.first_nonzero_proposals(n, propose, ((4,), (4,), (4,)), tries=tries, max_rounds=200,
                                      what="two-photon generation")


def _cross_section(beam, lepton_mass, w_min, w_max, q2_max, n_points=200_000, seed=1975):
    rng = np.random.default_rng(seed)
    *_, w = _proposals(rng, n_points, np.full(n_points, beam.sqrt_s), lepton_mass, w_min, w_max, q2_max)
    return float(w.mean()), float(w.std() / math.sqrt(n_points))


def _check(process, beam, lepton_mass, w_min, w_max):
    if not w_min < w_max:
        raise ValueError(f"{process}: need w_min < w_max, got {w_min}, {w_max} GeV")
    if w_min >= beam.sqrt_s:
        raise ValueError(f"{process}: w_min must be below sqrt(s) = {beam.sqrt_s:.4f} GeV")
    if w_max <= 2 * lepton_mass:
        raise ValueError(f"{process}: w_max must be above the pair threshold {2 * lepton_mass:.4f} GeV")


def _make(process: str, lepton_pdg: int, lepton_mass: float, w_min_default: float):
    def xs(beam, w_min, w_max, q2_max):
        _check(process, beam, lepton_mass, w_min, w_max)
        return _cross_section(beam, lepton_mass, max(w_min, 2 * lepton_mass * (1 + 1e-9)), w_max, q2_max)

    def gen(n, beam, rng, frame, w_min, w_max, q2_max):
        _check(process, beam, lepton_mass, w_min, w_max)
        e1, e2, pair, w = _generate(n, rng, frame.sqrt_s, lepton_mass,
                                    max(w_min, 2 * lepton_mass * (1 + 1e-9)), w_max, q2_max)
        m_pair = np.sqrt(ps.mass2(pair))
        beta = np.sqrt(1 - 4 * lepton_mass**2 / m_pair**2)
        cos = _sample_gg_cos(rng, beta)
        # photon axis in the pair rest frame: q1 = p1 - e1'
        e = 0.5 * np.sqrt(ps.mass2(e1 + e2 + pair))
        p1 = np.stack([e, 0 * e, 0 * e, np.sqrt(e * e - M_E**2)], -1)
        q1 = ps.boost(p1 - e1, -pair[:, 1:] / pair[:, :1])
        axis = q1[:, 1:] / np.linalg.norm(q1[:, 1:], axis=1, keepdims=True)
        local = ps.direction(cos, rng.uniform(0, 2 * np.pi, n))
        d = np.einsum("nij,nj->ni", ps.frame_from_axis(axis), local)
        lm, lp = ps.two_body(m_pair, lepton_mass, lepton_mass, d)
        lm, lp = ps.boost_from_rest(lm, pair), ps.boost_from_rest(lp, pair)
        b = ps.EventBuilder(n)
        b.add(PDG.ELECTRON, e1)
        b.add(-PDG.ELECTRON, e2)
        b.add(lepton_pdg, lm)
        b.add(-lepton_pdg, lp)
        sigma = float(w.sum())
        err = float(np.sqrt(np.sum((w - sigma / max(n, 1)) ** 2)))
        return Generated(b, weight=w, cross_section=sigma, cross_section_error=err)

    name = "mu" if lepton_pdg == PDG.MUON else "e"
    register(
        Process(
            name=process,
            description=f"two-photon e+e- -> e+e- {name}+{name}- in the equivalent-photon approximation "
            "(Budnev et al. spectrum x Breit-Wheeler), weighted events",
            final_state=f"e+ e- {name}+ {name}-",
            parameters=(
                Parameter("w_min", w_min_default, f"minimum {name}{name} invariant mass W", "GeV", 0.0),
                Parameter("w_max", 10.0, f"maximum {name}{name} invariant mass W", "GeV", 0.0),
                Parameter("q2_max", 1.0, "maximum photon virtuality Q^2 (EPA validity)", "GeV^2", 1e-6),
            ),
            cross_section=xs,
            generate=gen,
        )
    )


_make("eemumu", PDG.MUON, M_MU, 2 * M_MU)
_make("eeee", PDG.ELECTRON, M_E, 0.5)
