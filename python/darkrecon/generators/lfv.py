"""Lepton-flavour-violating Z': e+e- -> e+- mu-+ Z', Z' -> invisible (the extension channel of
the Belle II search, PRL 124 (2020) 141801).

Model: a Z' with a vector coupling ``g_prime`` to the flavour-changing current
(e-bar gamma^nu mu + mu-bar gamma^nu e) and no other couplings at tree level; the Z' decays
invisibly with branching fraction ``br_invisible`` (default 1). For the final state
e-(k1) mu+(k2) Z'(q) from e-(p1) e+(p2) the tree-level diagrams are

- s channel, e+e- -> gamma* -> mu- mu+ with mu- -> e- Z', and gamma* -> e- e+ with
  e+ -> mu+ Z' (``Gamma_s`` as in :mod:`darkrecon.generators.zprime`, with the propagator
  masses m_mu and m_e);
- t channel, the e- scatters off the e+ by photon exchange while the e+ line turns into a mu+
  by emitting the Z' before or after the photon vertex,

    M = e^2 g' [ Jbar_s . B_s / s - J_t . B_t / t ]   (relative minus of Fermi statistics, as
                                                        in Bhabha scattering),

evaluated with explicit Dirac spinors, vectorised over events (massless beam spinors: the
photon current of the t-channel spectator line is then conserved up to O(m_e / sqrt(-t)),
< 1e-3 inside the angular cuts). The flavour-changing current is
not conserved for m_e != m_mu, so the full Z' polarisation sum -g + q q / M^2 is used. The
charge-conjugate final state e+ mu- Z' is the CP image (charges conjugated, three-momenta
reversed: the beams map onto themselves), so it is generated as e- mu+ Z' in the mirrored
angular cuts and then CP-transformed; half of the events are of each charge state.

The t-channel peak (forward spectator e-, |t| -> m_e^2) makes the total cross section
meaningless without cuts: both charged leptons are required within ``theta_min``..``theta_max``
in the CMS (default 17-150 deg, the CDC acceptance). Events are weighted (phase-space mapping of
:mod:`darkrecon.generators.zprime`; the t-channel is not mapped, so weights spread more than for
the L_mu - L_tau signal). Tree level, massless initial electrons in the s-channel current.
Validation (tests/generators/test_gen_lfv.py): with equal masses the current is conserved and
the Ward identity holds for the s- and the t-channel sets separately; the s-channel part
reduces to the L_mu - L_tau amplitude; |M|^2 is Lorentz invariant.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from darkrecon.generators import _phasespace as ps
from darkrecon.generators.constants import E_CHARGE, GEV2_TO_FB, M_E, M_MU, PDG
from darkrecon.generators.registry import Generated, Parameter, Process, register
from darkrecon.generators.zprime import GAMMA, METRIC, _beams_cms, _sample_phase_space, _spinors, slash

_CHUNK = 4096


def _prop(p: np.ndarray, m: float) -> np.ndarray:
    one = np.eye(4)[None]
    return (slash(p) + m * one) / (ps.mass2(p) - m * m)[:, None, None]


def amplitudes(p1, p2, k1, k2, q, *, m_light=M_E, m_heavy=M_MU, g_prime=1.0, e=E_CHARGE,
               channels=("s", "t"), m_beam=0.0) -> np.ndarray:
    """A^nu (n, 16 spin states in the order (p1, p2, k1, k2), 4) of e-(p1) e+(p2) ->
    l-(k1, m_light) L+(k2, m_heavy) Z'(q) with the flavour-changing vector coupling
    (beam spinors of mass ``m_beam``, 0 for the massless beams of the generator)."""
    g0 = GAMMA[0]
    u_p1 = _spinors(p1, m_beam, "u")
    v_p2 = _spinors(p2, m_beam, "v")
    u_k1 = _spinors(k1, m_light, "u")
    v_k2 = _spinors(k2, m_heavy, "v")
    n = len(p1)
    out = np.zeros((n, 2, 2, 2, 2, 4), complex)
    if "s" in channels:
        s = ps.mass2(p1 + p2)
        vbar = np.einsum("nsa,ab->nsb", v_p2.conj(), g0)
        cur = np.einsum("nsa,mab,ntb->nstm", vbar, GAMMA, u_p1) * METRIC  # (n, s_p2, s_p1, mu) lower
        s1 = _prop(k1 + q, m_heavy)  # mu- -> e- Z' on the k1 leg
        s2 = _prop(-(k2 + q), m_light)  # e+ -> mu+ Z' on the k2 leg
        ubar = np.einsum("nsa,ab->nsb", u_k1.conj(), g0)
        row = np.einsum("nsa,vab->nsvb", ubar, GAMMA)
        col = np.einsum("mab,ntb->ntma", GAMMA, v_k2)
        b = np.einsum("nsva,nab,ntmb->nstmv", row, s1, col, optimize=True) + np.einsum(
            "nsma,nab,ntvb->nstmv", row, s2, col, optimize=True)
        amp = np.einsum("nabm,ncdmv->nbacdv", cur, b)  # reorder to (p1, p2, k1, k2)
        out += (e * e * g_prime / s)[:, None, None, None, None, None] * amp
    if "t" in channels:
        t = ps.mass2(p1 - k1)
        ubar = np.einsum("nsa,ab->nsb", u_k1.conj(), g0)
        cur = np.einsum("nsa,mab,ntb->nstm", ubar, GAMMA, u_p1) * METRIC  # (n, s_k1, s_p1, mu)
        sa = _prop(-(k2 + q), m_light)  # Z' emitted next to the mu+ end (e+ -> mu+ Z' last)
        sb = _prop(q - p2, m_heavy)  # Z' emitted first from the incoming e+ (which becomes mu+)
        vbar = np.einsum("nsa,ab->nsb", v_p2.conj(), g0)
        row_m = np.einsum("nsa,mab->nsmb", vbar, GAMMA)  # vbar(p2) gamma^(mu or nu)
        col = np.einsum("mab,ntb->ntma", GAMMA, v_k2)  # gamma^(mu or nu) v(k2)
        # B_t^{mu nu} = vbar g^mu S_a g^nu v + vbar g^nu S_b g^mu v: (n, s_p2, s_k2, mu, nu)
        b = np.einsum("nsma,nab,ntvb->nstmv", row_m, sa, col, optimize=True) + np.einsum(
            "nsva,nab,ntmb->nstmv", row_m, sb, col, optimize=True)
        amp = np.einsum("ncam,nbdmv->nabcdv", cur, b)  # (p1, p2, k1, k2)
        out -= (e * e * g_prime / t)[:, None, None, None, None, None] * amp
    return out.reshape(n, 16, 4)


def matrix_element_squared(p1, p2, k1, k2, q, *, mz, m_light=M_E, m_heavy=M_MU, g_prime=1.0,
                           channels=("s", "t")) -> np.ndarray:
    """Spin-averaged |M|^2 with the massive polarisation sum -g + q q / M^2."""
    n = len(p1)
    out = np.empty(n)
    for lo in range(0, n, _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        amp = amplitudes(p1[sl], p2[sl], k1[sl], k2[sl], q[sl], m_light=m_light, m_heavy=m_heavy,
                         g_prime=g_prime, channels=channels)
        transverse = np.einsum("nsv,v->n", np.abs(amp) ** 2, -METRIC)
        longitudinal = np.sum(np.abs(np.einsum("nsv,nv->ns", amp, q[sl] * METRIC)) ** 2, axis=1) / mz**2
        out[sl] = 0.25 * (transverse + longitudinal)
    return out


def _in_acceptance(p: np.ndarray, cos_lo: float, cos_hi: float) -> np.ndarray:
    c = p[:, 3] / np.linalg.norm(p[:, 1:], axis=1)
    return (c >= cos_lo) & (c <= cos_hi)


def weighted_events(rng, sqrt_s: np.ndarray, mass: float, theta_min: float, theta_max: float):
    """e-(k1) mu+(k2) Z'(q) in the CMS at g' = 1 with weights in fb (zero outside the cuts)."""
    cos_lo, cos_hi = math.cos(math.radians(theta_max)), math.cos(math.radians(theta_min))
    k1, k2, q, w_ps = _sample_phase_space(rng, sqrt_s, mass, M_E, M_MU)
    p1, p2 = _beams_cms(sqrt_s)
    ok = _in_acceptance(k1, cos_lo, cos_hi) & _in_acceptance(k2, cos_lo, cos_hi)
    w = np.zeros(len(sqrt_s))
    if np.any(ok):
        me2 = matrix_element_squared(p1[ok], p2[ok], k1[ok], k2[ok], q[ok], mz=mass)
        w[ok] = me2 / (2.0 * sqrt_s[ok] ** 2) * w_ps[ok] * GEV2_TO_FB
    return k1, k2, q, w


def _check(mass: float, sqrt_s: float, theta_min: float, theta_max: float) -> None:
    if not (M_MU + M_E < mass < sqrt_s - M_MU - M_E):
        raise ValueError(f"zprime_emu_invisible: mass must be in (m_mu + m_e, sqrt(s) - m_mu - m_e) = "
                         f"({M_MU + M_E:.4f}, {sqrt_s - M_MU - M_E:.4f}) GeV (below, mu -> e Z' is "
                         f"open), got {mass}")
    if not theta_min < theta_max:
        raise ValueError(f"zprime_emu_invisible: need theta_min < theta_max, got {theta_min}, {theta_max}")


@lru_cache(maxsize=256)
def _integrate(mass: float, sqrt_s: float, theta_min: float, theta_max: float,
               n_points: int = 20_000, seed: int = 2020) -> tuple[float, float]:
    """sigma(e- mu+ Z') at g' = 1 with both leptons in [theta_min, theta_max] (fb, error)."""
    rng = np.random.default_rng(seed)
    *_, w = weighted_events(rng, np.full(n_points, sqrt_s), mass, theta_min, theta_max)
    return float(w.mean()), float(w.std() / math.sqrt(n_points))


def cross_section(mass: float, g_prime: float, beam=None, *, theta_min: float = 17.0,
                  theta_max: float = 150.0) -> tuple[float, float]:
    """(sigma, error) in fb of e+e- -> e+- mu-+ Z' (both charge states, leptons in the cuts).
    By CP, sigma(e+ mu- Z' in [a, b]) = sigma(e- mu+ Z' in [180 - b, 180 - a])."""
    from darkrecon.beam import Beam

    beam = Beam.preset("Y4S") if beam is None else beam
    _check(mass, beam.sqrt_s, theta_min, theta_max)
    rs = round(beam.sqrt_s, 12)
    s1, e1 = _integrate(float(mass), rs, float(theta_min), float(theta_max))
    s2, e2 = _integrate(float(mass), rs, 180.0 - float(theta_max), 180.0 - float(theta_min))
    return (s1 + s2) * g_prime**2, math.hypot(e1, e2) * g_prime**2


def _xs(beam, mass, g_prime, theta_min, theta_max, br_invisible):
    sig, err = cross_section(mass, g_prime, beam, theta_min=theta_min, theta_max=theta_max)
    return sig * br_invisible, err * br_invisible


def _weighted_in_cuts(rng, sqrt_s, mass, theta_min, theta_max, tries: int = 8):
    """One e- mu+ Z' event with non-zero weight per entry of ``sqrt_s``; the weights are
    divided by the number of proposals used, so they sum to the cross-section estimate."""
    return ps.first_nonzero_proposals(
        len(sqrt_s), lambda reps: weighted_events(rng, sqrt_s[reps], mass, theta_min, theta_max),
        ((4,), (4,), (4,)), tries=tries, max_rounds=500, what="zprime_emu_invisible")


def _gen(n, beam, rng, frame, mass, g_prime, theta_min, theta_max, br_invisible):
    _check(mass, float(np.min(frame.sqrt_s, initial=beam.sqrt_s)), theta_min, theta_max)
    conj = rng.uniform(0, 1, n) < 0.5
    k1, k2, zp, w = np.zeros((n, 4)), np.zeros((n, 4)), np.zeros((n, 4)), np.zeros(n)
    for sel, (lo, hi) in ((~conj, (theta_min, theta_max)), (conj, (180.0 - theta_max, 180.0 - theta_min))):
        idx = np.flatnonzero(sel)
        k1[idx], k2[idx], zp[idx], w[idx] = _weighted_in_cuts(rng, frame.sqrt_s[idx], mass, lo, hi)
    w = w * g_prime**2 * br_invisible
    # CP images for the e+ mu- events: charges conjugated, three-momenta reversed
    flip = np.ones((n, 4))
    flip[conj, 1:] = -1.0
    k1, k2, zp = k1 * flip, k2 * flip, zp * flip
    sign = np.where(conj, -1, 1)
    nu, nubar = ps.two_body(np.full(n, mass), 0.0, 0.0, ps.random_unit(n, rng))
    nu, nubar = ps.boost_from_rest(nu, zp), ps.boost_from_rest(nubar, zp)
    bld = ps.EventBuilder(n)
    bld.add(PDG.ELECTRON * sign, k1)
    bld.add(-PDG.MUON * sign, k2)
    z = bld.add(PDG.ZPRIME, zp, status=2)
    bld.add(PDG.NU_MU, nu, mother=z)
    bld.add(-PDG.NU_MU, nubar, mother=z)
    return Generated.weighted(bld, w)


register(
    Process(
        name="zprime_emu_invisible",
        description="LFV Z': e+e- -> e+- mu-+ Z', Z' -> invisible, tree-level s + t channel matrix "
        "element with a vector e-mu coupling, both leptons in the angular cuts, weighted events",
        final_state="e+- mu-+ + invisible",
        parameters=(
            Parameter("mass", 1.0, "Z' mass", "GeV", M_MU + M_E + 1e-6, 10.3),
            Parameter("g_prime", 0.01, "flavour-changing vector coupling", "", 0.0, 10.0),
            Parameter("theta_min", 17.0, "minimum CMS polar angle of both leptons", "deg", 0.5, 179.5),
            Parameter("theta_max", 150.0, "maximum CMS polar angle of both leptons", "deg", 0.5, 179.5),
            Parameter("br_invisible", 1.0, "BR(Z' -> invisible)", "", 0.0, 1.0),
        ),
        cross_section=_xs,
        generate=_gen,
    )
)
