#include "darkrecon/geometry/ECLGeometry.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace darkrecon::geometry {
namespace {
constexpr double kPi = 3.141592653589793;
constexpr double kTwoPi = 2.0 * kPi;
constexpr double kDeg = kPi / 180.0;
}  // namespace

ECLGeometry::ECLGeometry(std::vector<ECLRing> rings, ECLGeometryOptions options)
    : rings_(std::move(rings)), opt_(options) {
  const std::size_t n = rings_.size();
  if (n < 3) throw std::invalid_argument("ECLGeometry needs at least 3 rings");
  const double part_lo[3] = {opt_.forward_theta_min_deg * kDeg, opt_.barrel_theta_min_deg * kDeg,
                             opt_.backward_theta_min_deg * kDeg};
  const double part_hi[3] = {opt_.forward_theta_max_deg * kDeg, opt_.barrel_theta_max_deg * kDeg,
                             opt_.backward_theta_max_deg * kDeg};
  theta_lo_.resize(n);
  theta_hi_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const ECLRing& r = rings_[i];
    if (r.part < 0 || r.part > 2 || r.n_phi <= 0) {
      throw std::invalid_argument("ECL ring " + std::to_string(i) + ": bad part or n_phi");
    }
    if (i > 0 && (r.part < rings_[i - 1].part || !(r.theta_center > rings_[i - 1].theta_center))) {
      throw std::invalid_argument("ECL rings must be ordered by theta and part");
    }
    first_cell_.push_back(n_cells_ + 1);
    for (int k = 0; k < r.n_phi; ++k) cell_ring_.push_back(static_cast<int>(i));
    n_cells_ += r.n_phi;
    const bool first_of_part = i == 0 || rings_[i - 1].part != r.part;
    const bool last_of_part = i + 1 == n || rings_[i + 1].part != r.part;
    theta_lo_[i] = first_of_part ? part_lo[r.part] : 0.5 * (rings_[i - 1].theta_center + r.theta_center);
    theta_hi_[i] = last_of_part ? part_hi[r.part] : 0.5 * (rings_[i + 1].theta_center + r.theta_center);
  }
  n8_.resize(static_cast<std::size_t>(n_cells_));
  n24_.resize(static_cast<std::size_t>(n_cells_));
  for (int c = 1; c <= n_cells_; ++c) {
    n8_[static_cast<std::size_t>(c - 1)] = neighbours(c, 1);
    n24_[static_cast<std::size_t>(c - 1)] = neighbours(c, 2);
  }
}

std::size_t ECLGeometry::ring_index(int theta_id) const {
  if (theta_id < 0 || theta_id >= n_rings()) {
    throw std::out_of_range("ECL thetaID " + std::to_string(theta_id) + " out of range");
  }
  return static_cast<std::size_t>(theta_id);
}

std::size_t ECLGeometry::cell_index(int cell_id) const {
  if (cell_id < 1 || cell_id > n_cells_) {
    throw std::out_of_range("ECL cellID " + std::to_string(cell_id) + " out of range [1, " +
                            std::to_string(n_cells_) + "]");
  }
  return static_cast<std::size_t>(cell_id - 1);
}

const ECLRing& ECLGeometry::ring(int theta_id) const { return rings_[ring_index(theta_id)]; }
int ECLGeometry::first_cell(int theta_id) const { return first_cell_[ring_index(theta_id)]; }

int ECLGeometry::cell_id(int theta_id, int phi_id) const {
  const std::size_t i = ring_index(theta_id);
  if (phi_id < 0 || phi_id >= rings_[i].n_phi) {
    throw std::out_of_range("ECL phiID " + std::to_string(phi_id) + " out of range for thetaID " +
                            std::to_string(theta_id));
  }
  return first_cell_[i] + phi_id;
}

int ECLGeometry::theta_id(int cell_id) const { return cell_ring_[cell_index(cell_id)]; }
int ECLGeometry::phi_id(int cell_id) const {
  return cell_id - first_cell_[static_cast<std::size_t>(theta_id(cell_id))];
}
ECLPart ECLGeometry::part(int cell_id) const {
  return static_cast<ECLPart>(rings_[static_cast<std::size_t>(theta_id(cell_id))].part);
}

double ECLGeometry::theta_center(int cell_id) const {
  return rings_[static_cast<std::size_t>(theta_id(cell_id))].theta_center;
}

double ECLGeometry::phi_center(int cell_id) const {
  const int t = theta_id(cell_id);
  const int n_phi = rings_[static_cast<std::size_t>(t)].n_phi;
  return kTwoPi * (phi_id(cell_id) + 0.5) / n_phi;
}

double ECLGeometry::front_distance(double theta) const {
  const double c = std::cos(theta), s = std::sin(theta);
  if (theta < opt_.barrel_theta_min_deg * kDeg - 0.4 * kDeg) return opt_.forward_z / c;
  if (theta > opt_.barrel_theta_max_deg * kDeg + 1.0 * kDeg) return opt_.backward_z / c;
  return opt_.barrel_radius / s;
}

Eigen::Vector3d ECLGeometry::axis(int cell_id) const {
  const double th = theta_center(cell_id), ph = phi_center(cell_id);
  return {std::sin(th) * std::cos(ph), std::sin(th) * std::sin(ph), std::cos(th)};
}

Eigen::Vector3d ECLGeometry::front_center(int cell_id) const {
  return front_distance(theta_center(cell_id)) * axis(cell_id);
}

int ECLGeometry::ring_at(double theta) const {
  // Binary search over ring lower edges; gaps fall between parts.
  int lo = 0, hi = n_rings() - 1;
  if (theta < theta_lo_.front() || theta >= theta_hi_.back()) return -1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (theta_lo_[static_cast<std::size_t>(mid)] <= theta) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return theta < theta_hi_[static_cast<std::size_t>(lo)] ? lo : -1;
}

int ECLGeometry::cell_at(double theta, double phi) const {
  const int t = ring_at(theta);
  if (t < 0) return 0;
  const int n_phi = rings_[static_cast<std::size_t>(t)].n_phi;
  double u = phi / kTwoPi;
  u -= std::floor(u);
  int k = static_cast<int>(u * n_phi);
  if (k >= n_phi) k = n_phi - 1;
  return first_cell_[static_cast<std::size_t>(t)] + k;
}

int ECLGeometry::cell_at(const Eigen::Vector3d& p) const {
  const double r = std::sqrt(p.x() * p.x() + p.y() * p.y());
  return cell_at(std::atan2(r, p.z()), std::atan2(p.y(), p.x()));
}

std::vector<int> ECLGeometry::neighbours(int cell_id, int half_width) const {
  const int t = theta_id(cell_id);
  const double phi = phi_center(cell_id);
  std::vector<int> out;
  for (int dt = -half_width; dt <= half_width; ++dt) {
    const int t2 = t + dt;
    if (t2 < 0 || t2 >= n_rings()) continue;
    const int n_phi = rings_[static_cast<std::size_t>(t2)].n_phi;
    const int centre = dt == 0 ? phi_id(cell_id)
                               : static_cast<int>(std::floor(phi / kTwoPi * n_phi)) % n_phi;
    for (int dp = -half_width; dp <= half_width; ++dp) {
      if (dt == 0 && dp == 0) continue;
      const int p2 = ((centre + dp) % n_phi + n_phi) % n_phi;
      const int c2 = first_cell_[static_cast<std::size_t>(t2)] + p2;
      bool seen = false;
      for (int c : out) seen = seen || c == c2;
      if (!seen) out.push_back(c2);
    }
  }
  return out;
}

}  // namespace darkrecon::geometry
