"""Fast simulation of Belle II PXD (DEPFET pixel) clusters as 9x9 ADC matrices.

Geometry (Belle II Technical Design Report, T. Abe et al., arXiv:1011.0352, chapter "PXD"):
two layers of DEPFET ladders at r = 1.4 cm (8 ladders) and 2.2 cm (12 ladders), 75 um thick
sensitive silicon, 250 columns of 50 um pitch in r-phi (12.5 mm) and 768 rows in z per module,
two modules per ladder.  The z pitch is 55 um (256 rows) and 60 um (512 rows) in layer 1,
70 um (256 rows) and 85 um (512 rows) in layer 2, which reproduces the module lengths of
44.8 mm and 61.44 mm.  Here the finer rows are taken as the 256 rows next to the junction of
the two modules of a ladder (the central region), and the ladders are placed in z so that they
cover the 17-150 deg acceptance; both are approximations of the real layout.

Response model (choices of this fast simulation, stated so that they can be changed):
- ionisation along the (locally straight) path, Landau-fluctuated in 16 segments with the
  Landau-Vavilov-Bichsel most probable loss of each segment (a sum of Landau variables is again
  Landau with the summed xi, so the whole crossing has the PDG most probable value);
- 3.65 eV per electron-hole pair; the charge of each point spreads laterally with a Gaussian of
  sigma^2 = s_drift^2 + 2 (kT/q) w d / V_eff: s_drift = 4.2 um is the lateral drift spread of
  the basf2 PXD digitiser (pxd/modules/pxdSimulation, PXDDigitizerModule: its pol3 sigma_u,v
  parametrisation is 4.1-4.2 um over the thickness), the second term thermal diffusion in a
  uniform drift field over d = 75 um (w = distance to the collecting front side, V_eff = 20 V,
  T = 300 K: 3.8 um at the back side);
- readout as the basf2 PXD digitiser defaults: 1 ADU = ADCUnit / Gq = 130 nA / 0.6 nA/e- =
  217 electrons, electronic noise 150 e- ENC (0.69 ADU), zero-suppression threshold 4 ADU
  ("ChargeThreshold", nominal 4 ADU); 8-bit saturation at 255 ADU; the matrix is 9x9 pixels
  centred on the seed (maximum) pixel, index [i, j] = (r-phi column i, z row j), (4, 4) = seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from darkrecon.anomaly import energy_loss as el

MATRIX = 9
_HALF = MATRIX // 2
_GRID = 33  # simulation window in pixels (the 9x9 matrix is cut out of it around the seed)
_POINTS_PER_SEGMENT = 4
_SEGMENTS = 16

#: Kinds of clusters (integer codes stored in ``Clusters.kind``).
KINDS = {
    "mip": 0,
    "electron": 1,
    "compton": 2,
    "curler": 3,
    "noise": 4,
    "monopole": 5,
}


@dataclass(frozen=True)
class PXDLayer:
    """One PXD layer (Belle II TDR, arXiv:1011.0352, PXD chapter)."""

    name: str
    radius_cm: float
    n_ladders: int
    pitch_v_fine_um: float
    pitch_v_coarse_um: float
    z_min_cm: float
    z_max_cm: float
    pitch_u_um: float = 50.0
    fine_rows: int = 256

    @property
    def z_join_cm(self) -> float:
        return 0.5 * (self.z_min_cm + self.z_max_cm)

    def pitch_v_um(self, z_cm: np.ndarray) -> np.ndarray:
        """z pitch at position z: fine pitch for the 256 rows next to the module junction."""
        fine_len = self.fine_rows * self.pitch_v_fine_um * 1e-4
        return np.where(
            np.abs(np.asarray(z_cm) - self.z_join_cm) < fine_len,
            self.pitch_v_fine_um,
            self.pitch_v_coarse_um,
        )

    def contains_z(self, z_cm: np.ndarray) -> np.ndarray:
        return (np.asarray(z_cm) >= self.z_min_cm) & (np.asarray(z_cm) <= self.z_max_cm)


# Ladder z ranges: 2 x 44.8 mm and 2 x 61.44 mm, centred on the 17-150 deg acceptance.
LAYERS = (
    PXDLayer("L1", 1.4, 8, 55.0, 60.0, -3.40, 5.56),
    PXDLayer("L2", 2.2, 12, 70.0, 85.0, -4.45, 7.84),
)


@dataclass(frozen=True)
class PXDResponse:
    """Sensor and readout settings of the simulation (see the module docstring)."""

    thickness_um: float = 75.0
    electrons_per_adc: float = 130.0 / 0.6  # basf2 PXDDigitizer ADCUnit / Gq
    noise_adc: float = 150.0 / (130.0 / 0.6)  # 150 e- ENC
    threshold_adc: float = 4.0
    saturation_adc: float = 255.0
    drift_sigma_um: float = 4.2
    bias_eff_volt: float = 20.0
    temperature_k: float = 300.0
    delta_cap_kev: float = 100.0  # restricted-loss cap per Landau segment

    def diffusion_sigma_um(self, depth_um: np.ndarray) -> np.ndarray:
        kt_q = 8.617333e-5 * self.temperature_k  # V
        w = np.clip(depth_um, 0.0, self.thickness_um)
        return np.sqrt(
            self.drift_sigma_um**2 + 2.0 * kt_q * w * self.thickness_um / self.bias_eff_volt
        )


DEFAULT_RESPONSE = PXDResponse()


@dataclass
class Clusters:
    """A sample of PXD clusters: ``adc`` (n, 9, 9) float32 plus truth per cluster."""

    adc: np.ndarray
    kind: np.ndarray
    layer: np.ndarray
    theta_u: np.ndarray  # incidence angle from the normal projected on the r-phi (u-w) plane
    theta_v: np.ndarray  # incidence angle from the normal projected on the z (v-w) plane
    deposit_e: np.ndarray  # true collected charge in the simulation window [electrons]
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.adc)

    @property
    def total_adc(self) -> np.ndarray:
        return self.adc.reshape(len(self), -1).sum(axis=1)

    @property
    def size(self) -> np.ndarray:
        """Number of pixels above threshold in the 9x9 matrix."""
        return (self.adc.reshape(len(self), -1) > 0).sum(axis=1)

    def __getitem__(self, sel) -> Clusters:
        return Clusters(
            self.adc[sel],
            self.kind[sel],
            self.layer[sel],
            self.theta_u[sel],
            self.theta_v[sel],
            self.deposit_e[sel],
            {k: v[sel] for k, v in self.extra.items()},
        )

    @staticmethod
    def concatenate(parts: list[Clusters]) -> Clusters:
        keys = set.intersection(*(set(p.extra) for p in parts)) if parts else set()
        return Clusters(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("adc", "kind", "layer", "theta_u", "theta_v", "deposit_e")
            ),
            {k: np.concatenate([p.extra[k] for p in parts]) for k in keys},
        )


# ----------------------------------------------------------------------------------------------
# Charge points -> pixels


def _erf(x: np.ndarray) -> np.ndarray:
    """erf with |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26); avoids a SciPy dependency."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (
        ((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592
    ) * t * np.exp(-a * a)
    return s * y


def _phi(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


def _share(x: np.ndarray, pitch: np.ndarray, sigma: np.ndarray):
    """Pixel index of each point and the charge fractions in pixels (-1, 0, +1) of it."""
    idx = np.floor(x / pitch)
    local = x - idx * pitch
    lo = _phi(-local / sigma)
    hi = _phi((pitch - local) / sigma)
    return idx.astype(np.int64), (lo, hi - lo, 1.0 - hi)


def collect(
    owner: np.ndarray,
    u_um: np.ndarray,
    v_um: np.ndarray,
    depth_um: np.ndarray,
    charge_e: np.ndarray,
    pitch_u_um: np.ndarray,
    pitch_v_um: np.ndarray,
    n: int,
    response: PXDResponse,
) -> np.ndarray:
    """Diffuse charge points onto the pixel grid: (n, 33, 33) collected electrons.

    ``u, v`` are measured from the pixel corner of the grid centre pixel of each cluster.
    """
    sigma = response.diffusion_sigma_um(depth_um)
    iu, fu = _share(u_um, pitch_u_um[owner], sigma)
    iv, fv = _share(v_um, pitch_v_um[owner], sigma)
    iu = iu + _GRID // 2
    iv = iv + _GRID // 2
    grid = np.zeros(n * _GRID * _GRID)
    for du, wu in zip((-1, 0, 1), fu, strict=True):
        for dv, wv in zip((-1, 0, 1), fv, strict=True):
            a, b = iu + du, iv + dv
            ok = (a >= 0) & (a < _GRID) & (b >= 0) & (b < _GRID)
            flat = (owner[ok] * _GRID + a[ok]) * _GRID + b[ok]
            grid += np.bincount(flat, weights=(charge_e * wu * wv)[ok], minlength=grid.size)
    return grid.reshape(n, _GRID, _GRID)


def digitize(grid_e: np.ndarray, rng: np.random.Generator, response: PXDResponse) -> np.ndarray:
    """Noise, threshold, zero suppression and saturation of the whole window, then the 9x9
    cut-out centred on the seed (maximum digitised) pixel [ADC]."""
    n = len(grid_e)
    adc = grid_e / response.electrons_per_adc + response.noise_adc * rng.standard_normal(
        grid_e.shape
    )
    adc = np.rint(adc)
    adc[adc < response.threshold_adc] = 0.0
    adc = np.minimum(adc, response.saturation_adc)
    # seed: the maximum digitised pixel; among saturated or equal pixels the one with most charge
    key = adc * 1e9 + np.minimum(grid_e, 1e8)
    flat_seed = key.reshape(n, -1).argmax(axis=1)
    su, sv = np.divmod(flat_seed, _GRID)
    padded = np.pad(adc, ((0, 0), (_HALF, _HALF), (_HALF, _HALF)))
    off = np.arange(MATRIX)
    rows = (su[:, None] + off[None, :])[:, :, None]
    cols = (sv[:, None] + off[None, :])[:, None, :]
    return padded[np.arange(n)[:, None, None], rows, cols].astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Particle transport in the sensor


def straight_track_points(
    tan_u: np.ndarray,
    tan_v: np.ndarray,
    beta_gamma: np.ndarray,
    rng: np.random.Generator,
    response: PXDResponse,
    dedx_mev_per_cm: np.ndarray | None = None,
    flip: np.ndarray | None = None,
):
    """Charge points of straight crossings of the full thickness.

    Returns (owner, u, v, depth, charge_e) with u, v relative to the entry point; the deposit is
    Landau-fluctuated (unit charge) unless a deterministic ``dedx_mev_per_cm`` is given.
    ``flip`` (n,) bool: the track crosses towards the collecting side (depth decreasing);
    random if not given.
    """
    n = len(tan_u)
    d = response.thickness_um
    path = d * np.sqrt(1.0 + tan_u**2 + tan_v**2)
    seg_len = np.repeat(path / _SEGMENTS, _SEGMENTS)
    if dedx_mev_per_cm is None:
        e_seg = el.sample_landau_loss_kev(
            rng, seg_len, np.repeat(beta_gamma, _SEGMENTS), response.delta_cap_kev
        )
    else:
        e_seg = np.repeat(dedx_mev_per_cm, _SEGMENTS) * seg_len * 1e-4 * 1e3
    n_pts = _SEGMENTS * _POINTS_PER_SEGMENT
    frac = (np.arange(n_pts) + 0.5) / n_pts
    depth = np.broadcast_to(d * frac, (n, n_pts))
    u = tan_u[:, None] * depth
    v = tan_v[:, None] * depth
    q = np.repeat(e_seg.reshape(n, _SEGMENTS), _POINTS_PER_SEGMENT, axis=1) / _POINTS_PER_SEGMENT
    q = q * 1e3 / el.SI_PAIR_EV
    owner = np.repeat(np.arange(n), n_pts)
    # a random side of entry: tracks may cross towards or away from the collecting side
    if flip is None:
        flip = rng.random(n) < 0.5
    depth = np.where(flip[:, None], d - depth, depth)
    return owner, u.ravel(), v.ravel(), depth.ravel(), q.ravel()


def electron_walk_points(
    start: np.ndarray,
    direction: np.ndarray,
    kinetic_mev: np.ndarray,
    rng: np.random.Generator,
    response: PXDResponse,
    n_steps: int = 48,
    max_step_um: float = 5.0,
):
    """Random walk of low-energy electrons (CSDA energy loss, Highland scattering per step).

    ``start`` (m, 3) = (u, v, depth) [um], ``direction`` (m, 3) unit vectors.  An electron
    deposits its energy loss of each step while inside 0 <= depth <= thickness and is stopped
    for good when it leaves the sensor.  Returns (index, u, v, depth, charge_e), with index the
    electron (row of ``start``).
    """
    m = len(start)
    d = response.thickness_um
    r0 = el.electron_range_um(kinetic_mev)
    step = np.minimum(r0 / n_steps, max_step_um)
    pos = start.astype(float).copy()
    dirn = direction / np.linalg.norm(direction, axis=1, keepdims=True)
    residual = r0.copy()
    t_now = np.asarray(kinetic_mev, dtype=float).copy()
    alive = np.ones(m, dtype=bool)
    out_u, out_v, out_w, out_q = (np.zeros((n_steps, m)) for _ in range(4))
    me = el.ELECTRON_MASS_MEV
    for k in range(n_steps):
        residual = np.maximum(residual - step, 0.0)
        t_next = el.electron_energy_from_range(residual)
        mid = pos + 0.5 * step[:, None] * dirn
        inside = alive & (mid[:, 2] >= 0.0) & (mid[:, 2] <= d)
        alive &= inside
        out_u[k], out_v[k], out_w[k] = mid[:, 0], mid[:, 1], mid[:, 2]
        out_q[k] = np.where(alive, (t_now - t_next) * 1e6 / el.SI_PAIR_EV, 0.0)
        pos = pos + step[:, None] * dirn
        # Highland deflection with the energy at the end of the step
        e_tot = t_next + me
        p = np.sqrt(np.maximum(e_tot**2 - me**2, 1e-12))
        theta0 = el.highland_theta0(p, p / e_tot, step)
        theta0 = np.minimum(theta0, 1.5)
        a = np.where(np.abs(dirn[:, 0]) < 0.9, 1.0, 0.0)
        helper = np.stack([a, 1.0 - a, np.zeros(m)], axis=1)
        e1 = np.cross(dirn, helper)
        e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
        e2 = np.cross(dirn, e1)
        kx, ky = theta0 * rng.standard_normal(m), theta0 * rng.standard_normal(m)
        dirn = dirn + kx[:, None] * e1 + ky[:, None] * e2
        dirn /= np.linalg.norm(dirn, axis=1, keepdims=True)
        t_now = t_next
    idx = np.broadcast_to(np.arange(m), (n_steps, m)).ravel()
    keep = out_q.ravel() > 0
    return (
        idx[keep],
        out_u.ravel()[keep],
        out_v.ravel()[keep],
        out_w.ravel()[keep],
        out_q.ravel()[keep],
    )


# ----------------------------------------------------------------------------------------------
# Cluster populations


def _isotropic_into_sensor(rng: np.random.Generator, n: int, max_theta: float = 1.50):
    """Directions entering through the front face (cosine law), polar angle <= max_theta."""
    cos_min2 = math.cos(max_theta) ** 2
    cos_t = np.sqrt(rng.uniform(cos_min2, 1.0, n))
    sin_t = np.sqrt(1 - cos_t**2)
    phi = rng.uniform(0, 2 * math.pi, n)
    return np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)


def _hit_positions(rng: np.random.Generator, n: int, layer_idx: np.ndarray, z_cm: np.ndarray):
    """Pitches at the hit and the entry offsets within the grid-centre pixel."""
    pitch_u = np.array([LAYERS[i].pitch_u_um for i in range(len(LAYERS))])[layer_idx]
    pitch_v = np.empty(n)
    for i, layer in enumerate(LAYERS):
        sel = layer_idx == i
        pitch_v[sel] = layer.pitch_v_um(z_cm[sel])
    off_u = rng.uniform(0, 1, n) * pitch_u
    off_v = rng.uniform(0, 1, n) * pitch_v
    return pitch_u, pitch_v, off_u, off_v


def _finish(
    kind: str,
    layer_idx: np.ndarray,
    tan_u: np.ndarray,
    tan_v: np.ndarray,
    points,
    pitch_u,
    pitch_v,
    off_u,
    off_v,
    rng,
    response,
    extra=None,
) -> Clusters:
    owner, u, v, w, q = points
    n = len(layer_idx)
    grid = collect(owner, u + off_u[owner], v + off_v[owner], w, q, pitch_u, pitch_v, n, response)
    adc = digitize(grid, rng, response)
    return Clusters(
        adc=adc,
        kind=np.full(n, KINDS[kind], dtype=np.int8),
        layer=layer_idx.astype(np.int8),
        theta_u=np.arctan(tan_u),
        theta_v=np.arctan(tan_v),
        deposit_e=grid.reshape(n, -1).sum(axis=1),
        extra=extra or {},
    )


def _prompt_track_angles(
    rng: np.random.Generator,
    n: int,
    layer_idx: np.ndarray,
    cos_theta: np.ndarray,
    pt_gev: np.ndarray | None = None,
):
    """Local incidence of tracks from the IP: tan_u from the position across the flat ladder
    (12.5 mm wide) plus the r-phi bending, tan_v = cot(theta) (the hit is at z = r cot theta)."""
    radius = np.array([layer.radius_cm for layer in LAYERS])[layer_idx]
    across = rng.uniform(-0.625, 0.625, n)
    phi_rel = np.arctan2(across, radius)
    if pt_gev is not None:
        bend_r = pt_gev / (0.299792458e-2 * 1.5)
        phi_rel = phi_rel + np.arcsin(np.clip(radius / (2 * bend_r), -1, 1)) * rng.choice(
            [-1, 1], n
        )
    sin_theta = np.sqrt(1 - cos_theta**2)
    z = radius * cos_theta / sin_theta
    tan_u = np.tan(phi_rel) / 1.0
    tan_v = cos_theta / (sin_theta * np.cos(phi_rel))
    return tan_u, tan_v, z


def simulate_mips(
    n: int,
    rng: np.random.Generator,
    response: PXDResponse = DEFAULT_RESPONSE,
    prompt_fraction: float = 0.6,
) -> Clusters:
    """Minimum-ionising tracks: a fraction from the IP (pions, p log-uniform in 0.1-3 GeV,
    polar angle uniform in cos theta over 17-150 deg), the rest at any incidence angle up to
    80 deg from the normal (secondaries, beam-background muons and pions)."""
    layer_idx = rng.integers(0, len(LAYERS), n)
    p = np.exp(rng.uniform(math.log(0.1), math.log(3.0), n))
    bg = p / 0.13957
    prompt = rng.random(n) < prompt_fraction
    cos_t = rng.uniform(math.cos(math.radians(150)), math.cos(math.radians(17)), n)
    tan_u, tan_v, z = _prompt_track_angles(rng, n, layer_idx, cos_t, p * np.sqrt(1 - cos_t**2))
    iso = _isotropic_into_sensor(rng, n, math.radians(80))
    tan_u = np.where(prompt, tan_u, iso[:, 0] / iso[:, 2])
    tan_v = np.where(prompt, tan_v, iso[:, 1] / iso[:, 2])
    lo = np.array([la.z_min_cm for la in LAYERS])[layer_idx]
    hi = np.array([la.z_max_cm for la in LAYERS])[layer_idx]
    z = np.where(prompt, np.clip(z, lo, hi), rng.uniform(lo, hi))
    pu, pv, ou, ov = _hit_positions(rng, n, layer_idx, z)
    pts = straight_track_points(tan_u, tan_v, bg, rng, response)
    return _finish(
        "mip",
        layer_idx,
        tan_u,
        tan_v,
        pts,
        pu,
        pv,
        ou,
        ov,
        rng,
        response,
        {"beta_gamma": bg, "prompt": prompt},
    )


def simulate_curlers(
    n: int, rng: np.random.Generator, response: PXDResponse = DEFAULT_RESPONSE
) -> Clusters:
    """Curling low-pT beam-background e+- (pT 5-40 MeV, R = 1-9 cm in 1.5 T) that cross a
    ladder almost tangentially in r-phi: 65-87 deg from the normal, long clusters along r-phi."""
    layer_idx = rng.integers(0, len(LAYERS), n)
    p = np.exp(rng.uniform(math.log(5e-3), math.log(40e-3), n))
    bg = p / 0.000511
    theta_u = np.radians(rng.uniform(65.0, 87.0, n)) * rng.choice([-1, 1], n)
    tan_u = np.tan(theta_u)
    tan_v = np.tan(np.radians(rng.normal(0.0, 20.0, n)))
    z = rng.uniform(
        np.array([la.z_min_cm for la in LAYERS])[layer_idx],
        np.array([la.z_max_cm for la in LAYERS])[layer_idx],
    )
    pu, pv, ou, ov = _hit_positions(rng, n, layer_idx, z)
    pts = straight_track_points(tan_u, tan_v, bg, rng, response)
    return _finish(
        "curler", layer_idx, tan_u, tan_v, pts, pu, pv, ou, ov, rng, response, {"beta_gamma": bg}
    )


def simulate_electrons(
    n: int, rng: np.random.Generator, response: PXDResponse = DEFAULT_RESPONSE, inside: bool = False
) -> Clusters:
    """Low-energy electrons: entering from a face (``inside=False``: kinetic energy
    log-uniform in 30 keV-3 MeV, cosine-law directions), or Compton electrons of beam
    photons starting inside the silicon (``inside=True``: photon energy log-uniform in
    0.1-2 MeV, electron energy uniform up to the Compton edge, isotropic)."""
    layer_idx = rng.integers(0, len(LAYERS), n)
    d = response.thickness_um
    if inside:
        e_gamma = np.exp(rng.uniform(math.log(0.1), math.log(2.0), n))
        kappa = e_gamma / el.ELECTRON_MASS_MEV
        t_edge = e_gamma * 2 * kappa / (1 + 2 * kappa)
        t = rng.uniform(0.02, 1.0, n) * t_edge
        cos_t = rng.uniform(-1, 1, n)
        phi = rng.uniform(0, 2 * math.pi, n)
        s = np.sqrt(1 - cos_t**2)
        dirn = np.stack([s * np.cos(phi), s * np.sin(phi), cos_t], axis=1)
        start = np.stack([np.zeros(n), np.zeros(n), rng.uniform(0, d, n)], axis=1)
        kind = "compton"
    else:
        t = np.exp(rng.uniform(math.log(0.03), math.log(3.0), n))
        dirn = _isotropic_into_sensor(rng, n, 1.50)
        front = rng.random(n) < 0.5
        dirn[:, 2] = np.where(front, dirn[:, 2], -dirn[:, 2])
        start = np.stack([np.zeros(n), np.zeros(n), np.where(front, 0.0, d)], axis=1)
        kind = "electron"
    z = rng.uniform(
        np.array([la.z_min_cm for la in LAYERS])[layer_idx],
        np.array([la.z_max_cm for la in LAYERS])[layer_idx],
    )
    pu, pv, ou, ov = _hit_positions(rng, n, layer_idx, z)
    pts = electron_walk_points(start, dirn, t, rng, response)
    tan_u = dirn[:, 0] / np.abs(dirn[:, 2]).clip(1e-3)
    tan_v = dirn[:, 1] / np.abs(dirn[:, 2]).clip(1e-3)
    return _finish(
        kind, layer_idx, tan_u, tan_v, pts, pu, pv, ou, ov, rng, response, {"kinetic_mev": t}
    )


def simulate_noise(
    n: int, rng: np.random.Generator, response: PXDResponse = DEFAULT_RESPONSE
) -> Clusters:
    """Noise clusters: 1-3 adjacent pixels fluctuating just above threshold (noise tails,
    hot pixels, common-mode pickup), amplitudes threshold + exponential(3 ADC)."""
    layer_idx = rng.integers(0, len(LAYERS), n)
    n_pix = rng.integers(1, 4, n)
    c = _GRID // 2
    grid = np.zeros((n, _GRID, _GRID))
    steps = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]])
    pos = np.tile([c, c], (n, 1))
    for k in range(3):
        amp = (response.threshold_adc + rng.exponential(3.0, n)) * response.electrons_per_adc
        on = n_pix > k
        grid[np.arange(n)[on], pos[on, 0], pos[on, 1]] += amp[on]
        pos = pos + steps[rng.integers(0, 4, n)]
    adc = digitize(grid, rng, response)
    zeros = np.zeros(n)
    return Clusters(
        adc,
        np.full(n, KINDS["noise"], dtype=np.int8),
        layer_idx.astype(np.int8),
        zeros,
        zeros.copy(),
        grid.reshape(n, -1).sum(axis=1),
        {},
    )


#: Composition of the background (training) sample.
BACKGROUND_FRACTIONS = {
    "mip": 0.40,
    "electron": 0.15,
    "compton": 0.20,
    "curler": 0.15,
    "noise": 0.10,
}


def simulate_background(
    n: int,
    seed: int = 0,
    response: PXDResponse = DEFAULT_RESPONSE,
    fractions: dict[str, float] | None = None,
    chunk: int = 4000,
) -> Clusters:
    """A shuffled background sample of ``n`` clusters with the given composition.

    Deterministic for a seed: chunk ``c`` of kind ``k`` uses the stream (seed, k, c).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    fractions = dict(BACKGROUND_FRACTIONS if fractions is None else fractions)
    unknown = set(fractions) - set(BACKGROUND_FRACTIONS)
    if unknown:
        raise ValueError(
            f"unknown background kinds {sorted(unknown)}; known: {sorted(BACKGROUND_FRACTIONS)}"
        )
    total = sum(fractions.values())
    counts = {k: int(round(n * f / total)) for k, f in fractions.items()}
    counts[max(counts, key=counts.get)] += n - sum(counts.values())
    makers = {
        "mip": simulate_mips,
        "electron": simulate_electrons,
        "compton": lambda m, r, resp: simulate_electrons(m, r, resp, inside=True),
        "curler": simulate_curlers,
        "noise": simulate_noise,
    }
    parts = []
    for kind, count in counts.items():
        for c, start in enumerate(range(0, count, chunk)):
            rng = np.random.default_rng([seed, KINDS[kind], c])
            parts.append(makers[kind](min(chunk, count - start), rng, response))
    out = Clusters.concatenate(parts) if parts else _empty()
    order = np.random.default_rng([seed, 99]).permutation(len(out))
    return out[order]


def _empty() -> Clusters:
    z = np.zeros(0)
    return Clusters(
        np.zeros((0, MATRIX, MATRIX), np.float32), z.astype(np.int8), z.astype(np.int8), z, z, z, {}
    )
