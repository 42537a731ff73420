// Belle II electromagnetic calorimeter: 8736 CsI(Tl) crystals in 69 theta rings (basf2 ECL
// numbering: cellID 1..8736 in (thetaID, phiID) order), crystal positions, N8 / N24 neighbour
// maps, barrel and endcap parts and the gaps between them.
//
// Crystals are modelled as projective cells: ring thetaID covers [theta_low, theta_high]
// (boundaries half-way between ring centres, outer edges of each part from basf2 ecl/utility),
// crystal phiID covers [2 pi phiID / n_phi, 2 pi (phiID + 1) / n_phi]. The front face of a
// crystal lies on the barrel cylinder R = 125 cm or on the endcap planes z = +196 cm (forward)
// and z = -102 cm (backward); crystals are 30 cm (16.1 X0) long and point to the IP (the real
// barrel crystals are tilted by about 1.3 deg, not modelled). Units: cm, rad.
#pragma once

#include <Eigen/Core>

#include <array>
#include <vector>

namespace darkrecon::geometry {

enum class ECLPart : int { forward = 0, barrel = 1, backward = 2 };

struct ECLRing {
  int part = 0;               ///< 0 forward, 1 barrel, 2 backward
  int n_phi = 0;
  double theta_center = 0.0;  ///< [rad]
};

/// Dimensions (defaults: DESIGN.md / basf2 ecl/utility polar regions, in degrees and cm).
struct ECLGeometryOptions {
  double barrel_radius = 125.0;
  double forward_z = 196.0;
  double backward_z = -102.0;
  double crystal_length = 30.0;
  double forward_theta_min_deg = 12.4;
  double forward_theta_max_deg = 31.4;
  double barrel_theta_min_deg = 32.2;
  double barrel_theta_max_deg = 128.7;
  double backward_theta_min_deg = 130.7;
  double backward_theta_max_deg = 155.1;
};

class ECLGeometry {
 public:
  ECLGeometry(std::vector<ECLRing> rings, ECLGeometryOptions options = {});

  int n_rings() const { return static_cast<int>(rings_.size()); }
  int n_cells() const { return n_cells_; }
  const ECLGeometryOptions& options() const { return opt_; }
  const ECLRing& ring(int theta_id) const;
  int first_cell(int theta_id) const;  ///< cellID of (theta_id, 0)

  int cell_id(int theta_id, int phi_id) const;  ///< 1-based
  int theta_id(int cell_id) const;
  int phi_id(int cell_id) const;
  ECLPart part(int cell_id) const;

  double theta_low(int theta_id) const { return theta_lo_[ring_index(theta_id)]; }
  double theta_high(int theta_id) const { return theta_hi_[ring_index(theta_id)]; }
  double theta_center(int cell_id) const;
  double phi_center(int cell_id) const;
  /// Distance from the IP to the ECL front surface along polar angle theta.
  double front_distance(double theta) const;
  Eigen::Vector3d front_center(int cell_id) const;
  Eigen::Vector3d axis(int cell_id) const;  ///< unit, pointing away from the IP

  /// Ring containing theta, or -1 in a gap or outside the ECL.
  int ring_at(double theta) const;
  /// Crystal seen from the IP along (theta, phi), or 0 in a gap or outside.
  int cell_at(double theta, double phi) const;
  /// Crystal containing the point (by its direction from the IP), or 0.
  int cell_at(const Eigen::Vector3d& p) const;

  /// N8 (3x3) / N24 (5x5) neighbours of a crystal; rings with different n_phi are matched by
  /// the nearest crystal in phi. Fewer entries at the first and last rings.
  std::vector<int> neighbours(int cell_id, int half_width) const;
  const std::vector<int>& n8(int cell_id) const { return n8_[cell_index(cell_id)]; }
  const std::vector<int>& n24(int cell_id) const { return n24_[cell_index(cell_id)]; }

 private:
  std::size_t ring_index(int theta_id) const;
  std::size_t cell_index(int cell_id) const;
  std::vector<ECLRing> rings_;
  ECLGeometryOptions opt_;
  std::vector<int> first_cell_;
  std::vector<double> theta_lo_, theta_hi_;
  std::vector<int> cell_ring_;
  std::vector<std::vector<int>> n8_, n24_;
  int n_cells_ = 0;
};

}  // namespace darkrecon::geometry
