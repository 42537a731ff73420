"""Dark-sector signals with a photon: e+e- -> gamma a (a -> gamma gamma) and e+e- -> gamma A'
(A' -> invisible).

Cross sections, widths and angular distributions come from :mod:`darkrecon.physics.alp` and
:mod:`darkrecon.physics.dark_photon` (formulae and references there); this module only samples
the kinematics (tree level, no ISR):

- ALP: photon polar angle from 1 + cos^2(theta) in the CMS (within ``theta_min..theta_max``,
  the cross section scaled by the accepted fraction), a -> gamma gamma isotropic in the a rest
  frame, at a decay point exponentially distributed with the mean lab decay length
  (p / m) c tau, c tau = hbar c / Gamma(a -> gamma gamma).
- Dark photon: photon polar angle from the A' differential cross section in
  ``|cos(theta)| < cos_theta_max``; the A' (PDG 4900022) is a final-state invisible particle.
"""

from __future__ import annotations

import math

import numpy as np

from darkrecon.generators import _phasespace as ps
from darkrecon.generators.constants import PDG
from darkrecon.generators.registry import Generated, Parameter, Process, register


def _alp_range(theta_min: float, theta_max: float) -> tuple[float, float, float]:
    if not theta_min < theta_max:
        raise ValueError(f"alp_gammagamma: need theta_min < theta_max, got {theta_min}, {theta_max} deg")
    lo, hi = math.cos(math.radians(theta_max)), math.cos(math.radians(theta_min))
    frac = ((hi - lo) + (hi**3 - lo**3) / 3) / (8.0 / 3.0)
    return lo, hi, frac


def _check_mass(process: str, mass: float, sqrt_s: float) -> None:
    if not mass < sqrt_s:
        raise ValueError(f"{process}: mass {mass} GeV must be below sqrt(s) = {sqrt_s:.4f} GeV")


def _alp_xs(beam, mass, g_agg, theta_min, theta_max):
    from darkrecon.physics import alp

    _check_mass("alp_gammagamma", mass, beam.sqrt_s)
    *_, frac = _alp_range(theta_min, theta_max)
    return float(alp.cross_section(mass, g_agg, beam.sqrt_s)) * frac, 0.0


def _alp_gen(n, beam, rng, frame, mass, g_agg, theta_min, theta_max):
    from darkrecon.physics import alp

    _check_mass("alp_gammagamma", mass, float(np.min(frame.sqrt_s, initial=beam.sqrt_s)))
    lo, hi, _ = _alp_range(theta_min, theta_max)

    def propose(m):
        return (rng.uniform(lo, hi, m),)

    (cos,) = ps.accept_reject(n, rng, propose, lambda c: 0.5 * (1 + c * c))
    unit = ps.direction(cos, rng.uniform(0, 2 * np.pi, n))
    photon, a = ps.two_body(frame.sqrt_s, 0.0, mass, unit)
    g1, g2 = ps.two_body(np.full(n, mass), 0.0, 0.0, ps.random_unit(n, rng))
    g1, g2 = ps.boost_from_rest(g1, a), ps.boost_from_rest(g2, a)
    ctau = float(alp.lifetime(mass, g_agg)) if g_agg > 0 else math.inf
    if not math.isfinite(ctau):
        raise ValueError("alp_gammagamma: g_agg must be > 0 (the ALP would not decay)")
    b = ps.EventBuilder(n)
    b.add(PDG.PHOTON, photon)
    slot = b.add(PDG.ALP, a, status=2, ctau=ctau)
    b.add(PDG.PHOTON, g1, mother=slot)
    b.add(PDG.PHOTON, g2, mother=slot)
    return Generated(b)


register(
    Process(
        name="alp_gammagamma",
        description="e+e- -> gamma a, a -> gamma gamma (ALP coupled to photons): 1 + cos^2, "
        "isotropic decay with the ALP decay length",
        final_state="gamma gamma gamma",
        parameters=(
            Parameter("mass", 1.0, "ALP mass", "GeV", 1e-3),
            Parameter("g_agg", 1e-3, "ALP-photon coupling g_a_gamma_gamma", "GeV^-1", 1e-12),
            Parameter("theta_min", 0.0, "minimum CMS polar angle of the recoil photon", "deg", 0.0, 180.0),
            Parameter("theta_max", 180.0, "maximum CMS polar angle of the recoil photon", "deg", 0.0, 180.0),
        ),
        cross_section=_alp_xs,
        generate=_alp_gen,
    )
)


def _ap_xs(beam, mass, epsilon, cos_theta_max):
    from darkrecon.physics import dark_photon

    _check_mass("dark_photon_invisible", mass, beam.sqrt_s)
    return float(dark_photon.cross_section(mass, epsilon, beam.sqrt_s, cos_theta_max)), 0.0


def _ap_gen(n, beam, rng, frame, mass, epsilon, cos_theta_max):
    _check_mass("dark_photon_invisible", mass, float(np.min(frame.sqrt_s, initial=beam.sqrt_s)))
    x = mass * mass / beam.sqrt_s**2
    a = math.atanh(cos_theta_max)
    # d sigma / d cos ~ [(1 + c^2)(1 + x^2) / (1 - c^2) + 2 x]; proposal 1 / (1 - c^2), ratio
    # (1 - c^2) d sigma / d cos ~ (1 + x)^2 + c^2 (1 - x)^2, largest at |c| = cos_theta_max
    bound = (1 + x) ** 2 + cos_theta_max**2 * (1 - x) ** 2

    def propose(m):
        return (np.tanh(rng.uniform(-1, 1, m) * a),)

    (cos,) = ps.accept_reject(n, rng, propose, lambda c: ((1 + x) ** 2 + c * c * (1 - x) ** 2) / bound)
    unit = ps.direction(cos, rng.uniform(0, 2 * np.pi, n))
    photon, dark = ps.two_body(frame.sqrt_s, 0.0, mass, unit)
    b = ps.EventBuilder(n)
    b.add(PDG.PHOTON, photon)
    b.add(PDG.DARK_PHOTON, dark)
    return Generated(b)


register(
    Process(
        name="dark_photon_invisible",
        description="e+e- -> gamma A', A' -> invisible (kinetic mixing epsilon), photon in "
        "|cos theta*| < cos_theta_max",
        final_state="gamma + invisible",
        parameters=(
            Parameter("mass", 1.0, "dark photon mass", "GeV", 0.0),
            Parameter("epsilon", 1e-3, "kinetic mixing", "", 0.0),
            Parameter("cos_theta_max", 0.95, "photon acceptance |cos theta*| (CMS)", "", 0.01, 0.99999),
        ),
        cross_section=_ap_xs,
        generate=_ap_gen,
    )
)
