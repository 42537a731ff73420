"""PXD cluster simulation: readout, determinism, and MIP physics against expectations."""

import math

import numpy as np
import pytest

from darkrecon.anomaly import energy_loss as el
from darkrecon.anomaly import monopole, pxd
from darkrecon.anomaly.validation import mips_at_angle, mode

RESP = pxd.DEFAULT_RESPONSE


def test_readout_values_are_zero_suppressed_saturated_integers():
    cl = pxd.simulate_background(3000, seed=5)
    adc = cl.adc
    assert adc.shape == (3000, 9, 9) and adc.dtype == np.float32
    nz = adc[adc > 0]
    assert np.all(nz >= RESP.threshold_adc) and np.all(nz <= RESP.saturation_adc)
    assert np.array_equal(nz, np.rint(nz))
    # the seed (maximum) pixel is the centre of the matrix
    flat = adc.reshape(len(adc), -1)
    assert np.all(flat[:, 40] == flat.max(axis=1))
    assert set(np.unique(cl.kind)) == {pxd.KINDS[k] for k in pxd.BACKGROUND_FRACTIONS}


def test_background_is_deterministic_for_a_seed():
    a = pxd.simulate_background(1500, seed=3)
    b = pxd.simulate_background(1500, seed=3)
    c = pxd.simulate_background(1500, seed=4)
    assert np.array_equal(a.adc, b.adc) and np.array_equal(a.kind, b.kind)
    assert not np.array_equal(a.adc, c.adc)
    with pytest.raises(ValueError, match="unknown background kinds"):
        pxd.simulate_background(10, fractions={"pion": 1.0})


def test_mip_charge_mpv_at_normal_incidence():
    cl = mips_at_angle(0.0, 0.0, n=5000)
    mpv = mode(cl.total_adc, 2.0)
    expected = el.most_probable_loss_kev(75.0, 3.6) * 1e3 / el.SI_PAIR_EV / RESP.electrons_per_adc
    # noise and zero suppression of the neighbours shift the peak by a few ADC at most
    assert mpv == pytest.approx(expected, rel=0.1)


def test_cluster_size_grows_with_incidence_angle_like_the_projected_path():
    sizes = []
    for angle in (0.0, 30.0, 50.0, 65.0):
        cl = mips_at_angle(0.0, angle, n=1500, seed=1)
        sizes.append(cl.size.mean())
        # geometric expectation of the pixels crossed: 1 + d tan(theta) / pitch (+ sharing)
        pitch = pxd.LAYERS[0].pitch_v_fine_um
        geometric = 1 + 75.0 * math.tan(math.radians(angle)) / pitch
        assert geometric - 0.3 < sizes[-1] < geometric + 1.2
    assert np.all(np.diff(sizes) > 0)


def test_curlers_are_long_in_r_phi():
    cl = pxd.simulate_curlers(1000, np.random.default_rng(2))
    occupied = cl.adc > 0
    extent_u = occupied.any(axis=2).sum(axis=1)
    extent_v = occupied.any(axis=1).sum(axis=1)
    assert np.median(extent_u) >= 5 and np.median(extent_v) <= 2


def test_low_energy_electrons_stop_and_deposit_their_energy():
    rng = np.random.default_rng(4)
    n = 500
    start = np.tile([0.0, 0.0, 37.5], (n, 1))
    direction = np.tile([0.0, 0.0, 1.0], (n, 1))
    t = np.full(n, 0.03)  # 30 keV: CSDA range ~ 9 um, stays inside
    k, u, v, w, q = pxd.electron_walk_points(start, direction, t, rng, RESP)
    per = np.bincount(k, weights=q, minlength=n) * el.SI_PAIR_EV * 1e-6
    assert np.allclose(per, 0.03, rtol=2e-3)
    assert np.all((w >= 0) & (w <= 75.0))


def test_monopole_trajectory_is_the_constant_force_catenary():
    rng = np.random.default_rng(1)
    p4, sign = monopole.generate_pairs(200, 1.0, rng)
    mass = 1.0
    r = 2.2
    z, pz, p, e = monopole.trajectory_at_radius(p4, sign, mass, r)
    # integrate dp_z/dt = +-F (c = 1, t in cm), dx/dt = p/E for a few monopoles (midpoint rule)
    force = monopole.magnetic_force_gev_per_cm()
    dt = 4e-4
    for i in range(3):
        pos, mom = np.zeros(3), p4[i, 1:].copy()
        kick = np.array([0.0, 0.0, sign[i] * force])
        while math.hypot(pos[0], pos[1]) < r:
            half = mom + 0.5 * dt * kick
            pos = pos + dt * half / math.sqrt(mass**2 + half @ half)
            mom = mom + dt * kick
        assert pos[2] == pytest.approx(z[i], abs=1e-3)
    # the magnetic charge is pushed along +z, the antimagnetic one along -z
    straight = r * p4[:, 3] / np.hypot(p4[:, 1], p4[:, 2])
    assert np.all((z - straight)[sign > 0] > 0) and np.all((z - straight)[sign < 0] < 0)


def test_monopole_pairs_conserve_four_momentum_and_angular_shape():
    rng = np.random.default_rng(2)
    n = 20000
    p4, sign = monopole.generate_pairs(n, 4.0, rng)
    beam = monopole.Beam.preset("Y4S")
    total = p4[:n] + p4[n:]
    assert np.allclose(total, beam.four_momentum, atol=1e-9)
    assert np.allclose(p4[:, 0] ** 2 - (p4[:, 1:] ** 2).sum(1), 16.0, atol=1e-8)
    cms = np.stack(beam.to_cms(*p4[:n].T), 1)
    c = cms[:, 3] / np.linalg.norm(cms[:, 1:], axis=1)
    beta2 = 1 - (4.0 / (beam.sqrt_s / 2)) ** 2
    # <cos^2> of (2 - b2 + b2 c^2) on [-1, 1]: (2 - b2)/3 + b2/5 over (2 - b2) + b2/3
    expected = ((2 - beta2) / 3 + beta2 / 5) / ((2 - beta2) + beta2 / 3)
    assert np.mean(c**2) == pytest.approx(expected, abs=0.01)
    with pytest.raises(ValueError, match="monopole mass"):
        monopole.generate_pairs(10, 6.0, rng)


def test_monopole_clusters_saturate_with_a_delta_ray_halo():
    cl = monopole.simulate_monopoles(150, 1.0, seed=3)
    assert len(cl) == 150 and np.all(cl.kind == pxd.KINDS["monopole"])
    n_sat = (cl.adc >= RESP.saturation_adc).sum(axis=(1, 2))
    assert np.median(n_sat) >= 3
    # delta electrons make pixels off the saturated path
    assert np.median(cl.size - n_sat) >= 3
    a = monopole.simulate_monopoles(50, 4.0, seed=9)
    b = monopole.simulate_monopoles(50, 4.0, seed=9)
    assert np.array_equal(a.adc, b.adc)
