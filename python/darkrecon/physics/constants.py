"""Physical constants shared by the theory formulas (natural units, GeV)."""

from __future__ import annotations

#: Fine-structure constant in the Thomson limit (CODATA 2018: 1/137.035999084).
ALPHA = 1.0 / 137.035999084
#: (hbar c)^2 in fb GeV^2: 0.3893793721 mb GeV^2 (PDG 2024, "Physical constants").
HBARC2_FB_GEV2 = 0.3893793721e12
#: hbar c in GeV cm (PDG 2024: 197.3269804 MeV fm).
HBARC_GEV_CM = 1.973269804e-14
#: Lepton masses in GeV (PDG 2024).
MUON_MASS = 0.1056583755
TAU_MASS = 1.77686
