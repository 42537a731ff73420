"""Helix fits of drift-chamber hits (compiled core, one call for a batch of tracks).

Helix parameters follow basf2 (perigee relative to the origin): ``(d0, phi0, omega, z0,
tan_lambda)`` with ``d0 = (perigee x p)_z / pT`` [cm], ``phi0`` the direction of pT at the
perigee, ``omega = q / R`` [1/cm], perigee point ``(d0 sin phi0, -d0 cos phi0, z0)`` and
``pT [GeV] = 0.299792458e-2 * B[T] * R[cm]``; a positive particle turns clockwise seen from +z.

Measurement model: the residual of hit i is ``|D_i| - d_i`` where ``D_i`` is the signed distance
of closest approach of the helix to the wire and ``d_i >= 0`` the measured drift distance; the
left/right sign ``sign(D_i)`` is re-evaluated at every iteration and reported in ``lr_sign``
(+1 when the helix passes on the side ``u x t`` of the wire, u the wire direction, t the track
direction). Left/right ambiguities and background hits are resolved by deterministic annealing
before the final Gauss-Newton fit; see ``cpp/include/darkrecon/tracking/HelixFitter.hpp`` for
the algorithm and the multiple-scattering model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkrecon import _core

__all__ = ["CURVATURE_CONSTANT", "HelixFit", "fit_helices", "helix_from_state", "seed_helices"]

#: pT [GeV] = CURVATURE_CONSTANT * B [T] * R [cm] (the speed of light in these units).
CURVATURE_CONSTANT = 0.299792458e-2

PARAMETER_NAMES = ("d0", "phi0", "omega", "z0", "tan_lambda")


@dataclass(frozen=True)
class HelixFit:
    """Result of :func:`fit_helices` for T tracks and N hits.

    Attributes
    ----------
    params : ndarray (T, 5)
        ``d0, phi0, omega, z0, tan_lambda`` at the perigee (the seed, or NaN, if not fitted).
    cov : ndarray (T, 5, 5)
        Covariance of ``params``, the inverse of ``J^T V^-1 J`` at the optimum (NaN if not fitted).
    chi2 : ndarray (T,)
    ndf : ndarray (T,) int64
        Number of hits used in the final fit minus 5 (negative for too few hits).
    converged : ndarray (T,) bool
        False for tracks with fewer than 5 usable hits, singular fits or no convergence.
    weight : ndarray (N,)
        Weight of each hit in the final fit: 1 kept, 0 rejected as outlier/background.
    lr_sign : ndarray (N,)
        Left/right sign of each hit at the optimum (+1/-1; 0 where not evaluated).
    iterations : ndarray (T,) int32
        Number of evaluations of all hits (annealing steps plus Gauss-Newton steps).
    offsets : ndarray (T+1,) int64
        Hit offsets of the tracks.
    bfield : float
        The field in tesla used for momenta.
    """

    params: np.ndarray
    cov: np.ndarray
    chi2: np.ndarray
    ndf: np.ndarray
    converged: np.ndarray
    weight: np.ndarray
    lr_sign: np.ndarray
    iterations: np.ndarray
    offsets: np.ndarray
    bfield: float

    def __len__(self) -> int:
        return int(self.params.shape[0])

    @property
    def hit_weight(self) -> np.ndarray:
        """Alias of :attr:`weight` (the name used in the design notes)."""
        return self.weight

    @property
    def d0(self) -> np.ndarray:
        return self.params[:, 0]

    @property
    def phi0(self) -> np.ndarray:
        return self.params[:, 1]

    @property
    def omega(self) -> np.ndarray:
        return self.params[:, 2]

    @property
    def z0(self) -> np.ndarray:
        return self.params[:, 3]

    @property
    def tan_lambda(self) -> np.ndarray:
        return self.params[:, 4]

    @property
    def charge(self) -> np.ndarray:
        """Charge sign, +1 / -1 (int8), from the sign of omega."""
        return np.sign(self.omega).astype(np.int8)

    @property
    def pt(self) -> np.ndarray:
        """Transverse momentum (GeV)."""
        return CURVATURE_CONSTANT * self.bfield / np.abs(self.omega)

    @property
    def chi2_ndf(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.chi2 / self.ndf

    def momentum(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Momentum ``(px, py, pz)`` at the perigee (GeV)."""
        pt = self.pt
        return pt * np.cos(self.phi0), pt * np.sin(self.phi0), pt * self.tan_lambda

    def momentum_jacobian(self) -> np.ndarray:
        """d(px, py, pz) / d(d0, phi0, omega, z0, tan_lambda), shape (T, 3, 5)."""
        px, py, pz = self.momentum()
        pt = self.pt
        jac = np.zeros((len(self), 3, 5))
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_omega = 1.0 / self.omega
        jac[:, 0, 1] = -py
        jac[:, 1, 1] = px
        jac[:, 0, 2] = -px * inv_omega
        jac[:, 1, 2] = -py * inv_omega
        jac[:, 2, 2] = -pz * inv_omega
        jac[:, 2, 4] = pt
        return jac

    def extrapolate_to_ecl(self):
        """Entry points into the ECL (see :func:`darkrecon.tracking.extrapolate_to_ecl`)."""
        from darkrecon.tracking.helix import extrapolate_to_ecl

        return extrapolate_to_ecl(self.params)

    def momentum_cov(self) -> np.ndarray:
        """Covariance of ``(px, py, pz)`` propagated from :attr:`cov`, shape (T, 3, 3)."""
        jac = self.momentum_jacobian()
        return jac @ self.cov @ jac.transpose(0, 2, 1)


def fit_helices(
    wire_point,
    wire_dir,
    drift,
    sigma,
    offsets,
    bfield: float = 1.5,
    seed=None,
    *,
    annealing: bool = True,
    max_retries: int = 2,
    multiple_scattering: bool = False,
    radiation_length: float = 64000.0,
    mass: float = 0.13957039,
    outlier_chi2_cut: float = 16.0,
    max_iterations: int = 30,
    tolerance: float = 0.1,
    start_temperature_factor: float = 30.0,
    max_temperature: float = 1e5,
    anneal_factor: float = 0.1,
    n_threads: int = 0,
) -> HelixFit:
    """Fit a helix to the wire hits of each track.

    Parameters
    ----------
    wire_point : array (N, 3)
        A point on each hit wire (cm).
    wire_dir : array (N, 3)
        Unit direction of each wire.
    drift : array (N,)
        Measured drift distance, >= 0 (cm); left/right is resolved by the fit.
    sigma : array (N,)
        Resolution of each drift distance, > 0 (cm).
    offsets : int array (T+1,)
        Track t owns hits ``offsets[t]:offsets[t+1]``.
    bfield : float
        Solenoid field along +z (tesla).
    seed : array (T, 5), optional
        Start parameters; by default each track seeds itself (Karimaki circle fit on the axial
        wires, then z0 and tan_lambda from the stereo wires).
    annealing : bool
        Deterministic annealing of the left/right assignment and of outliers (DAF-like
        weights, temperature from the seed's chi2 per hit down to 1); without it every hit is
        used with the left/right sign of the current helix.
    max_retries : int
        When hits were rejected, up to this many (at most 2) further annealed fits are tried
        (hotter and slower from the seed, then from a RANSAC z seed); the one with the lowest
        ``chi2 + outlier_chi2_cut * n_rejected`` is kept.
    multiple_scattering : bool
        Include multiple scattering in the material between hits (Highland formula with
        ``radiation_length`` [cm] and the ``mass`` hypothesis [GeV]) as correlated terms of a
        full hit covariance matrix.
    outlier_chi2_cut : float
        chi2 of the outlier hypothesis; a hit whose best-side chi2 exceeds it gets weight 0.
    max_iterations, tolerance : int, float
        Gauss-Newton stops when ``dp^T C^-1 dp < tolerance`` (converged; that last step is
        taken without evaluating the hits again, which moves the result by < 1e-3 sigma at the
        default 0.1 since the convergence is quadratic) or after ``max_iterations`` steps (not
        converged).
    start_temperature_factor, max_temperature, anneal_factor : float
        The annealing starts at ``start_temperature_factor`` times the seed's mean chi2 per hit
        (capped at ``max_temperature``) and falls by ``anneal_factor`` per step down to 1.
    n_threads : int
        Threads (0 = all cores). Results do not depend on it.

    Returns
    -------
    HelixFit
    """
    out = _core.fit_helices(
        wire_point,
        wire_dir,
        drift,
        sigma,
        offsets,
        seed,
        bfield=float(bfield),
        max_iterations=int(max_iterations),
        tolerance=float(tolerance),
        annealing=bool(annealing),
        max_retries=int(max_retries),
        start_temperature_factor=float(start_temperature_factor),
        max_temperature=float(max_temperature),
        anneal_factor=float(anneal_factor),
        outlier_chi2_cut=float(outlier_chi2_cut),
        multiple_scattering=bool(multiple_scattering),
        radiation_length=float(radiation_length),
        mass=float(mass),
        n_threads=int(n_threads),
    )
    return HelixFit(
        params=out["params"],
        cov=out["cov"],
        chi2=out["chi2"],
        ndf=out["ndf"],
        converged=out["converged"],
        weight=out["weight"],
        lr_sign=out["lr_sign"],
        iterations=out["iterations"],
        offsets=np.asarray(offsets, dtype=np.int64),
        bfield=float(bfield),
    )


def seed_helices(wire_point, wire_dir, offsets, drift=None) -> np.ndarray:
    """The fitter's own seed of each track, (T, 5): Karimaki circle fit on the axial wire
    positions, z0 and tan_lambda from where the stereo wires meet that circle (with ``drift``,
    the two candidate crossings of each drift circle are resolved against the z(s) line).
    NaN rows where the wires cannot define a circle."""
    return _core.seed_helices(wire_point, wire_dir, offsets, drift)


def helix_from_state(position, momentum, charge, bfield: float = 1.5) -> np.ndarray:
    """Perigee parameters (T, 5) of the helices through ``position`` (T, 3) [cm] with
    ``momentum`` (T, 3) [GeV] and ``charge`` (T,) [+1/-1, 0 = straight] in ``bfield`` tesla."""
    return _core.helix_from_state(
        position, momentum, np.asarray(charge, dtype=np.float64), float(bfield)
    )
