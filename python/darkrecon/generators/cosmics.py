"""Cosmic-ray muons crossing the detector (an optional background of the two-track channels).

Sea-level muons (PDG Review "Cosmic rays", 2024): intensity I(theta_z) = I_v cos^2(theta_z) per
solid angle for E >~ 1 GeV, with I_v ~ 70 m^-2 s^-1 sr^-1 above 1 GeV; charge ratio
mu+/mu- = 1.27; energy spectrum taken as the power law dN/dE ~ E^-2.7 between ``e_min`` and
``e_max`` (a simplification of the flattening below ~10 GeV).

Geometry: Belle II's lab frame has y pointing up. Each muon's straight line passes through a
point uniform in a disk of radius ``r_max`` (cm) centred on the IP and perpendicular to its
direction; it starts ``start_distance`` cm before that point, timed to pass it at a time
uniform in [-t_window/2, t_window/2] ns. The rate through the disk is
R = I_v * pi r_max^2 * int cos^2 dOmega = I_v * pi r_max^2 * 2 pi / 3.

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

#: Vertical intensity of muons above 1 GeV at sea level, m^-2 s^-1 sr^-1 (PDG cosmic-ray review).
VERTICAL_INTENSITY = 70.0
CHARGE_RATIO = 1.27
SPECTRAL_INDEX = 2.7


def _rate_hz(r_max_cm: float) -> float:
    area_m2 = math.pi * (r_max_cm / 100.0) ** 2
    return VERTICAL_INTENSITY * area_m2 * 2.0 * math.pi / 3.0


def _xs(beam, e_min, e_max, r_max, start_distance, t_window, luminosity):
    if not e_min < e_max:
        raise ValueError(f"cosmics: need e_min < e_max, got {e_min}, {e_max} GeV")
    # luminosity in cm^-2 s^-1 -> fb^-1 s^-1 (1 fb^-1 = 1e39 cm^-2)
    return _rate_hz(r_max) / (luminosity * 1e-39), 0.0


def _gen(n, beam, rng, frame, e_min, e_max, r_max, start_distance, t_window, luminosity):
    _xs(beam, e_min, e_max, r_max, start_distance, t_window, luminosity)
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
    vertex = impact - start_distance * d
    beta = p / energy
    t0 = rng.uniform(-0.5, 0.5, n) * t_window - start_distance / (beta * C_CM_PER_NS)
    charge_plus = rng.uniform(0, 1, n) < CHARGE_RATIO / (1 + CHARGE_RATIO)
    b = ps.EventBuilder(n, lab_frame=True)
    b.add(np.where(charge_plus, -PDG.MUON, PDG.MUON), p4, vertex=vertex, t=t0)
    return Generated(b, initial=p4)


register(
    Process(
        name="cosmics",
        description="cosmic-ray muons through a disk around the IP (cos^2 zenith, E^-2.7), "
        "'cross section' = rate / instantaneous luminosity",
        final_state="mu+- (from the sky)",
        parameters=(
            Parameter("e_min", 1.0, "minimum muon energy", "GeV", 0.2),
            Parameter("e_max", 1000.0, "maximum muon energy", "GeV", 0.3),
            Parameter("r_max", 100.0, "radius of the disk around the IP the muons cross", "cm", 1e-3),
            Parameter("start_distance", 500.0, "distance before the impact point where a muon starts", "cm",
                      0.0),
            Parameter("t_window", 100.0, "window of the crossing time at the impact point", "ns", 0.0),
            Parameter("luminosity", 1e35, "instantaneous luminosity for the equivalent cross section",
                      "cm^-2 s^-1", 1e20),
        ),
        cross_section=_xs,
        generate=_gen,
    )
)
