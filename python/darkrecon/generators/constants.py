"""Physical constants, masses and particle codes used by the generators.

Masses and lifetimes: PDG 2024 (R.L. Workman et al. / S. Navas et al., Phys. Rev. D 110 (2024)
030001, Summary Tables). Conversion constant: (hbar c)^2 = 0.3893793721 GeV^2 mb (CODATA 2018).
"""

from __future__ import annotations

import math

#: Fine-structure constant at zero momentum transfer (CODATA 2018).
ALPHA = 1.0 / 137.035999084
#: Elementary charge in natural units, e = sqrt(4 pi alpha).
E_CHARGE = math.sqrt(4.0 * math.pi * ALPHA)
#: 1 GeV^-2 in fb: (hbar c)^2 = 0.3893793721 mb GeV^2 and 1 mb = 1e12 fb.
GEV2_TO_FB = 0.3893793721e12
#: Speed of light in cm/ns.
C_CM_PER_NS = 29.9792458

# Masses in GeV (PDG 2024).
M_E = 0.51099895e-3
M_MU = 0.1056583755
M_TAU = 1.77686
M_PI = 0.13957039
M_PI0 = 0.1349768
M_RHO = 0.77526  # rho(770)^+- mass, tau and e+e- average
W_RHO = 0.1491  # rho(770) width
M_A1 = 1.230  # a1(1260) mass (PDG estimate)
W_A1 = 0.420  # a1(1260) width (PDG estimate, 250-600 MeV)
M_Z = 91.1876

#: Proper decay lengths c*tau in cm (PDG 2024): tau 87.03 um, pi0 25.3 nm.
CTAU_TAU = 87.03e-4
CTAU_PI0 = 25.3e-7

#: Fermi constant in GeV^-2 (PDG 2024).
G_FERMI = 1.1663788e-5


class PDG:
    """Monte Carlo particle numbers (PDG "Monte Carlo particle numbering scheme").

    New-physics states: ``ZPRIME = 32`` (Z'0 of the PDG scheme), ``DARK_PHOTON = 4900022``
    (the hidden-valley gamma_v of Pythia 8), ``ALP = 9000005`` (the axion-like particle of the
    MadGraph ALP_linear_UFO model).
    """

    ELECTRON = 11
    NU_E = 12
    MUON = 13
    NU_MU = 14
    TAU = 15
    NU_TAU = 16
    PHOTON = 22
    Z0 = 23
    ZPRIME = 32
    PI0 = 111
    PI_PLUS = 211
    RHO_PLUS = 213
    A1_PLUS = 20213
    DARK_PHOTON = 4900022
    ALP = 9000005


#: Particles that leave no signal in the detector (neutrinos and invisible dark states).
INVISIBLE_PDG = frozenset({12, 14, 16, PDG.DARK_PHOTON})

#: Mass of each particle code used by the generators (GeV), keyed by |pdg|.
MASS = {
    PDG.ELECTRON: M_E,
    PDG.MUON: M_MU,
    PDG.TAU: M_TAU,
    PDG.NU_E: 0.0,
    PDG.NU_MU: 0.0,
    PDG.NU_TAU: 0.0,
    PDG.PHOTON: 0.0,
    PDG.PI0: M_PI0,
    PDG.PI_PLUS: M_PI,
}
