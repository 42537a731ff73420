"""Event kinematics on columnar batches: invariant masses, recoil masses, missing momentum.

Every function takes the four-momentum columns ``E, px, py, pz`` (GeV, lab frame) of a flat
collection plus int64 ``offsets`` (event ``i`` owns rows ``offsets[i]:offsets[i+1]``) and
returns one value per event. ``offsets=None`` treats every row as its own event. Jagged
awkward arrays (one list per event) are accepted in place of flat columns plus offsets.
The work runs in the compiled core with the GIL released, split over ``n_threads`` threads
(0 = all cores); results do not depend on the thread count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkrecon import _core
from darkrecon.beam import Beam

__all__ = [
    "Recoil",
    "invariant_mass",
    "invariant_mass_squared",
    "missing_momentum",
    "recoil_mass",
    "recoil_mass_squared",
    "signed_sqrt",
    "sum_four_momenta",
    "thrust",
]


def _columns(E, px, py, pz, offsets):  # noqa: N803 (physics names)
    """Flat columns and offsets; unpacks jagged awkward arrays when no offsets are given."""
    if offsets is None and type(E).__module__.startswith("awkward"):
        import awkward as ak

        counts = ak.to_numpy(ak.num(E, axis=1))
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        E, px, py, pz = (ak.to_numpy(ak.flatten(c, axis=1)) for c in (E, px, py, pz))
    elif offsets is None:
        n = np.shape(E)[0] if np.ndim(E) >= 1 else -1
        if n < 0:
            raise ValueError("E must be 1-D, got a scalar")
        offsets = np.arange(n + 1, dtype=np.int64)
    return E, px, py, pz, offsets


def _beam(beam: Beam | None) -> Beam:
    if beam is None:
        return Beam.preset("Y4S")
    if not isinstance(beam, Beam):
        raise TypeError(f"beam must be a darkrecon.Beam, got {type(beam).__name__}")
    return beam


def signed_sqrt(m2: np.ndarray) -> np.ndarray:
    """sign(m2) * sqrt(|m2|): the mass convention of this module for negative squares."""
    m2 = np.asarray(m2, dtype=np.float64)
    return np.sign(m2) * np.sqrt(np.abs(m2))


def sum_four_momenta(E, px, py, pz, offsets=None, *, n_threads: int = 0) -> np.ndarray:  # noqa: N803
    """Summed four-momentum of each event, shape (n_events, 4) as (E, px, py, pz)."""
    return _core.sum_four_momenta(*_columns(E, px, py, pz, offsets), n_threads)


def invariant_mass_squared(E, px, py, pz, offsets=None, *, n_threads: int = 0) -> np.ndarray:  # noqa: N803
    """Invariant mass squared (GeV^2) of each event's summed system; may be slightly
    negative for (near-)massless systems through rounding or resolution."""
    return _core.invariant_mass(*_columns(E, px, py, pz, offsets), True, n_threads)


def invariant_mass(E, px, py, pz, offsets=None, *, n_threads: int = 0) -> np.ndarray:  # noqa: N803
    """Invariant mass (GeV) of each event's summed system, as :func:`signed_sqrt` of m^2."""
    return _core.invariant_mass(*_columns(E, px, py, pz, offsets), False, n_threads)


@dataclass(frozen=True)
class Recoil:
    """The system recoiling against each event's rows, P_beam - sum(p).

    Attributes
    ----------
    mass_squared : (n_events,) recoil mass squared in GeV^2, frame independent; negative
        values (unphysical, from resolution or a wrong hypothesis) keep their sign.
    mass : (n_events,) ``signed_sqrt(mass_squared)``: -sqrt(-m^2) for negative squares.
    E_cms, px_cms, py_cms, pz_cms : missing four-momentum in the CMS (e- beam along +z).
    p_cms : magnitude of the missing momentum in the CMS.
    theta_cms : polar angle of the missing momentum in the CMS, in [0, pi].
    """

    mass_squared: np.ndarray
    mass: np.ndarray
    E_cms: np.ndarray  # noqa: N815 (physics name)
    px_cms: np.ndarray
    py_cms: np.ndarray
    pz_cms: np.ndarray
    p_cms: np.ndarray
    theta_cms: np.ndarray


def missing_momentum(
    E, px, py, pz, offsets=None, beam: Beam | None = None, *, n_threads: int = 0  # noqa: N803
) -> Recoil:
    """The recoil (missing) system of each event against ``beam`` (default: the Y(4S) preset)."""
    b = _beam(beam)
    cols = _core.recoil(*_columns(E, px, py, pz, offsets), b.four_momentum, b.to_cms_matrix, n_threads)
    return Recoil(mass=signed_sqrt(cols["mass_squared"]), **cols)


def recoil_mass_squared(
    E, px, py, pz, offsets=None, beam: Beam | None = None, *, n_threads: int = 0  # noqa: N803
) -> np.ndarray:
    """(P_beam - sum p)^2 of each event in GeV^2; negative values are kept, not clipped."""
    b = _beam(beam).four_momentum
    return _core.recoil_mass(*_columns(E, px, py, pz, offsets), b, True, n_threads)


def recoil_mass(
    E, px, py, pz, offsets=None, beam: Beam | None = None, *, n_threads: int = 0  # noqa: N803
) -> np.ndarray:
    """Recoil mass of each event in GeV.

    Returns sqrt(m^2) for m^2 >= 0 and -sqrt(-m^2) for m^2 < 0 (the ROOT TLorentzVector
    convention), so a peak smeared across zero stays continuous and never becomes NaN.
    """
    b = _beam(beam).four_momentum
    return _core.recoil_mass(*_columns(E, px, py, pz, offsets), b, False, n_threads)


def thrust(E, px, py, pz, offsets=None, *, n_threads: int = 0) -> tuple[np.ndarray, np.ndarray]:  # noqa: N803
    """Thrust T = max_n sum|p.n| / sum|p| of each event and its axis (n_events, 3).

    Pass CMS momenta (``beam.to_cms``) for the usual event-shape variable: 1 for a back-to-back
    pair, 0.5 for an isotropic event. The axis points into the +z hemisphere.
    """
    return _core.thrust(*_columns(E, px, py, pz, offsets), n_threads)
