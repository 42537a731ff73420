"""SuperKEKB beams: presets, the total four-momentum and the lab <-> CMS transformation.

Lab frame as in Belle II: z along the solenoid field; the HER (e-) travels at ``angle_her``
from +z towards +x, the LER (e+) at ``angle_ler`` from -z, also towards +x, so that the
total crossing angle is ``angle_her + angle_ler`` (83 mrad at SuperKEKB).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources

import numpy as np

from darkrecon import _core

#: Electron mass in GeV (PDG 2024).
ELECTRON_MASS = 0.51099895e-3

#: Defaults of SuperKEKB (shared/reference/superkekb_beams.csv, from the basf2 beam presets).
DEFAULT_ANGLE_HER = 0.0415
DEFAULT_ANGLE_LER = 0.0415
DEFAULT_SPREAD_HER = 5.13e-3
DEFAULT_SPREAD_LER = 2.375e-3


def _load_presets() -> dict[str, tuple[float, float]]:
    # The package's copy of the basf2 beam-parameter presets (source named in the file header).
    text = resources.files("darkrecon").joinpath("data/superkekb_beams.csv").read_text()
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {r["preset"]: (float(r["energy_her_gev"]), float(r["energy_ler_gev"])) for r in rows}


_PRESETS = _load_presets()


def _beam_four_momentum(energy: float, polar: float) -> np.ndarray:
    p = math.sqrt(energy * energy - ELECTRON_MASS * ELECTRON_MASS)
    return np.array([energy, p * math.sin(polar), 0.0, p * math.cos(polar)])


def _boost_matrix(beta: np.ndarray) -> np.ndarray:
    """Lorentz matrix to the frame that moves with velocity ``beta`` (acting on (E, p))."""
    b2 = float(beta @ beta)
    gamma = 1.0 / math.sqrt(1.0 - b2)
    m = np.eye(4)
    m[0, 0] = gamma
    m[0, 1:] = m[1:, 0] = -gamma * beta
    if b2 > 0.0:
        m[1:, 1:] += (gamma - 1.0) * np.outer(beta, beta) / b2
    return m


@dataclass(frozen=True)
class Beam:
    """Colliding e- (HER) and e+ (LER) beams.

    Parameters
    ----------
    e_her, e_ler : float
        Beam energies in GeV.
    angle_her : float
        Angle of the HER (e-) direction from +z, towards +x, in rad.
    angle_ler : float
        Angle of the LER (e+) direction from -z, towards +x, in rad.
    spread_her, spread_ler : float
        Gaussian energy spread (1 sigma) of each beam in GeV.
    name : str
        Preset name, or ``"custom"``.
    """

    e_her: float = 7.0
    e_ler: float = 4.0
    angle_her: float = DEFAULT_ANGLE_HER
    angle_ler: float = DEFAULT_ANGLE_LER
    spread_her: float = DEFAULT_SPREAD_HER
    spread_ler: float = DEFAULT_SPREAD_LER
    name: str = "custom"

    def __post_init__(self) -> None:
        for field in ("e_her", "e_ler"):
            value = getattr(self, field)
            if not (math.isfinite(value) and value > ELECTRON_MASS):
                raise ValueError(f"{field} must be a finite energy above the electron mass, got {value}")
        for field in ("angle_her", "angle_ler"):
            value = getattr(self, field)
            if not (math.isfinite(value) and abs(value) < math.pi / 2):
                raise ValueError(f"{field} must be finite and below pi/2 in magnitude, got {value}")
        for field in ("spread_her", "spread_ler"):
            value = getattr(self, field)
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"{field} must be finite and >= 0, got {value}")

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def preset(cls, name: str) -> Beam:
        """A SuperKEKB preset: ``SuperKEKB`` (7 x 4 GeV), ``Y1S`` .. ``Y6S``, ``Y1S-off`` ..."""
        try:
            e_her, e_ler = _PRESETS[name]
        except KeyError:
            raise ValueError(f"unknown beam preset {name!r}; known: {', '.join(_PRESETS)}") from None
        return cls(e_her=e_her, e_ler=e_ler, name=name)

    @staticmethod
    def presets() -> list[str]:
        """Names accepted by :meth:`preset`."""
        return list(_PRESETS)

    @classmethod
    def from_sqrt_s(cls, sqrt_s: float, ratio: float = 7.0 / 4.0, **kwargs: float) -> Beam:
        """Beams of energy ratio ``e_her / e_ler = ratio`` that collide at ``sqrt_s`` (GeV)."""
        if not (math.isfinite(sqrt_s) and sqrt_s > 2 * ELECTRON_MASS and ratio > 0):
            raise ValueError(f"need sqrt_s > 2 m_e and ratio > 0, got {sqrt_s}, {ratio}")
        probe = cls(e_her=ratio, e_ler=1.0, **kwargs)
        scale = sqrt_s / probe.sqrt_s
        # sqrt(s) is linear in a common energy scale up to the (negligible) electron mass;
        # one Newton step on the exact formula removes that residual.
        beam = replace(probe, e_her=ratio * scale, e_ler=scale)
        scale *= sqrt_s / beam.sqrt_s
        return replace(probe, e_her=ratio * scale, e_ler=scale)

    def with_energy_spread(self, spread_her: float, spread_ler: float) -> Beam:
        """The same beams with another energy spread (GeV, 1 sigma)."""
        return replace(self, spread_her=spread_her, spread_ler=spread_ler)

    # -- four-momenta ---------------------------------------------------------------------
    @cached_property
    def p_her(self) -> np.ndarray:
        """Lab four-momentum (E, px, py, pz) of the e- beam particle."""
        return _beam_four_momentum(self.e_her, self.angle_her)

    @cached_property
    def p_ler(self) -> np.ndarray:
        """Lab four-momentum (E, px, py, pz) of the e+ beam particle."""
        return _beam_four_momentum(self.e_ler, math.pi - self.angle_ler)

    @cached_property
    def four_momentum(self) -> np.ndarray:
        """Total lab four-momentum of the collision, (E, px, py, pz) in GeV."""
        return self.p_her + self.p_ler

    @property
    def sqrt_s(self) -> float:
        """Centre-of-mass energy in GeV."""
        p = self.four_momentum
        return math.sqrt(p[0] ** 2 - p[1] ** 2 - p[2] ** 2 - p[3] ** 2)

    @property
    def sqrt_s_spread(self) -> float:
        """1-sigma spread of sqrt(s) from the beam energy spreads (GeV, linear propagation)."""
        rel = math.hypot(self.spread_her / self.e_her, self.spread_ler / self.e_ler)
        return 0.5 * self.sqrt_s * rel

    @property
    def boost_vector(self) -> np.ndarray:
        """Velocity beta of the CMS in the lab."""
        p = self.four_momentum
        return p[1:] / p[0]

    @cached_property
    def to_cms_matrix(self) -> np.ndarray:
        """4x4 lab -> CMS transformation: boost by -beta, then a rotation about y that puts
        the e- beam along +z in the CMS (so CMS polar angles are measured from the e- beam)."""
        boost = _boost_matrix(self.boost_vector)
        her = boost @ self.p_her
        angle = math.atan2(her[1], her[3])
        c, s = math.cos(angle), math.sin(angle)
        rot = np.eye(4)
        rot[1, 1], rot[1, 3], rot[3, 1], rot[3, 3] = c, -s, s, c
        return rot @ boost

    @cached_property
    def to_lab_matrix(self) -> np.ndarray:
        """4x4 CMS -> lab transformation, the inverse of :attr:`to_cms_matrix`."""
        metric = np.diag([1.0, -1.0, -1.0, -1.0])
        return metric @ self.to_cms_matrix.T @ metric

    def to_cms(self, E, px, py, pz, *, n_threads: int = 0):  # noqa: N803 (physics names)
        """Transform lab four-vectors (arrays, one per row) to the CMS; returns (E, px, py, pz)."""
        return _core.transform_rows(E, px, py, pz, self.to_cms_matrix, n_threads)

    def to_lab(self, E, px, py, pz, *, n_threads: int = 0):  # noqa: N803
        """Transform CMS four-vectors (arrays, one per row) to the lab; returns (E, px, py, pz)."""
        return _core.transform_rows(E, px, py, pz, self.to_lab_matrix, n_threads)

    def sample_four_momenta(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Per-event lab four-momenta (n, 4) of the e- and e+ with the beam energy spread."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        e_her = self.e_her + self.spread_her * rng.standard_normal(n)
        e_ler = self.e_ler + self.spread_ler * rng.standard_normal(n)
        out = []
        for energy, polar in ((e_her, self.angle_her), (e_ler, math.pi - self.angle_ler)):
            p = np.sqrt(energy**2 - ELECTRON_MASS**2)
            out.append(np.stack([energy, p * math.sin(polar), np.zeros(n), p * math.cos(polar)], 1))
        return out[0], out[1]

    def __repr__(self) -> str:
        return (
            f"Beam({self.name!r}, e_her={self.e_her:g}, e_ler={self.e_ler:g}, "
            f"sqrt_s={self.sqrt_s:.4f} GeV, crossing={1e3 * (self.angle_her + self.angle_ler):.1f} mrad)"
        )
