// ECL cluster finding on batches of events (basf2-style chain):
//  1. connected regions: grown over N8 neighbours from seed digits through growth digits,
//     with every digit above the digit threshold attached (eclCRFinder);
//  2. local maxima: digits above a threshold and above all their N8 neighbours
//     (eclLocalMaximumFinder);
//  3. splitting of regions with several local maxima by iterated sharing weights
//     w_k(i) ~ E_k F_k(i), F_k(i) the fraction of shower k's lateral profile (core and tail
//     exponentials in units of R_M) falling on crystal i's face, re-centring each shower at the
//     log-weighted centroid of its shared digits until no centre moves (after eclSplitterN1);
//  4. per shower: energy (all crystals, or the 21 / 9 around the highest-energy crystal) with a
//     leakage correction, log-weighted centroid (theta, phi and the front-face point), seed time,
//     E1/E9, E9/E21, the lateral moment (Drescher et al., NIM A237 (1985) 464), the number of
//     crystals and a diagonal (E, theta, phi) covariance from the resolution model;
//  5. clusters below the minimum energy are dropped (eclFinalizer); the rest are sorted by
//     decreasing energy in each event.
// Each digit's sharing weights over the showers of its region sum to one, so the raw energies
// of all showers add up to the energy of the digits in connected regions.
#pragma once

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <vector>

#include "darkrecon/core/FlatEvents.hpp"
#include "darkrecon/ecl/ClusterFinderOptions.hpp"
#include "darkrecon/geometry/ECLGeometry.hpp"

namespace darkrecon::ecl {

/// Flat digit columns of a batch (rows grouped by event with core::EventOffsets).
struct DigitColumns {
  const std::int32_t* cell_id = nullptr;  ///< 1..n_cells
  const double* energy = nullptr;         ///< [GeV], >= 0
  const double* time = nullptr;           ///< [ns]
  std::size_t n_rows = 0;
};

/// Output columns: one row per cluster, grouped by event with `offsets`; the sharing weights
/// are one row per (cluster, digit) pair, grouped by cluster with `member_offsets`.
struct ClusterColumns {
  std::vector<std::int64_t> offsets;  ///< n_events + 1
  std::vector<double> energy, energy_raw, theta, phi, time;
  std::vector<double> x, y, z;        ///< log-weighted centroid on the front faces [cm]
  std::vector<double> e1_e9, e9_e21, lateral;
  std::vector<double> cov;            ///< 9 per cluster, row-major (E, theta, phi)
  std::vector<std::int32_t> n_crystals, seed_cell, region, n_showers_in_region, n_iterations;
  std::vector<std::int64_t> member_offsets;  ///< n_clusters + 1
  std::vector<std::int64_t> member_digit;    ///< global digit row
  std::vector<double> member_weight;

  std::size_t n_clusters() const { return energy.size(); }
};

class ClusterFinder {
 public:
  explicit ClusterFinder(const geometry::ECLGeometry& geometry);

  int n_cells() const { return n_cells_; }

  /// Cluster every event; events are split over n_threads threads (0 = all cores). The result
  /// does not depend on the thread count nor on the order of the digits inside an event.
  /// Throws std::invalid_argument on a cellID out of range, a negative or non-finite energy or a
  /// cellID repeated inside one event.
  ClusterColumns find(const DigitColumns& digits, const core::EventOffsets& offsets,
                      const ClusterFinderOptions& options, int n_threads) const;

  /// The 20 neighbours of the 5x5 minus its corners (basf2 "N21" without the centre).
  const std::vector<std::int32_t>& n20(int cell_id) const;

 private:
  struct Cell {
    Eigen::Vector3d pos;        ///< front-face centre [cm]
    double t_flight = 0.0;      ///< light travel time from the IP to the front face [ns]
    double theta_lo = 0.0, theta_hi = 0.0, phi_lo = 0.0, phi_hi = 0.0;  ///< face [rad]
    std::array<std::int32_t, 8> n8{};
    std::array<std::int32_t, 20> n20{};
    std::int32_t n_n8 = 0, n_n20 = 0;
  };
  class Worker;
  std::vector<Cell> cells_;  // index cellID - 1
  std::vector<std::vector<std::int32_t>> n20_lists_;
  int n_cells_ = 0;
};

}  // namespace darkrecon::ecl
