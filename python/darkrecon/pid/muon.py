"""Muon identification from the KLM range and hit pattern and the ECL deposit.

For each track (helix parameters at the origin) the helix is extrapolated to the ECL front
surface and continued as a straight line through the ECL, the solenoid and the KLM (the field
outside the solenoid is ignored). The likelihood of the observed KLM response and ECL deposit
is computed under the muon and the pion hypotheses and ``mu_id = L_mu / (L_mu + L_pi)``:

* KLM hits within ``cone`` (rad, seen from the ECL entry point) of the track line belong to it;
  the observables are the outermost layer hit and the number of layers hit.
* Muon: the expected outermost layer follows from the range of a muon of the track momentum
  through the ECL (30 cm CsI), the solenoid (aluminium coil and iron cryostat) and the KLM
  iron plates (4.7 cm, plus the glass of each detector layer), thicknesses from
  ``_core.KLMGeometry``, with mean energy losses 1.05 x the minimum-ionising values (PDG
  tables: CsI 1.243, Al 1.615, Fe 1.451, glass ~1.70 MeV cm^2/g), paths scaled by the
  incidence angle; the outermost layer scatters around
  it by range straggling (Gaussian, sigma = 0.7 + 0.05 L layers), and each crossed layer fires with
  the KLM efficiency (binomial); its hits lie on a straight line within the strip resolution
  and the multiple scattering in the iron (chi2 of a line fit).
* Pion: survives the ECL and the coil without a nuclear interaction with probability
  exp(-x/lambda_I) (lambda_I: CsI 39.3 cm, Al 39.7 cm, Fe 16.77 cm; PDG), then interacts in each
  plate with probability 1 - exp(-x_plate/lambda_Fe) and leaves hits in up to a few layers
  beyond (Poisson(0.5 + 1.5 T/GeV), at most 3); a pion that never interacts ranges out like a
  muon.
* ECL deposit (matched cluster energy): a muon deposits the minimum-ionising energy loss (mean
  1.1 x 5.6 MeV/cm x path, sigma 15% + 10 MeV); a pion does the same if it does not interact in
  the crystals, else a fraction of its energy (flat in [0, E]).

The KLM geometry (layer positions, plate thickness, the barrel/endcap split) comes from
``_core.KLMGeometry`` (Belle II TDR numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from darkrecon import _core
from darkrecon.ecl.matching import extrapolate_to_ecl

__all__ = ["MuonID", "klm_track_features", "muon_id"]

M_MU, M_PI = 0.1056583755, 0.13957039  # GeV (PDG)
# Minimum-ionising stopping powers (PDG "Atomic and nuclear properties") x density [GeV/cm] and
# nuclear interaction lengths [cm].
DEDX = {"CsI": 1.243e-3 * 4.51, "Al": 1.615e-3 * 2.699, "Fe": 1.451e-3 * 7.874,
        "glass": 1.699e-3 * 2.5}
LAMBDA_I = {"CsI": 39.3, "Al": 39.7, "Fe": 16.77}
DEDX_SCALE = 1.05  # mean loss above the minimum at 1-3 GeV
ECL_DEPTH = 30.0  # cm
BARREL, FORWARD, BACKWARD = 0, 1, 2
N_MAX_LAYERS = 16

_erf = np.vectorize(math.erf, otypes=[np.float64])
_comb = np.vectorize(lambda a, b: float(math.comb(int(a), int(b))), otypes=[np.float64])


def _observed(pmf: np.ndarray, eff: float) -> np.ndarray:
    """Outermost layer *seen* when the track reaches layer r: layer j <= r is the outermost hit
    with probability eff (1 - eff)^(r - j) (the layers beyond j failed)."""
    out = np.zeros_like(pmf)
    for r in range(pmf.shape[1]):
        j = np.arange(r + 1)
        out[:, : r + 1] += pmf[:, r : r + 1] * (eff * (1 - eff) ** (r - j))[None, :]
    return out


def _range_pmf(centre: np.ndarray, sigma: np.ndarray, last: np.ndarray) -> np.ndarray:
    """(n, N_MAX_LAYERS) probabilities of the outermost layer: a Gaussian of the range around
    ``centre`` binned in layers, the mass below layer 0 put on layer 0 and the mass beyond the
    last layer on the last layer (the muon leaves the KLM)."""
    j = np.arange(N_MAX_LAYERS)[None, :]
    c, s, last_ = centre[:, None], sigma[:, None], last[:, None]
    cdf_hi = 0.5 * (1 + _erf((j + 0.5 - c) / (s * np.sqrt(2))))
    cdf_lo = 0.5 * (1 + _erf((j - 0.5 - c) / (s * np.sqrt(2))))
    pmf = cdf_hi - cdf_lo
    pmf[:, 0] = cdf_hi[:, 0]
    pmf = np.where(j == last_, 1 - cdf_lo, pmf)
    return np.where(j <= last_, pmf, 0.0)


def _klm_layout():
    klm = _core.KLMGeometry()
    return {s: klm.layer_positions(s) for s in (BARREL, FORWARD, BACKWARD)}, klm.iron_thickness


def _solenoid():
    """(aluminium, iron, glass per detector layer) thicknesses [cm] of the KLM model."""
    klm = _core.KLMGeometry()
    return klm.coil_aluminium, klm.cryostat_iron, klm.detector_glass


@dataclass(frozen=True)
class MuonID:
    """Per-track muon identification.

    Attributes
    ----------
    mu_id : L_mu / (L_mu + L_pi) in [0, 1].
    log_lr : ln(L_mu / L_pi).
    outermost_layer : outermost KLM layer hit by the track (-1 none).
    n_layers : number of distinct KLM layers hit.
    expected_layer : outermost layer a muon of this momentum should reach (-1: stops before).
    section : KLM section crossed (0 barrel, 1 forward, 2 backward; -1 none).
    """

    mu_id: np.ndarray
    log_lr: np.ndarray
    outermost_layer: np.ndarray
    n_layers: np.ndarray
    expected_layer: np.ndarray
    section: np.ndarray


def _track_lines(params: np.ndarray):
    x = extrapolate_to_ecl(params)
    return x["position"], x["direction"], x["region"]


def _klm_section_and_cos(pos: np.ndarray, d: np.ndarray, layout) -> tuple[np.ndarray, np.ndarray]:
    """KLM section reached by the straight line from the ECL entry point, and the cosine of the
    incidence angle on its layers."""
    klm = _core.KLMGeometry()
    z_min, z_max = klm.barrel_z_range
    r0 = layout[BARREL][0]
    # Barrel: intersection with the cylinder r = r0.
    a = d[:, 0] ** 2 + d[:, 1] ** 2
    b = 2 * (pos[:, 0] * d[:, 0] + pos[:, 1] * d[:, 1])
    c = pos[:, 0] ** 2 + pos[:, 1] ** 2 - r0**2
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (-b + np.sqrt(np.maximum(b * b - 4 * a * c, 0))) / (2 * a)
        z_at = pos[:, 2] + t * d[:, 2]
        barrel = (a > 1e-12) & (z_at > z_min) & (z_at < z_max)
        rt = np.hypot(pos[:, 0], pos[:, 1])
        cos_radial = np.abs(pos[:, 0] * d[:, 0] + pos[:, 1] * d[:, 1]) / np.maximum(rt, 1e-9)
    section = np.where(barrel, BARREL, np.where(d[:, 2] > 0, FORWARD, BACKWARD))
    cos_inc = np.where(barrel, cos_radial, np.abs(d[:, 2]))
    return section, np.clip(cos_inc, 0.05, 1.0)


def _layers_in_acceptance(pos: np.ndarray, d: np.ndarray, section: np.ndarray, layout) -> np.ndarray:
    """Number of KLM layers the straight track line crosses before leaving its section (a
    barrel track at a shallow angle leaves through the end of the barrel)."""
    klm = _core.KLMGeometry()
    z_min, z_max = klm.barrel_z_range
    out = np.zeros(section.shape[0], dtype=np.int64)
    rb = layout[BARREL]
    a = d[:, 0] ** 2 + d[:, 1] ** 2
    b = 2 * (pos[:, 0] * d[:, 0] + pos[:, 1] * d[:, 1])
    c0 = pos[:, 0] ** 2 + pos[:, 1] ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        for r in rb:
            t = (-b + np.sqrt(np.maximum(b * b - 4 * a * (c0 - r * r), 0))) / (2 * a)
            z = pos[:, 2] + t * d[:, 2]
            out += (section == BARREL) & (z > z_min) & (z < z_max)
        for sec, sign in ((FORWARD, 1.0), (BACKWARD, -1.0)):
            for zl in layout[sec]:
                t = (sign * zl - pos[:, 2]) / d[:, 2]
                r = np.hypot(pos[:, 0] + t * d[:, 0], pos[:, 1] + t * d[:, 1])
                out += (section == sec) & (t > 0) & (r < 330.0)
    return np.maximum(out, 1)


def _ecl_path(region: np.ndarray, pos: np.ndarray, d: np.ndarray) -> np.ndarray:
    rt = np.hypot(pos[:, 0], pos[:, 1])
    cos_b = np.abs(pos[:, 0] * d[:, 0] + pos[:, 1] * d[:, 1]) / np.maximum(rt, 1e-9)
    cos_e = np.abs(d[:, 2])
    cos = np.where(region == 1, cos_b, cos_e)
    return ECL_DEPTH / np.clip(cos, 0.2, 1.0)


def klm_track_features(params, track_offsets, klm_hits: dict, klm_offsets, *, cone: float = 0.25):
    """Outermost KLM layer, number of layers hit, and the straightness chi2 (in cm^2, to be
    divided by the hit variance) and its degrees of freedom, of each track's KLM hits.

    ``klm_hits`` holds flat ``section, layer, phi, z, r`` columns (as ``sim.flat("klm")[0]``),
    grouped by event with ``klm_offsets``; ``params`` are (n_tracks, 5) helix parameters grouped
    by ``track_offsets``.
    """
    params = np.asarray(params, dtype=np.float64).reshape(-1, 5)
    t_off = np.asarray(track_offsets, dtype=np.int64)
    k_off = np.asarray(klm_offsets, dtype=np.int64)
    if t_off.shape != k_off.shape:
        raise ValueError(f"track_offsets has {t_off.shape[0] - 1} events but klm_offsets has "
                         f"{k_off.shape[0] - 1}")
    n_t = params.shape[0]
    pos, d, region = _track_lines(params)
    # the KLM section the track line enters: hits of other sections (beam background) are not
    # its own
    good = region >= 0
    track_section, _ = _klm_section_and_cos(np.where(good[:, None], pos, 0.0),
                                            np.where(good[:, None], d, np.array([1.0, 0.0, 0.0])),
                                            _klm_layout()[0])
    outer = np.full(n_t, -1, dtype=np.int64)
    n_layers = np.zeros(n_t, dtype=np.int64)
    if n_t == 0 or k_off[-1] == 0:
        return outer, n_layers, np.zeros(n_t), np.zeros(n_t, dtype=np.int64)
    t_counts, k_counts = np.diff(t_off), np.diff(k_off)
    # All (track, hit) pairs of the same event.
    ev_of_track = np.repeat(np.arange(t_counts.shape[0]), t_counts)
    n_pairs_per_track = k_counts[ev_of_track]
    ti = np.repeat(np.arange(n_t), n_pairs_per_track)
    first = np.repeat(k_off[:-1][ev_of_track], n_pairs_per_track)
    within = np.arange(ti.shape[0]) - np.repeat(np.cumsum(n_pairs_per_track) - n_pairs_per_track,
                                                 n_pairs_per_track)
    hi = first + within
    r = np.asarray(klm_hits["r"], dtype=np.float64)[hi]
    phi = np.asarray(klm_hits["phi"], dtype=np.float64)[hi]
    z = np.asarray(klm_hits["z"], dtype=np.float64)[hi]
    h = np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)
    v = h - pos[ti]
    with np.errstate(invalid="ignore"):
        cosang = (v * d[ti]).sum(1) / np.linalg.norm(v, axis=1)
    layer = np.asarray(klm_hits["layer"], dtype=np.int64)[hi]
    section = np.asarray(klm_hits["section"], dtype=np.int64)[hi]
    ok = (region[ti] >= 0) & (cosang > np.cos(cone)) & (section == track_section[ti])
    np.maximum.at(outer, ti[ok], layer[ok])
    key = np.unique(ti[ok] * 64 + section[ok] * 20 + layer[ok])
    n_layers += np.bincount(key // 64, minlength=n_t)
    # Straightness: residuals of the hits transverse to the track line, fitted by a straight
    # line in the depth t along the track (intercept and slope absorb the displacement and the
    # deflection from the ECL and the coil); chi2 with 2 (n - 2) degrees of freedom.
    tt = (v * d[ti]).sum(1)[ok]
    e = (v[ok] - tt[:, None] * d[ti][ok])
    tk = ti[ok]

    def tsum(w):
        return np.bincount(tk, weights=w, minlength=n_t)

    s0, s1, s2 = tsum(np.ones_like(tt)), tsum(tt), tsum(tt * tt)
    det = s0 * s2 - s1 * s1
    chi2 = np.zeros(n_t)
    for comp in range(3):
        se, ste, see = tsum(e[:, comp]), tsum(tt * e[:, comp]), tsum(e[:, comp] ** 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            fitted = np.where(det > 1e-9, (s2 * se * se - 2 * s1 * se * ste + s0 * ste * ste) / det, see)
        chi2 += np.maximum(see - fitted, 0.0)
    ndf = np.maximum(2 * (s0.astype(np.int64) - 2), 0)
    return outer, n_layers, chi2, ndf


def muon_id(
    params,
    track_offsets,
    klm_hits: dict,
    klm_offsets,
    ecl_energy=None,
    *,
    cone: float = 0.25,
    klm_efficiency: float = 0.95,
    hit_resolution: float = 1.2,
    floor_mu: float = 1e-6,
    range_sigma0: float = 0.7,
    range_sigma1: float = 0.05,
    floor_pi: float = 1e-4,
) -> MuonID:
    """Muon identification likelihood ratio of each track (see the module docs).

    Parameters
    ----------
    params, track_offsets : (n, 5) helix parameters at the origin and their event offsets.
    klm_hits, klm_offsets : flat KLM hit columns (``section, layer, phi, z, r``) and offsets.
    ecl_energy : (n,) energy of the matched ECL cluster [GeV] (0 for none); None to leave the
        ECL out of the likelihood.
    klm_efficiency : per-layer efficiency (0.95), hit_resolution : KLM hit resolution [cm]
        (1.2 = 4 cm strips / sqrt 12).
    """
    params = np.asarray(params, dtype=np.float64).reshape(-1, 5)
    n = params.shape[0]
    layout, plate = _klm_layout()
    outer, n_layers, chi2_sum, ndf = klm_track_features(params, track_offsets, klm_hits, klm_offsets,
                                                        cone=cone)
    pos, d, region = _track_lines(params)
    omega, tl = params[:, 2], params[:, 4]
    pt = np.abs(0.299792458e-2 * 1.5 / np.where(omega == 0, 1e-12, omega))
    p = pt * np.sqrt(1 + tl**2)
    good = region >= 0
    pos = np.where(good[:, None], pos, 0.0)
    d = np.where(good[:, None], d, np.array([1.0, 0.0, 0.0]))
    section, cos_inc = _klm_section_and_cos(pos, d, layout)
    # Layers inside the section's acceptance along the straight line; a hit further out proves
    # the track got there (the line is an approximation near the edges of the barrel).
    n_lay = np.maximum(_layers_in_acceptance(pos, d, section, layout), outer + 1)

    x_ecl = _ecl_path(region, pos, d)
    coil_al, coil_fe, glass = _solenoid()
    x_coil, x_cryo = coil_al / cos_inc, coil_fe / cos_inc
    x_plate = plate / cos_inc
    loss_pre = DEDX_SCALE * (DEDX["CsI"] * x_ecl + DEDX["Al"] * x_coil + DEDX["Fe"] * x_cryo)
    loss_plate = DEDX_SCALE * (DEDX["Fe"] * x_plate + DEDX["glass"] * glass / cos_inc)
    t_mu = np.sqrt(p**2 + M_MU**2) - M_MU
    reach = (t_mu - loss_pre) / loss_plate  # plates a muon can cross after reaching layer 0
    expected = np.where(t_mu > loss_pre, np.minimum(np.floor(reach), n_lay - 1), -1).astype(np.int64)

    # --- muon hypothesis: KLM ---
    # Centred on the unclamped reach (a muon that could cross 20 plates is surer to leave the
    # last layer than one that could cross 15); straggling 0.7 + 0.05 per plate.
    sig = range_sigma0 + range_sigma1 * np.maximum(reach, 0)
    pmf_mu = _observed(_range_pmf(np.floor(np.maximum(reach, 0)), sig, n_lay - 1), klm_efficiency)
    idx = np.clip(outer, 0, N_MAX_LAYERS - 1)
    rows = np.arange(n)
    # No hits: the muon stops before the KLM, or every crossed layer was inefficient.
    p_none_mu = np.where(expected < 0, 1.0, (1 - klm_efficiency) ** (np.maximum(expected, 0) + 1))
    p_outer_mu = np.where(outer < 0, p_none_mu, np.where(expected < 0, 1e-3, pmf_mu[rows, idx]))
    # Layers hit out of those crossed (binomial).
    crossed = np.maximum(outer + 1, 1)
    k = np.minimum(n_layers, crossed)
    binom = _comb(crossed, k)
    p_hits_mu = np.where(outer >= 0, binom * klm_efficiency**k * (1 - klm_efficiency) ** (crossed - k), 1.0)

    # --- pion hypothesis: KLM ---
    s0 = np.exp(-x_ecl / LAMBDA_I["CsI"] - x_coil / LAMBDA_I["Al"] - x_cryo / LAMBDA_I["Fe"])
    s = np.exp(-x_plate / LAMBDA_I["Fe"])
    # Interaction in the plate after layer j (j = 0..) -> outermost layer j + extra: the hadronic
    # shower reaches a few more gaps, extra ~ Poisson(0.5 + 1.5 T/GeV) capped at 3 (T: kinetic
    # energy entering the KLM), as parametrised in the fast simulation.
    t_klm = np.maximum(np.sqrt(p**2 + M_PI**2) - M_PI - loss_pre, 0.0)
    lam = 0.5 + 1.5 * t_klm
    pois = np.stack([np.exp(-lam) * lam**e_i / math.factorial(e_i) for e_i in range(3)], axis=1)
    extra_w = np.concatenate([pois, 1 - pois.sum(1, keepdims=True)], axis=1)
    pmf_pi = np.zeros((n, N_MAX_LAYERS))
    # Pions that do not interact range out like muons (slightly earlier; same model).
    t_pi = np.sqrt(p**2 + M_PI**2) - M_PI
    reach_pi = (t_pi - loss_pre) / loss_plate
    expected_pi = np.where(t_pi > loss_pre, np.minimum(np.floor(reach_pi), n_lay - 1), -1)
    for j in range(N_MAX_LAYERS - 1):
        alive = (j < np.maximum(expected_pi, 0))
        pj = s0 * s**j * (1 - s) * alive
        for e_i in range(4):
            col = np.minimum(j + e_i, n_lay - 1)
            np.add.at(pmf_pi, (rows, np.clip(col, 0, N_MAX_LAYERS - 1)), pj * extra_w[:, e_i])
    survive_all = s0 * s ** np.maximum(expected_pi, 0)
    pmf_pi += (survive_all * (expected_pi >= 0))[:, None] * _range_pmf(
        np.floor(np.maximum(reach_pi, 0)), sig, n_lay - 1)
    pmf_pi = _observed(pmf_pi, klm_efficiency)
    p_none_pi = np.clip(1 - pmf_pi.sum(1), 1e-6, 1.0)
    p_outer_pi = np.where(outer < 0, p_none_pi, pmf_pi[rows, idx])
    # Hadronic showers fire layers less regularly: binomial with efficiency 0.8.
    e_pi = 0.8
    p_hits_pi = np.where(outer >= 0, binom * e_pi**k * (1 - e_pi) ** (crossed - k), 1.0)

    # Straightness of the hits: muon hits lie on a line within the strip resolution and the
    # multiple scattering in the iron (sigma^2 = hit_resolution^2 + (1 cm GeV / p_KLM)^2); the
    # hits of an interacting pion's shower scatter by several cm. p-value of chi2 under the muon
    # hypothesis (Wilson-Hilferty); pions that interacted make p ~ 0 (modelled as an exponential
    # of scale 0.01), those that did not are muon-like (flat).
    p_klm = np.maximum(p - loss_pre, 0.2)
    var = hit_resolution**2 + (1.0 / p_klm) ** 2
    kdf = np.maximum(ndf, 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        zwh = ((chi2_sum / var / kdf) ** (1 / 3) - (1 - 2 / (9 * kdf))) / np.sqrt(2 / (9 * kdf))
    p_value = np.where(ndf > 0, 0.5 * (1 - _erf(zwh / np.sqrt(2))), 1.0)
    f_int = np.clip(1 - survive_all / np.maximum(s0, 1e-12), 0.0, 1.0)
    eps = 0.01
    straight_pi = np.where(ndf > 0, f_int * np.exp(-p_value / eps) / eps + (1 - f_int), 1.0)

    # Floors: a muon far from its range (dead regions, mis-association) is rarer than a pion
    # doing anything (decays in flight, punch-through).
    like_mu = np.maximum(p_outer_mu * p_hits_mu, floor_mu)
    like_pi = np.maximum(p_outer_pi * p_hits_pi * straight_pi, floor_pi)

    # --- ECL deposit ---
    if ecl_energy is not None:
        e = np.asarray(ecl_energy, dtype=np.float64)
        if e.shape != (n,):
            raise ValueError(f"ecl_energy must have shape ({n},), got {e.shape}")
        mip = DEDX_SCALE * DEDX["CsI"] * x_ecl
        sig_e = 0.15 * mip + 0.01
        g_mip = np.exp(-0.5 * ((e - mip) / sig_e) ** 2) / (np.sqrt(2 * np.pi) * sig_e)
        e_tot = np.sqrt(p**2 + M_PI**2)
        flat = (e >= 0) & (e <= e_tot)
        s_ecl = np.exp(-x_ecl / LAMBDA_I["CsI"])
        f_mu = 0.97 * g_mip + 0.03 * flat / e_tot
        f_pi = s_ecl * g_mip + (1 - s_ecl) * flat / e_tot
        like_mu = like_mu * np.maximum(f_mu, 1e-3)
        like_pi = like_pi * np.maximum(f_pi, 1e-3)

    log_lr = np.log(like_mu) - np.log(like_pi)
    mu = 1.0 / (1.0 + np.exp(-np.clip(log_lr, -700, 700)))
    mu = np.where(good, mu, 0.5)
    log_lr = np.where(good, log_lr, 0.0)
    return MuonID(mu_id=mu, log_lr=log_lr, outermost_layer=outer, n_layers=n_layers,
                  expected_layer=np.where(good, expected, -1),
                  section=np.where(good, section, -1))
