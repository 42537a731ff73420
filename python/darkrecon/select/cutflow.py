"""Cut flows: raw and luminosity-weighted event counts after each successive cut."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class CutFlow:
    """Events surviving each cut in order, raw and weighted to ``luminosity_fb``.

    ``weight`` is the per-event weight in fb (it sums to the sample's cross section), so the
    weighted count after a cut is the expected number of events at that luminosity.
    """

    weight: np.ndarray
    luminosity_fb: float
    names: list[str] = field(default_factory=list)
    raw: list[int] = field(default_factory=list)
    expected: list[float] = field(default_factory=list)
    passed: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.weight = np.asarray(self.weight, dtype=np.float64)
        if self.passed is None:
            self.passed = np.ones(self.weight.shape[0], dtype=bool)
            self._record("all events")

    def _record(self, name: str) -> None:
        self.names.append(name)
        self.raw.append(int(self.passed.sum()))
        self.expected.append(float(self.weight[self.passed].sum() * self.luminosity_fb))

    def apply(self, name: str, mask) -> np.ndarray:
        """Require ``mask`` (one bool per event) on top of the previous cuts."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != self.passed.shape:
            raise ValueError(f"cut {name!r}: mask has shape {mask.shape}, expected {self.passed.shape}")
        self.passed = self.passed & mask
        self._record(name)
        return self.passed

    def rows(self) -> list[dict[str, float | int | str]]:
        """One dict per cut: name, raw count, expected events, efficiency w.r.t. the start."""
        start = self.expected[0] if self.expected and self.expected[0] > 0 else np.nan
        return [
            {"cut": n, "raw": r, "expected": e, "efficiency": e / start}
            for n, r, e in zip(self.names, self.raw, self.expected, strict=True)
        ]

    def to_markdown(self) -> str:
        lines = ["| cut | raw | expected | efficiency |", "|---|---:|---:|---:|"]
        for r in self.rows():
            lines.append(f"| {r['cut']} | {r['raw']} | {r['expected']:.4g} | {r['efficiency']:.4f} |")
        return "\n".join(lines)
