#include "darkrecon/geometry/CDCGeometry.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace darkrecon::geometry {
namespace {
constexpr double kTwoPi = 6.283185307179586;

double wrap_pi(double a) {
  a = std::fmod(a, kTwoPi);
  if (a > 0.5 * kTwoPi) a -= kTwoPi;
  if (a < -0.5 * kTwoPi) a += kTwoPi;
  return a;
}
}  // namespace

CDCGeometry::CDCGeometry(std::vector<CDCLayer> layers) : layers_(std::move(layers)) {
  if (layers_.size() < 2) throw std::invalid_argument("CDCGeometry needs at least 2 layers");
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const CDCLayer& L = layers_[i];
    if (L.n_holes <= 0 || L.n_holes % 2 != 0) {
      throw std::invalid_argument("layer " + std::to_string(i) + ": n_holes must be even and > 0");
    }
    if (!(L.radius > 0.0) || !(L.z_forward > L.z_backward)) {
      throw std::invalid_argument("layer " + std::to_string(i) +
                                  ": need radius > 0 and z_forward > z_backward");
    }
    if (i > 0 && !(L.radius > layers_[i - 1].radius)) {
      throw std::invalid_argument("layers must be ordered by increasing radius");
    }
    const double pitch = kTwoPi / L.n_cells();
    const double phi_b = pitch * L.phi_offset;
    const double phi_f = phi_b + L.n_shift * kTwoPi / L.n_holes;
    Precomputed p{};
    p.bx = L.radius * std::cos(phi_b);
    p.by = L.radius * std::sin(phi_b);
    p.dx = L.radius * std::cos(phi_f) - p.bx;
    p.dy = L.radius * std::sin(phi_f) - p.by;
    p.inv_dz = 1.0 / (L.z_forward - L.z_backward);
    p.pitch = pitch;
    p.inv_len = 1.0 / std::sqrt(p.dx * p.dx + p.dy * p.dy + (L.z_forward - L.z_backward) * (L.z_forward - L.z_backward));
    pre_.push_back(p);
    for (int w = 0; w < L.n_cells(); ++w) {
      rotation_.push_back(std::cos(pitch * w));
      rotation_.push_back(std::sin(pitch * w));
    }
    first_wire_.push_back(n_wires_);
    n_wires_ += L.n_cells();
  }
  const std::size_t n = layers_.size();
  nominal_boundary_.resize(n + 1);
  nominal_boundary_[0] = layers_[0].radius - 0.5 * (layers_[1].radius - layers_[0].radius);
  for (std::size_t i = 1; i < n; ++i) {
    nominal_boundary_[i] = 0.5 * (layers_[i - 1].radius + layers_[i].radius);
  }
  nominal_boundary_[n] = layers_[n - 1].radius + 0.5 * (layers_[n - 1].radius - layers_[n - 2].radius);
  r_min_ = nominal_boundary_[0];
  r_max_ = nominal_boundary_[n];
}

void CDCGeometry::throw_bad_layer(int layer) const {
  throw std::out_of_range("CDC layer " + std::to_string(layer) + " out of range [0, " +
                          std::to_string(n_layers()) + ")");
}

Eigen::Vector3d CDCGeometry::wire_backward(int layer, int wire) const {
  return wire_position(layer, wire, layers_[idx(layer)].z_backward);
}

Eigen::Vector3d CDCGeometry::wire_forward(int layer, int wire) const {
  return wire_position(layer, wire, layers_[idx(layer)].z_forward);
}

Eigen::Vector3d CDCGeometry::wire_direction(int layer, int wire) const {
  return (wire_forward(layer, wire) - wire_backward(layer, wire)).normalized();
}

Eigen::Vector3d CDCGeometry::wire_position(int layer, int wire, double z) const {
  const std::size_t i = idx(layer);
  const CDCLayer& L = layers_[i];
  if (wire < 0 || wire >= L.n_cells()) {
    throw std::out_of_range("CDC wire " + std::to_string(wire) + " out of range for layer " +
                            std::to_string(layer));
  }
  const Precomputed& p = pre_[i];
  const double t = (z - L.z_backward) * p.inv_dz;
  const double x0 = p.bx + t * p.dx, y0 = p.by + t * p.dy;
  const double a = p.pitch * wire;
  const double c = std::cos(a), s = std::sin(a);
  return {c * x0 - s * y0, s * x0 + c * y0, z};
}

double CDCGeometry::wire_radius(int layer, double z) const { return radius_at(idx(layer), z); }

double CDCGeometry::wire0_phi(int layer, double z) const {
  const std::size_t i = idx(layer);
  const Precomputed& p = pre_[i];
  const double t = (z - layers_[i].z_backward) * p.inv_dz;
  return std::atan2(p.by + t * p.dy, p.bx + t * p.dx);
}

double CDCGeometry::stereo_angle(int layer) const {
  const std::size_t i = idx(layer);
  const Precomputed& p = pre_[i];
  const double transverse = std::hypot(p.dx, p.dy);
  const double angle = std::atan2(transverse, layers_[i].z_forward - layers_[i].z_backward);
  return layers_[i].n_shift >= 0 ? angle : -angle;
}

double CDCGeometry::inner_boundary(int layer, double z) const {
  const std::size_t i = idx(layer);
  const double r = wire_radius(layer, z);
  if (i == 0) return r - 0.5 * (wire_radius(1, z) - r);
  return 0.5 * (wire_radius(layer - 1, z) + r);
}

double CDCGeometry::outer_boundary(int layer, double z) const {
  const std::size_t i = idx(layer);
  const double r = wire_radius(layer, z);
  if (i + 1 == layers_.size()) return r + 0.5 * (r - wire_radius(layer - 1, z));
  return 0.5 * (wire_radius(layer + 1, z) + r);
}

int CDCGeometry::layer_at(double r, double z) const {
  // Candidate from the nominal (endplate) boundaries, then corrected with the z-dependent
  // radii of stereo layers (which shrink by at most a few mm between the endplates).
  if (r < nominal_boundary_.front() - 1.0 || r > nominal_boundary_.back()) return -1;
  auto it = std::upper_bound(nominal_boundary_.begin(), nominal_boundary_.end(), r);
  int l = static_cast<int>(it - nominal_boundary_.begin()) - 1;
  l = std::clamp(l, 0, n_layers() - 1);
  for (int dl : {0, -1, 1, -2, 2}) {
    const int c = l + dl;
    if (c >= 0 && c < n_layers() && in_band(c, r, z)) return c;
  }
  return -1;
}

int CDCGeometry::nearest_wire(int layer, double phi, double z) const {
  const std::size_t i = idx(layer);
  const int n = layers_[i].n_cells();
  const double d = wrap_pi(phi - wire0_phi(layer, z));
  long w = std::lround(d / pre_[i].pitch);
  w %= n;
  if (w < 0) w += n;
  return static_cast<int>(w);
}

CDCCell CDCGeometry::cell_at(const Eigen::Vector3d& p) const {
  const int l = layer_at(std::hypot(p.x(), p.y()), p.z());
  if (l < 0) return {};
  return {l, nearest_wire(l, std::atan2(p.y(), p.x()), p.z())};
}

double CDCGeometry::cell_width(int layer) const {
  return pre_[idx(layer)].pitch * wire_radius(layer, 0.0);
}

double CDCGeometry::cell_height(int layer) const {
  return outer_boundary(layer, 0.0) - inner_boundary(layer, 0.0);
}

std::vector<CDCCell> CDCGeometry::neighbours(int layer, int wire, double z) const {
  const std::size_t i = idx(layer);
  const int n = layers_[i].n_cells();
  if (wire < 0 || wire >= n) throw std::out_of_range("CDC wire out of range");
  std::vector<CDCCell> out;
  out.push_back({layer, (wire + n - 1) % n});
  out.push_back({layer, (wire + 1) % n});
  const Eigen::Vector3d w = wire_position(layer, wire, z);
  const double phi = std::atan2(w.y(), w.x());
  for (int dl : {-1, 1}) {
    const int l2 = layer + dl;
    if (l2 < 0 || l2 >= n_layers()) continue;
    if (layers_[static_cast<std::size_t>(l2)].superlayer != layers_[i].superlayer) continue;
    const int n2 = layers_[static_cast<std::size_t>(l2)].n_cells();
    const double pitch2 = pre_[static_cast<std::size_t>(l2)].pitch;
    const double phi0 = wire0_phi(l2, z);
    const int centre = nearest_wire(l2, phi, z);
    for (int k = -1; k <= 1; ++k) {
      const int w2 = ((centre + k) % n2 + n2) % n2;
      const double dphi = std::abs(wrap_pi(phi0 + pitch2 * w2 - phi));
      if (dphi < pitch2 * (1.0 - 1e-9)) out.push_back({l2, w2});
    }
  }
  return out;
}

}  // namespace darkrecon::geometry
