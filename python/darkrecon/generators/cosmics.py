"""Cosmic-ray muons crossing the detector (an optional background of the two-track channels).

Sea-level muons (PDG Review "Cosmic rays", 2024): intensity I(theta_z) = I_v cos^2(theta_z) per
solid angle for E >~ 1 GeV, with I_v ~ 70 m^-2 s^-1 sr^-1 above 1 GeV; charge ratio
mu+/mu- = 1.27; energy spectrum taken as the power law dN/dE ~ E^-2.7 between ``e_min`` and
``e_max`` (a simplification of the flattening below ~10 GeV).

Geometry: Belle II's lab frame has y pointing up. Each muon's straight line passes through a
point uniform in a disk of radius ``r_max`` (cm) centred on the IP and perpendicular to its
direction; it starts where that line enters the cylinder r < 330 cm, -280 < z < 350 cm (just
inside the fast simulation's world volume, the outside of the KLM), timed to pass the impact
point at a time uniform in [-t_window/2, t_window/2] ns. The rate through the disk is
R = I_v * pi r_max^2 * int cos^2 dOmega = I_v * pi r_max^2 * 2 pi / 3.

``mode="line"`` gives one muon per event, starting at the entry point. ``mode="pair"`` (the
default) gives what an outward-transporting fast simulation needs: the muon split at its point
of closest approach to the IP into two outgoing half-tracks, the lower half (the muon itself)
and the upper half time-reversed (opposite charge, opposite momentum: the same helix in the
field), both starting at the impact point at the crossing time. This is the familiar look of
a cosmic in a collider detector: a back-to-back mu+ mu- pair from a displaced vertex (the
upper half's hit times have the wrong sign relative to the crossing).

Cosmics are not produced by the collisions: the "cross section" is R / L, the equivalent for an
instantaneous luminosity ``luminosity`` (cm^-2 s^-1), so that weight * integrated luminosity is
the number of cosmic muons in the running time. ``sample.initial`` holds the muon itself.
"""

from __future__ import annotations

import math

import numpy as np

from darkrecon.generators import _phasespace as ps
from darkrecon.generators.constants import C_CM_PER_NS, M_MU, PDG
from darkrecon.generators.registry import Generated, Parameter, Process, register

#: Starting surface: the cylinder r < START_RADIUS, START_Z[0] < z < START_Z[1] (cm).
START_RADIUS = 330.0
START_Z = (-280.0, 350.0)
#: Vertical intensity of muons above 1 GeV at sea level, m^-2 s^-1 sr^-1 (PDG cosmic-ray review).
VERTICAL_INTENSITY = 70.0
CHARGE_RATIO = 1.27
SPECTRAL_INDEX = 2.7


def _rate_hz(r_max_cm: float) -> float:
    area_m2 = math.pi * (r_max_cm / 100.0) ** 2
    return VERTICAL_INTENSITY * area_m2 * 2.0 * math.pi / 3.0


def _xs(beam, e_min, e_max, r_max, t_window, luminosity, mode):
    if not e_min < e_max:
        raise ValueError(f"cosmics: need e_min < e_max, got {e_min}, {e_max} GeV")
    # luminosity in cm^-2 s^-1 -> fb^-1 s^-1 (1 fb^-1 = 1e39 cm^-2)
    return _rate_hz(r_max) / (luminosity * 1e-39), 0.0


def _entry_distance(impact: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Distance back along -d from ``impact`` to where the line enters the start cylinder."""
    a = d[:, 0] ** 2 + d[:, 1] ** 2
    b = impact[:, 0] * d[:, 0] + impact[:, 1] * d[:, 1]
    c = impact[:, 0] ** 2 + impact[:, 1] ** 2 - START_RADIUS**2
    with np.errstate(divide="ignore", invalid="ignore"):
        lam_r = np.where(a > 0, (-b - np.sqrt(np.maximum(b * b - a * c, 0.0))) / a, -np.inf)
        lam_z = np.where(d[:, 2] > 0, (START_Z[0] - impact[:, 2]) / d[:, 2],
                         np.where(d[:, 2] < 0, (START_Z[1] - impact[:, 2]) / d[:, 2], -np.inf))
    return -np.maximum(lam_r, lam_z)


def _gen(n, beam, rng, frame, e_min, e_max, r_max, t_window, luminosity, mode):
    _xs(beam, e_min, e_max, r_max, t_window, luminosity, mode)
    # energy: inverse CDF of E^-gamma on [e_min, e_max]
    g = 1.0 - SPECTRAL_INDEX
    u = rng.uniform(0, 1, n)
    energy = (e_min**g + u * (e_max**g - e_min**g)) ** (1.0 / g)
    energy = np.maximum(energy, M_MU * (1 + 1e-9))
    # zenith angle: cos^2 per solid angle on the upper hemisphere -> cos(theta_z) = u^(1/3)
    cz = rng.uniform(0, 1, n) ** (1.0 / 3.0)
    phi = rng.uniform(0, 2 * np.pi, n)
    sz = np.sqrt(1 - cz * cz)
    # direction of travel: downwards (-y), zenith measured from +y
    d = np.stack([sz * np.cos(phi), -cz, sz * np.sin(phi)], axis=1)
    p = np.sqrt(energy**2 - M_MU**2)
    p4 = ps.four(energy, p[:, None] * d)
    # impact point uniform in the disk perpendicular to d through the IP
    r = r_max * np.sqrt(rng.uniform(0, 1, n))
    a = rng.uniform(0, 2 * np.pi, n)
    local = np.stack([r * np.cos(a), r * np.sin(a), np.zeros(n)], axis=1)
    impact = np.einsum("nij,nj->ni", ps.frame_from_axis(d), local)
    beta = p / energy
    t_cross = rng.uniform(-0.5, 0.5, n) * t_window
    charge_plus = rng.uniform(0, 1, n) < CHARGE_RATIO / (1 + CHARGE_RATIO)
    pdg = np.where(charge_plus, -PDG.MUON, PDG.MUON)
    b = ps.EventBuilder(n, lab_frame=True)
    if mode == "line":
        start = _entry_distance(impact, d)
        b.add(pdg, p4, vertex=impact - start[:, None] * d, t=t_cross - start / (beta * C_CM_PER_NS))
        return Generated(b, initial=p4)
    upper = ps.four(energy, -p[:, None] * d)
    b.add(pdg, p4, vertex=impact, t=t_cross)
    b.add(-pdg, upper, vertex=impact, t=t_cross)
    return Generated(b, initial=p4 + upper)


register(
    Process(
        name="cosmics",
        description="cosmic-ray muons through a disk around the IP (cos^2 zenith, E^-2.7), "
        "'cross section' = rate / instantaneous luminosity",
        final_state="mu+- (from the sky)",
        parameters=(
            Parameter("e_min", 1.0, "minimum muon energy", "GeV", 0.2),
            Parameter("e_max", 1000.0, "maximum muon energy", "GeV", 0.3),
            Parameter("r_max", 100.0, "radius of the disk around the IP the muons cross", "cm", 1e-3,
                      START_RADIUS - 30.0),
            Parameter("t_window", 100.0, "window of the crossing time at the impact point", "ns", 0.0),
            Parameter("mode", "pair", "'pair': two outgoing half-tracks from the point of closest "
                      "approach (for the fast simulation); 'line': one muon from the entry point",
                      choices=("pair", "line")),
            Parameter("luminosity", 1e35, "instantaneous luminosity for the equivalent cross section",
                      "cm^-2 s^-1", 1e20),
        ),
        cross_section=_xs,
        generate=_gen,
    )
)
