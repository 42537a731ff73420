"""Dirac matrices, slashed four-vectors and spinors for numerical (HELAS-style) amplitudes.

Dirac representation, metric (+, -, -, -). Everything is vectorised over events: four-vectors
are arrays (n, 4) and spinors (n, 2 spin states, 4 components) in the basis chi = (1, 0), (0, 1)
of the rest-frame spin (not helicities: spin sums are basis independent).
"""

from __future__ import annotations

import numpy as np

_I2 = np.eye(2)
SIGMA = np.array(
    [
        [[0, 1], [1, 0]],
        [[0, -1j], [1j, 0]],
        [[1, 0], [0, -1]],
    ],
    dtype=complex,
)
#: gamma^mu (upper index), shape (4, 4, 4).
GAMMA = np.zeros((4, 4, 4), complex)
GAMMA[0] = np.block([[_I2, 0 * _I2], [0 * _I2, -_I2]])
for _i in range(3):
    GAMMA[_i + 1] = np.block([[0 * _I2, SIGMA[_i]], [-SIGMA[_i], 0 * _I2]])
#: Diagonal of the metric g_{mu mu}.
METRIC = np.array([1.0, -1.0, -1.0, -1.0])


def slash(p: np.ndarray) -> np.ndarray:
    """p_mu gamma^mu for four-vectors (n, 4) -> (n, 4, 4) complex."""
    return np.einsum("nm,mab->nab", p * METRIC, GAMMA)


def spinors(p: np.ndarray, m: float, kind: str) -> np.ndarray:
    """Spinors (n, 2, 4) of momenta ``p`` (n, 4) with mass ``m``: ``kind`` "u" or "v".

    u = (sqrt(E+m) chi, sigma.p chi / sqrt(E+m)), v = (sigma.p eta / sqrt(E+m), sqrt(E+m) eta),
    so that sum u ubar = pslash + m and sum v vbar = pslash - m.
    """
    n = len(p)
    root = np.sqrt(p[:, 0] + m)
    sp = np.einsum("ni,iab->nab", p[:, 1:], SIGMA)  # sigma.p (n, 2, 2)
    out = np.zeros((n, 2, 4), complex)
    for s in range(2):
        chi = np.zeros(2)
        chi[s] = 1.0
        big = root[:, None] * chi[None, :]
        small = sp @ chi / root[:, None]
        if kind == "u":
            out[:, s, :2], out[:, s, 2:] = big, small
        else:
            out[:, s, :2], out[:, s, 2:] = small, big
    return out


def bar(spinor: np.ndarray) -> np.ndarray:
    """Dirac adjoint psi^dagger gamma^0 of spinors (n, 2, 4)."""
    return np.einsum("nsa,ab->nsb", spinor.conj(), GAMMA[0])


def current(left_bar: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Vector currents psibar_s gamma^mu psi_t: (n, s, t, mu), upper index mu."""
    return np.einsum("nsa,mab,ntb->nstm", left_bar, GAMMA, right)
