// Options of the ECL cluster finder. Defaults follow Belle II's basf2 ECL reconstruction
// (ecl/modules: eclCRFinder, eclLocalMaximumFinder, eclSplitterN1, eclFinalizer; numbers in
// shared/reference/belle2_numbers.md). Energies in GeV, lengths in cm, times in ns.
#pragma once

namespace darkrecon::ecl {

/// How the cluster energy is summed.
enum class EnergySum : int {
  all = 0,  ///< every digit of the shower, times its sharing weight
  n21 = 1,  ///< the 21 crystals (5x5 minus corners) around the highest-energy crystal
  n9 = 2,   ///< the 3x3 around the highest-energy crystal
};

struct ClusterFinderOptions {
  // Connected-region finder (eclCRFinder, low-background values).
  double seed_threshold = 0.010;    ///< a region starts at a digit above this
  double growth_threshold = 0.0015; ///< digits above this extend the region to their N8
  double digit_threshold = 0.0005;  ///< digits above this are attached; the rest are ignored
  double max_abs_time = -1.0;       ///< |t - t_flight| cut [ns] on digits; <= 0 disables it
  /// Digit timing cut |t - t_flight| / sigma_t(E) < max_time_pull (basf2: 5), sigma_t = a (+) b / E,
  /// t_flight = the light travel time from the IP to the crystal's front face (digit times are
  /// counted from the collision); the defaults follow the fast simulation (1 ns at high energy,
  /// 100 ns at 1 MeV). <= 0 disables.
  double max_time_pull = 5.0;
  double time_sigma_a = 1.0;        ///< [ns]
  double time_sigma_b = 0.1;        ///< [ns GeV]

  // Local maxima (eclLocalMaximumFinder): above this and above every N8 neighbour.
  double local_max_threshold = 0.010;

  // Splitting (after basf2 eclSplitterN1): a digit's share of shower k is
  // w_k(i) = E_k F_k(i) / sum_j E_j F_j(i), F_k(i) the expected fraction of shower k's energy in
  // crystal i: the lateral profile of the fast simulation integrated over the crystal's
  // (theta, phi) face (3x3 Gauss-Legendre points). The profile is a core and a tail exponential
  // in the distance r from the shower axis, density f/(2 pi a^2) e^(-r/a) + (1-f)/(2 pi b^2)
  // e^(-r/b), after Grindhammer & Peters (hep-ex/0001020), in units of the Moliere radius, seen
  // from the IP at the front distance plus the mean shower depth X0 (t_max + 2), t_max =
  // ln(E/E_c) + 0.5 (PDG eq. 34.36 with b = 0.5). After each update of the weights every shower
  // moves to the log-weighted centroid of its shared digits (as eclSplitterN1), until no shower
  // moves by more than shift_tolerance.
  /// CsI(Tl) Moliere radius [cm]: PDG "Atomic and nuclear properties" (cesium iodide), the value
  /// the fast simulation deposits with (the PDG scintillator table rounds it to 3.57 cm).
  double moliere_radius = 3.531;
  double profile_core_fraction = 0.87;  ///< f (fast simulation: 88% within 1 R_M, 99% within 3.5)
  double profile_core_scale = 0.20;     ///< a [R_M]
  double profile_tail_scale = 0.80;     ///< b [R_M]
  double radiation_length = 1.86;       ///< CsI X0 [cm] (PDG)
  double critical_energy = 0.01117;     ///< CsI E_c [GeV] (PDG, e-)
  int max_iterations = 100;
  double shift_tolerance = 0.05;    ///< stop when no shower centre moves more than this [cm]
  double min_weight = 1e-3;         ///< smaller shares are dropped and the rest renormalised

  // Overlapping showers without two local maxima (two photons hitting neighbouring crystals):
  // a region with one local maximum whose energy-weighted RMS width along its major axis (on
  // the front faces) exceeds two_shower_rms is split in two, the splitter started at the
  // centroid +- the RMS along that axis; the split is kept if both showers carry at least
  // two_shower_min_energy and end up more than two_shower_min_separation apart. A single photon
  // shares its energy between at most two crystals (RMS <= half a crystal, ~2.7 cm, plus halo);
  // two photons 10 cm apart give an RMS of ~5 cm. two_shower_rms <= 0 disables it.
  double two_shower_rms = 3.8;            ///< [cm]
  double two_shower_min_energy = 0.020;   ///< [GeV]
  double two_shower_min_separation = 5.0; ///< [cm]
  double two_shower_region_energy = 0.1;  ///< only regions above this energy [GeV]

  // Position: log-weighted centroid, W_i = max(0, w0 + ln(E_i / E)) (Awes et al. 1992).
  double log_weight_w0 = 4.2;

  EnergySum energy_sum = EnergySum::all;

  /// Leakage correction E = E_raw / f, f = c0 + c1 ln E_raw + c2 ln^2 E_raw (E_raw in GeV),
  /// clipped to [0.5, 1.2]. Defaults: identity (set by the Python layer from its calibration).
  double leakage_c0 = 1.0;
  double leakage_c1 = 0.0;
  double leakage_c2 = 0.0;

  /// Clusters are kept above this corrected energy (eclFinalizer).
  double min_cluster_energy = 0.020;

  // Resolution model for the per-cluster covariance (TDR-style; belle2_numbers.md):
  // sigma_E / E = a / E (+) b / E^(1/4) (+) c; angle sigma = s_a / sqrt(E) (+) s_c [rad].
  double sigma_e_a = 0.002;
  double sigma_e_b = 0.016;
  double sigma_e_c = 0.012;
  double sigma_angle_a = 0.004;
  double sigma_angle_c = 0.0;
};

}  // namespace darkrecon::ecl
