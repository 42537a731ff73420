"""What ``darkrecon run`` runs by default: the three channels, their signal mass points and
backgrounds, the luminosities of the seed's datasets, and the sample sizes.

Luminosities: 276 pb^-1 for the Z' search (Belle II 2018 data, PRL 124, 141801 (2020)),
445 pb^-1 for the ALP search (PRL 125, 161806 (2020)), and a 50 fb^-1 projection for each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from darkrecon.select.alp import RECOIL_MASS_ABOVE


@dataclass(frozen=True)
class SampleSpec:
    """One generated sample: a process with parameters and a number of events."""

    name: str
    process: str
    params: dict = field(default_factory=dict)
    n_events: int = 10_000

    def scaled(self, factor: float) -> SampleSpec:
        return SampleSpec(self.name, self.process, dict(self.params), max(200, int(self.n_events * factor)))


@dataclass(frozen=True)
class ChannelSpec:
    """A search channel: its selection, signal points, backgrounds and luminosities."""

    name: str
    selection: str  # name of the function in darkrecon.select
    signal_process: str
    coupling: str  # the signal parameter that sets the cross section (proportional to its square)
    coupling_value: float
    masses: tuple[float, ...]
    backgrounds: tuple[str, ...]  # SampleSpec names
    luminosities_fb: tuple[float, ...]
    signal_events: int = 1_000
    signal_params: dict = field(default_factory=dict)
    #: above this mass the search variable is the candidates' ``recoil_mass`` (ALP only)
    recoil_above: float | None = None

    def signal_samples(self) -> list[SampleSpec]:
        return [SampleSpec(f"{self.signal_process}-m{m:g}", self.signal_process,
                           {"mass": m, self.coupling: self.coupling_value, **self.signal_params},
                           self.signal_events) for m in self.masses]


BACKGROUNDS: tuple[SampleSpec, ...] = (
    SampleSpec("mumu", "mumu", {}, 6_000),
    SampleSpec("tautau", "tautau", {}, 6_000),
    SampleSpec("eemumu", "eemumu", {}, 4_000),
    SampleSpec("gammagamma", "gammagamma", {}, 3_000),
    # the irreducible ALP background (PRL 125, 161806 (2020): e+e- -> gamma gamma gamma dominates)
    SampleSpec("gammagammagamma", "gammagammagamma", {}, 3_000),
    SampleSpec("bhabha", "bhabha", {}, 3_000),
)

CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec("zprime", "zprime_invisible", "zprime_invisible", "g_prime", 0.01,
                (1.0, 2.0, 3.0, 5.0, 8.0), ("mumu", "tautau", "eemumu"), (0.276, 50.0)),
    ChannelSpec("alp", "alp_gammagamma", "alp_gammagamma", "g_agg", 1e-3,
                (0.5, 1.0, 2.0, 4.0, 6.0, 8.0), ("gammagammagamma", "gammagamma", "bhabha"), (0.445, 50.0),
                recoil_above=RECOIL_MASS_ABOVE),
    ChannelSpec("dark_photon", "dark_photon_invisible", "dark_photon_invisible", "epsilon", 1e-3,
                (1.0, 3.0, 5.0, 7.0), ("gammagamma", "bhabha"), (50.0,)),
)


def samples(channels=CHANNELS, backgrounds=BACKGROUNDS, scale: float = 1.0) -> list[SampleSpec]:
    """Every sample the channels need, once each, scaled in size by ``scale``."""
    needed = {b for c in channels for b in c.backgrounds}
    out = [s.scaled(scale) for s in backgrounds if s.name in needed]
    for c in channels:
        out.extend(s.scaled(scale) for s in c.signal_samples())
    return out
