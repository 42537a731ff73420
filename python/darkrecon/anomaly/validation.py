"""Validation of the PXD cluster simulation: MIP charge MPV and cluster size vs angle.

Compared with: the Landau-Vavilov-Bichsel most probable loss of the PDG for 75 um of silicon
(:func:`energy_loss.most_probable_loss_kev`), and the geometric number of pixels a straight
track crosses, 1 + d tan(theta) / pitch, to which charge sharing adds a fraction of a pixel.
"""

from __future__ import annotations

import math

import numpy as np

from darkrecon.anomaly import energy_loss as el
from darkrecon.anomaly import pxd


def mips_at_angle(
    theta_u_deg: float,
    theta_v_deg: float,
    n: int = 3000,
    seed: int = 0,
    beta_gamma: float = 3.6,
    layer: int = 0,
    fine_pitch: bool = True,
    response: pxd.PXDResponse = pxd.DEFAULT_RESPONSE,
) -> pxd.Clusters:
    """``n`` MIP clusters crossing ``layer`` at fixed incidence angles (r-phi, z) [deg]."""
    rng = np.random.default_rng([seed, layer, int(theta_u_deg * 10), int(theta_v_deg * 10)])
    la = pxd.LAYERS[layer]
    tan_u = np.full(n, math.tan(math.radians(theta_u_deg)))
    tan_v = np.full(n, math.tan(math.radians(theta_v_deg)))
    pts = pxd.straight_track_points(tan_u, tan_v, np.full(n, beta_gamma), rng, response)
    pu = np.full(n, la.pitch_u_um)
    pv = np.full(n, la.pitch_v_fine_um if fine_pitch else la.pitch_v_coarse_um)
    return pxd._finish(
        "mip",
        np.full(n, layer),
        tan_u,
        tan_v,
        pts,
        pu,
        pv,
        rng.uniform(0, 1, n) * pu,
        rng.uniform(0, 1, n) * pv,
        rng,
        response,
    )


def mode(values: np.ndarray, width: float) -> float:
    """Most probable value: the maximum of a histogram of bin ``width`` smoothed over 3 bins."""
    v = np.asarray(values, dtype=float)
    edges = np.arange(v.min(), v.max() + 2 * width, width)
    hist, edges = np.histogram(v, bins=edges)
    smooth = np.convolve(hist, np.ones(3) / 3, mode="same")
    return float(0.5 * (edges[1:] + edges[:-1])[np.argmax(smooth)])


def mip_validation(
    n: int = 4000, seed: int = 0, angles: tuple[float, ...] = (0.0, 15.0, 30.0, 45.0, 60.0, 75.0)
) -> dict:
    """Charge MPV at normal incidence and cluster size vs angle for both layers."""
    resp = pxd.DEFAULT_RESPONSE
    dp = float(el.most_probable_loss_kev(75.0, 3.6))
    normal = mips_at_angle(0.0, 0.0, n, seed)
    mpv_adc = mode(normal.total_adc, 1.0)
    out = {
        "delta_p_kev": dp,
        "delta_p_electrons": dp * 1e3 / el.SI_PAIR_EV,
        "delta_p_adc": dp * 1e3 / el.SI_PAIR_EV / resp.electrons_per_adc,
        "mpv_cluster_adc": mpv_adc,
        "mpv_seed_adc": mode(normal.adc[:, 4, 4], 1.0),
        "size_rows": [],
    }
    for layer, la in enumerate(pxd.LAYERS):
        for fine in (True, False):
            pitch_v = la.pitch_v_fine_um if fine else la.pitch_v_coarse_um
            for a in angles:
                cz = mips_at_angle(0.0, a, n // 2, seed, layer=layer, fine_pitch=fine)
                cu = mips_at_angle(a, 0.0, n // 2, seed, layer=layer, fine_pitch=fine)
                out["size_rows"].append(
                    {
                        "layer": la.name,
                        "pitch_v_um": pitch_v,
                        "angle_deg": a,
                        "size_z_incl": float(cz.size.mean()),
                        "geom_z": 1 + 75.0 * math.tan(math.radians(a)) / pitch_v,
                        "size_rphi_incl": float(cu.size.mean()),
                        "geom_rphi": 1 + 75.0 * math.tan(math.radians(a)) / la.pitch_u_um,
                        "mpv_adc": mode(cz.total_adc, 2.0),
                    }
                )
    return out


def format_validation(v: dict) -> str:
    lines = [
        f"MIP (beta gamma = 3.6) in 75 um Si: PDG/Bichsel Delta_p = {v['delta_p_kev']:.2f} keV = "
        f"{v['delta_p_electrons']:.0f} e- = {v['delta_p_adc']:.1f} ADC",
        f"simulated cluster-charge MPV at normal incidence: {v['mpv_cluster_adc']:.1f} ADC; "
        f"seed-pixel MPV {v['mpv_seed_adc']:.1f} ADC",
        "",
        "| layer | z pitch [um] | angle [deg] | size, inclined in z | geometric | "
        "size, inclined in r-phi | geometric | charge MPV (z incl.) [ADC] |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in v["size_rows"]:
        lines.append(
            f"| {r['layer']} | {r['pitch_v_um']:g} | {r['angle_deg']:g} | {r['size_z_incl']:.2f} | "
            f"{r['geom_z']:.2f} | {r['size_rphi_incl']:.2f} | {r['geom_rphi']:.2f} | "
            f"{r['mpv_adc']:.0f} |"
        )
    return "\n".join(lines) + "\n"
