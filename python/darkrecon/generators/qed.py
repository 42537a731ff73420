"""QED backgrounds: e+e- -> mu+mu-(gamma), tau+tau-(gamma), e+e-(gamma) (Bhabha), gamma gamma.

All are generated in the CMS (polar angles from the e- beam) and boosted to the lab with the
crossing angle. Radiation and running alpha: :mod:`darkrecon.generators.radiation`.

Born cross sections (massive fermions, s-channel photon; Z exchange neglected at 10.58 GeV,
where it changes sigma by < 0.1% and gives A_FB ~ -0.4%):

    d sigma / d cos = pi alpha(s)^2 / (2 s) beta [1 + cos^2 + (1 - beta^2) sin^2],
    sigma = 4 pi alpha(s)^2 / (3 s) * beta (3 - beta^2) / 2.

Bhabha (tree level, massless, s + t channel; e.g. Peskin & Schroeder problem 5.2):
d sigma / d Omega = alpha^2 / (2 s) [(s^2 + u^2) / t^2 + 2 u^2 / (s t) + (u^2 + t^2) / s^2].

e+e- -> gamma gamma (tree level, massless; Peskin & Schroeder eq. 5.105):
d sigma / d cos = 2 pi alpha^2 / s (1 + cos^2) / (1 - cos^2), identical photons, so
sigma(|cos| < c) = 2 pi alpha^2 / s [ln((1 + c) / (1 - c)) - c].
"""

from __future__ import annotations

import math

import numpy as np

from darkrecon.generators import _phasespace as ps
from darkrecon.generators import radiation, tau
from darkrecon.generators.constants import ALPHA, CTAU_TAU, GEV2_TO_FB, M_E, M_MU, M_TAU, PDG
from darkrecon.generators.registry import Generated, Parameter, Process, register


# --------------------------------------------------------------------------- fermion pairs
def born_pair(s: np.ndarray, mass: float) -> np.ndarray:
    """Born sigma(e+e- -> f fbar) in fb with the running alpha(s), 0 below threshold."""
    s = np.asarray(s, dtype=np.float64)
    b2 = np.clip(1.0 - 4.0 * mass * mass / s, 0.0, None)
    b = np.sqrt(b2)
    a = radiation.alpha_em(s)
    return 4.0 * math.pi * a * a / (3.0 * s) * b * (3.0 - b2) / 2.0 * GEV2_TO_FB


def _isr(beam, mass: float, min_mass: float) -> radiation.ISR:
    s = beam.sqrt_s**2
    m_min = max(min_mass, 2.0 * mass * (1.0 + 1e-9))
    if m_min >= beam.sqrt_s:
        raise ValueError(f"min_mass {min_mass} GeV is not below sqrt(s) = {beam.sqrt_s:.4f} GeV")
    return radiation.ISR(s, lambda sp: born_pair(sp, mass), 1.0 - m_min * m_min / s)


_ISR_CACHE: dict = {}


def _isr_cached(beam, mass: float, min_mass: float) -> radiation.ISR:
    key = (beam.sqrt_s, mass, min_mass)
    if key not in _ISR_CACHE:
        _ISR_CACHE[key] = _isr(beam, mass, min_mass)
    return _ISR_CACHE[key]


def pair_cross_section(beam, mass: float, isr: bool, min_mass: float) -> tuple[float, float]:
    if not isr:
        return float(born_pair(np.array([beam.sqrt_s**2]), mass)[0]), 0.0
    r = _isr_cached(beam, mass, min_mass)
    # numerical integration error is negligible; the O(beta^2) terms of the radiator are
    # not included: quote them (~ beta^2 ln ~ 0.5%) as the uncertainty
    return r.cross_section, 0.005 * r.cross_section


def sample_pair_cos(rng: np.random.Generator, beta: np.ndarray) -> np.ndarray:
    """cos(theta) from 1 + cos^2 + (1 - beta^2) sin^2 = (2 - beta^2) + beta^2 cos^2."""
    n = len(beta)
    out = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        c = rng.uniform(-1, 1, todo.size)
        b2 = beta[todo] ** 2
        ok = rng.uniform(0, 2, todo.size) < (2 - b2) + b2 * c * c
        out[todo[ok]] = c[ok]
        todo = todo[~ok]
    return out


def fermion_pair(rng, frame, n: int, mass: float, isr: bool, fsr: bool, min_mass: float, beam):
    """Four-momenta in the CMS of f (charge -1), fbar, the ISR and FSR photons (+ masks)."""
    sqrt_s = frame.sqrt_s
    if isr:
        x = _isr_cached(beam, mass, min_mass).sample(n, rng)
        # per-event sqrt(s) (energy spread) may not leave room for the pair: clip
        x = np.minimum(x, 1.0 - (2.0 * mass * (1 + 1e-9)) ** 2 / sqrt_s**2)
        g_isr, pair = radiation.isr_photon(rng, sqrt_s, x)
        has_isr = x > 0
    else:
        g_isr = np.zeros((n, 4))
        pair = ps.four(sqrt_s, np.zeros((n, 3)))
        has_isr = np.zeros(n, bool)
    m_pair = np.sqrt(ps.mass2(pair))
    beta = ps.two_body_momentum(m_pair, mass, mass) / (0.5 * m_pair)
    unit = ps.direction(sample_pair_cos(rng, beta), rng.uniform(0, 2 * np.pi, n))
    f, fbar = ps.two_body(m_pair, mass, mass, unit)
    if fsr:
        f, fbar, g_fsr, has_fsr = radiation.fsr_pair(rng, pair, f, fbar, mass)
    else:
        f, fbar = ps.boost_from_rest(f, pair), ps.boost_from_rest(fbar, pair)
        g_fsr, has_fsr = np.zeros((n, 4)), np.zeros(n, bool)
    return f, fbar, g_isr, has_isr, g_fsr, has_fsr


_ISR_P = Parameter("isr", True, "initial-state radiation (Kuraev-Fadin radiator)")
_FSR_P = Parameter("fsr", True, "leading-log final-state radiation (one photon)")


def _mumu_xs(beam, isr, fsr, min_mass):
    return pair_cross_section(beam, M_MU, isr, min_mass)


def _mumu_gen(n, beam, rng, frame, isr, fsr, min_mass):
    mu, mubar, g_isr, has_isr, g_fsr, has_fsr = fermion_pair(rng, frame, n, M_MU, isr, fsr, min_mass, beam)
    b = ps.EventBuilder(n)
    b.add(PDG.MUON, mu)
    b.add(-PDG.MUON, mubar)
    b.add(PDG.PHOTON, g_isr, mask=has_isr)
    b.add(PDG.PHOTON, g_fsr, mask=has_fsr)
    return Generated(b)


register(
    Process(
        name="mumu",
        description="e+e- -> mu+ mu- (gamma): Born 1+cos^2 (massive), ISR radiator, LL FSR",
        final_state="mu+ mu- (gamma)",
        parameters=(
            _ISR_P,
            _FSR_P,
            Parameter("min_mass", 2 * M_MU, "lower cut on the mu mu invariant mass after ISR", "GeV", 0.0),
        ),
        cross_section=_mumu_xs,
        generate=_mumu_gen,
    )
)


def _tautau_xs(beam, isr, min_mass, decay):
    return pair_cross_section(beam, M_TAU, isr, min_mass)


def _tautau_gen(n, beam, rng, frame, isr, min_mass, decay):
    t, tbar, g_isr, has_isr, _, _ = fermion_pair(rng, frame, n, M_TAU, isr, False, min_mass, beam)
    b = ps.EventBuilder(n)
    status = 2 if decay else 1
    ctau = CTAU_TAU if decay else 0.0
    s1 = b.add(PDG.TAU, t, status=status, ctau=ctau)
    s2 = b.add(-PDG.TAU, tbar, status=status, ctau=ctau)
    b.add(PDG.PHOTON, g_isr, mask=has_isr)
    if decay:
        tau.add_tau_decay(b, rng, s1, t, +1)
        tau.add_tau_decay(b, rng, s2, tbar, -1)
    return Generated(b)


register(
    Process(
        name="tautau",
        description="e+e- -> tau+ tau- (gamma) with ISR and spin-averaged tau decays "
        "(e nu nu, mu nu nu, pi nu, rho nu, 3 pi nu)",
        final_state="tau+ tau- (gamma) -> decay products",
        parameters=(
            _ISR_P,
            Parameter("min_mass", 2 * M_TAU, "lower cut on the tau tau invariant mass after ISR", "GeV", 0.0),
            Parameter("decay", True, "decay the taus"),
        ),
        cross_section=_tautau_xs,
        generate=_tautau_gen,
    )
)


# --------------------------------------------------------------------------- Bhabha
def bhabha_dsigma_dcos(cos: np.ndarray, s: float) -> np.ndarray:
    """Tree-level massless d sigma / d cos(theta) (GeV^-2), theta = angle of the e-."""
    t = -0.5 * s * (1.0 - cos)
    u = -0.5 * s * (1.0 + cos)
    bracket = (s * s + u * u) / (t * t) + 2 * u * u / (s * t) + (u * u + t * t) / (s * s)
    return 2 * math.pi * ALPHA**2 / (2 * s) * bracket


def _cos_range(theta_min: float, theta_max: float, process: str) -> tuple[float, float]:
    if not theta_min < theta_max:
        raise ValueError(f"{process}: need theta_min < theta_max, got {theta_min}, {theta_max} deg")
    return math.cos(math.radians(theta_max)), math.cos(math.radians(theta_min))


def _bhabha_xs(beam, theta_min, theta_max, fsr):
    lo, hi = _cos_range(theta_min, theta_max, "bhabha")
    s = beam.sqrt_s**2
    # integrate in v = 1 / (1 - cos), where the t-channel pole is flat
    v_lo, v_hi = 1 / (1 - lo), 1 / (1 - hi)

    def f(v):
        c = 1 - 1 / v
        return bhabha_dsigma_dcos(c, s) / (v * v)

    val = radiation._gauss_legendre(f, v_lo, v_hi, 200)
    return val * GEV2_TO_FB, 0.0


def _bhabha_gen(n, beam, rng, frame, theta_min, theta_max, fsr):
    lo, hi = _cos_range(theta_min, theta_max, "bhabha")
    s = beam.sqrt_s**2
    v_lo, v_hi = 1 / (1 - lo), 1 / (1 - hi)
    grid = np.linspace(v_lo, v_hi, 20001)
    g = bhabha_dsigma_dcos(1 - 1 / grid, s) / grid**2
    gmax = 1.05 * g.max()

    def propose(m):
        return (rng.uniform(v_lo, v_hi, m),)

    (v,) = ps.accept_reject(n, rng, propose, lambda v: bhabha_dsigma_dcos(1 - 1 / v, s) / v**2 / gmax)
    cos = 1 - 1 / v
    unit = ps.direction(cos, rng.uniform(0, 2 * np.pi, n))
    sqrt_s = frame.sqrt_s
    e, ebar = ps.two_body(sqrt_s, M_E, M_E, unit)
    b = ps.EventBuilder(n)
    if fsr:
        pair = ps.four(sqrt_s, np.zeros((n, 3)))
        e, ebar, g, has = radiation.fsr_pair(rng, pair, e, ebar, M_E)
    b.add(PDG.ELECTRON, e)
    b.add(-PDG.ELECTRON, ebar)
    if fsr:
        b.add(PDG.PHOTON, g, mask=has)
    return Generated(b)


_THETA = (
    Parameter("theta_min", 10.0, "minimum CMS polar angle of the e- (and e+)", "deg", 0.1, 179.9),
    Parameter("theta_max", 170.0, "maximum CMS polar angle of the e- (and e+)", "deg", 0.1, 179.9),
)

register(
    Process(
        name="bhabha",
        description="Bhabha e+e- -> e+e- (gamma), tree-level s+t channel in an angular range, LL FSR",
        final_state="e+ e- (gamma)",
        parameters=(*_THETA, _FSR_P),
        cross_section=_bhabha_xs,
        generate=_bhabha_gen,
    )
)


# --------------------------------------------------------------------------- gamma gamma
def _gg_xs(beam, theta_min, theta_max):
    lo, hi = _cos_range(theta_min, theta_max, "gammagamma")
    if not math.isclose(lo, -hi, abs_tol=1e-12):
        raise ValueError("gammagamma: the angular range must be symmetric (theta_max = 180 - theta_min)")
    s = beam.sqrt_s**2
    return 2 * math.pi * ALPHA**2 / s * (math.log((1 + hi) / (1 - hi)) - hi) * GEV2_TO_FB, 0.0


def _gg_gen(n, beam, rng, frame, theta_min, theta_max):
    _gg_xs(beam, theta_min, theta_max)
    _, hi = _cos_range(theta_min, theta_max, "gammagamma")
    a = math.atanh(hi)

    def propose(m):
        return (np.tanh(rng.uniform(-1, 1, m) * a),)

    (cos,) = ps.accept_reject(n, rng, propose, lambda c: 0.5 * (1 + c * c))
    unit = ps.direction(cos, rng.uniform(0, 2 * np.pi, n))
    g1, g2 = ps.two_body(frame.sqrt_s, 0.0, 0.0, unit)
    b = ps.EventBuilder(n)
    b.add(PDG.PHOTON, g1)
    b.add(PDG.PHOTON, g2)
    return Generated(b)


register(
    Process(
        name="gammagamma",
        description="e+e- -> gamma gamma, tree level (1+cos^2)/sin^2, symmetric angular range",
        final_state="gamma gamma",
        parameters=(
            Parameter("theta_min", 10.0, "minimum CMS polar angle of the photons", "deg", 0.1, 179.9),
            Parameter("theta_max", 170.0, "maximum CMS polar angle of the photons", "deg", 0.1, 179.9),
        ),
        cross_section=_gg_xs,
        generate=_gg_gen,
    )
)
