"""The result of a channel selection, and the checks every selection makes on its input.

Input contract (the reconstructed event model of DESIGN.md): ``reco.tracks`` and
``reco.clusters`` are awkward Arrays of records per event, ``reco.weight`` the event weights in
fb, ``reco.beam`` the :class:`darkrecon.Beam` of the sample. Tracks need ``px, py, pz, charge,
d0, z0, mu_id, e_id``; clusters need ``energy, theta, phi, time, track`` (``track`` = index of
the matched track or -1, so photons are the clusters with ``track == -1``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import awkward as ak
import numpy as np

from darkrecon.beam import Beam
from darkrecon.select.cutflow import CutFlow

TRACK_FIELDS = ("px", "py", "pz", "charge", "d0", "z0", "mu_id", "e_id")
CLUSTER_FIELDS = ("energy", "theta", "phi", "time", "track")

M_MU = 0.1056583755  # GeV, PDG 2024
M_E = 0.51099895e-3  # GeV, PDG 2024
#: The ALP search range of Belle II, PRL 125, 161806 (2020): 0.2 < m_a < 9.7 GeV.
ALP_MASS_RANGE = (0.2, 9.7)


def mass_range(channel: str, beam: Beam) -> tuple[float, float]:
    """The interval of signal masses (GeV) a channel can search at this beam.

    Z' -> invisible recoils against two muons (0 < M < sqrt(s) - 2 m_mu), the LFV Z' against
    e mu (0 < M < sqrt(s) - m_e - m_mu), the invisible dark photon against one photon
    (0 < M < sqrt(s)): open intervals. The ALP is searched in the published range
    0.2 <= m_a <= 9.7 GeV (end points included, as the paper's mass scan).
    """
    sqrt_s = beam.sqrt_s
    ranges = {
        "zprime_invisible": (0.0, sqrt_s - 2 * M_MU),
        "zprime_emu": (0.0, sqrt_s - M_E - M_MU),
        "alp_gammagamma": (ALP_MASS_RANGE[0], min(ALP_MASS_RANGE[1], sqrt_s)),
        "dark_photon_invisible": (0.0, sqrt_s),
    }
    if channel not in ranges:
        raise ValueError(f"unknown channel {channel!r}; known: {', '.join(ranges)}")
    return ranges[channel]


def check_masses(channel: str, masses, beam_or_range) -> np.ndarray:
    """``masses`` as a float array, after checking every one lies inside the channel's range.

    ``beam_or_range`` is the :class:`Beam` of the sample or an explicit ``(low, high)``.
    Raises ValueError naming the channel, the offending mass and the allowed range.
    """
    lo, hi = beam_or_range if isinstance(beam_or_range, tuple) else mass_range(channel, beam_or_range)
    m = np.atleast_1d(np.asarray(masses, dtype=np.float64))
    closed = channel == "alp_gammagamma"
    inside = (m >= lo) & (m <= hi) if closed else (m > lo) & (m < hi)
    bad = ~(np.isfinite(m) & inside)
    if np.any(bad):
        interval = f"[{lo:g}, {hi:.4g}]" if closed else f"({lo:g}, {hi:.4g})"
        raise ValueError(f"{channel}: mass {m[bad][0]:g} GeV is outside the channel's range "
                         f"{interval} GeV")
    return m


def require_fields(reco, collection: str, needed: Iterable[str], channel: str) -> ak.Array:
    """The collection ``reco.<collection>``, after checking it has every field the channel uses."""
    if not hasattr(reco, collection):
        raise ValueError(f"{channel}: the reconstructed sample has no '{collection}' collection")
    arr = getattr(reco, collection)
    missing = [f for f in needed if f not in ak.fields(arr)]
    if missing:
        raise ValueError(f"{channel}: reco.{collection} lacks field(s) {', '.join(missing)} "
                         f"(has {', '.join(ak.fields(arr)) or 'none'})")
    return arr


def require_beam(reco, beam: Beam, channel: str) -> Beam:
    """The selection's beam, which must be the one the sample was made with."""
    if not isinstance(beam, Beam):
        raise TypeError(f"{channel}: beam must be a darkrecon.Beam, got {type(beam).__name__}")
    sample_beam = getattr(reco, "beam", None)
    if sample_beam is not None and (
        not np.allclose(sample_beam.four_momentum, beam.four_momentum, rtol=0, atol=1e-9)
    ):
        raise ValueError(f"{channel}: beam {beam!r} is not the sample's beam {sample_beam!r}")
    return beam


def event_weights(reco, n_events: int) -> np.ndarray:
    weight = getattr(reco, "weight", None)
    if weight is None:
        return np.ones(n_events)
    weight = np.asarray(weight, dtype=np.float64)
    if weight.shape != (n_events,) or not np.all(np.isfinite(weight)):
        raise ValueError(f"reco.weight must be {n_events} finite values, got shape {weight.shape}")
    return weight


@dataclass
class Selection:
    """Events kept by a channel selection and their candidates.

    Attributes
    ----------
    channel : str
    passed : (n_events,) bool, the events that pass every cut.
    cutflow : CutFlow
    candidates : dict of arrays, one entry per passing event (``mass`` is the quantity the
        search scans: recoil or diphoton mass), or per passing candidate where stated.
    weight : (n_passed,) weights in fb of the passing events (or candidates).
    luminosity_fb : float
    mass_range : (low, high) signal masses (GeV) the channel can search at the sample's beam;
        :meth:`expected_in_window` refuses window centres outside it.
    """

    channel: str
    passed: np.ndarray
    cutflow: CutFlow
    candidates: dict[str, np.ndarray]
    weight: np.ndarray
    luminosity_fb: float
    notes: dict[str, str] = field(default_factory=dict)
    mass_range: tuple[float, float] | None = None

    @property
    def mass(self) -> np.ndarray:
        return self.candidates["mass"]

    def expected_in_window(self, center, half_width) -> tuple[np.ndarray, np.ndarray]:
        """Expected events with ``|mass - center| < half_width`` at the luminosity, and their
        statistical uncertainty from the simulation (sqrt of the sum of squared weights).
        A window without any simulated event gets the zero-event bound of
        :mod:`darkrecon.select.background` (1.14 x the representative weight) as estimate and
        uncertainty, never 0 +- 0. A centre outside the channel's :attr:`mass_range` raises
        ValueError naming it."""
        from darkrecon.select.background import window_counts

        center = np.atleast_1d(np.asarray(center, dtype=np.float64))
        half_width = np.broadcast_to(np.asarray(half_width, dtype=np.float64), center.shape)
        if self.mass_range is not None:
            check_masses(self.channel, center, self.mass_range)
        res = window_counts(self.mass, self.weight, center, half_width,
                            luminosity_fb=self.luminosity_fb, empty_weight=self.representative_weight())
        return res.expected, res.stat_unc

    def representative_weight(self) -> float:
        """Per-event weight (fb) an empty window stands for
        (:func:`darkrecon.select.background.representative_weight`)."""
        from darkrecon.select.background import representative_weight

        return representative_weight(self.weight, self.cutflow.weight)

    def closest_candidates(self, mass: float, variable: str = "mass") -> tuple[np.ndarray, np.ndarray]:
        """One value of ``candidates[variable]`` per selected event, and its weight: the
        candidate nearest the mass hypothesis (an ALP event has three pairings; it enters a
        mass window once, with the pairing nearest the hypothesis, as in a scan over pairings).
        """
        values = self.candidates[variable]
        event = self.candidates["event"]
        order = np.lexsort((np.abs(values - mass), event))
        first = np.ones(order.size, dtype=bool)
        first[1:] = event[order][1:] != event[order][:-1]
        keep = order[first]
        return values[keep], self.weight[keep]

    def efficiency(self) -> float:
        """Weighted fraction of all events that pass."""
        return self.cutflow.expected[-1] / self.cutflow.expected[0] if self.cutflow.expected[0] else 0.0
