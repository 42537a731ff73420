// Belle II Central Drift Chamber: 56 layers of sense wires (axial and stereo), the cell that
// contains a point, neighbouring cells and cell sizes. Built from the per-layer table of the
// basf2 geometry description (cdc/data/CDC.xml; python/darkrecon/data/cdc_sense_layers.csv).
//
// Wire w of layer l runs in a straight line from its backward end, at azimuth
// phi_b = 2 pi (w + phi_offset) / n_cells, radius R and z_backward, to its forward end at
// phi_b + n_shift * 2 pi / n_holes, radius R and z_forward. Stereo wires (n_shift != 0) are
// therefore closer to the axis between the endplates. All wires of a layer are rotations of
// wire 0, which makes the cell search a division. Units: cm, rad.
#pragma once

#include <Eigen/Core>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace darkrecon::geometry {

/// One row of the layer table (lengths in cm).
struct CDCLayer {
  int superlayer = 0;
  double radius = 0.0;      ///< radius of the wire ends at the endplates [cm]
  double z_backward = 0.0;  ///< [cm]
  double z_forward = 0.0;   ///< [cm]
  int n_holes = 0;          ///< holes per endplate = 2 n_cells
  int n_shift = 0;          ///< hole shift backward -> forward (0 axial, + U, - V)
  double phi_offset = 0.0;  ///< in units of the cell pitch
  int n_cells() const { return n_holes / 2; }
};

struct CDCCell {
  int layer = -1;  ///< -1: the point is in no cell
  int wire = -1;
};

class CDCGeometry {
 public:
  /// Layers in order of radius (continuous layer 0..n-1).
  explicit CDCGeometry(std::vector<CDCLayer> layers);

  int n_layers() const { return static_cast<int>(layers_.size()); }
  int n_cells(int layer) const { return layers_[idx(layer)].n_cells(); }
  int n_wires() const { return n_wires_; }
  /// Global wire index of (layer, 0); (layer, wire) -> first_wire(layer) + wire.
  int first_wire(int layer) const { return first_wire_[idx(layer)]; }
  const CDCLayer& layer(int l) const { return layers_[idx(l)]; }

  /// Backward and forward end points of a wire.
  Eigen::Vector3d wire_backward(int layer, int wire) const;
  Eigen::Vector3d wire_forward(int layer, int wire) const;
  /// Unit vector from the backward to the forward end.
  Eigen::Vector3d wire_direction(int layer, int wire) const;
  /// The point of the wire at z (extrapolated linearly beyond the endplates).
  Eigen::Vector3d wire_position(int layer, int wire, double z) const;
  /// Radius of all wires of the layer at z.
  double wire_radius(int layer, double z) const;
  /// Azimuth of wire 0 of the layer at z.
  double wire0_phi(int layer, double z) const;
  /// Stereo angle (signed; 0 for axial layers) at the endplate radius.
  double stereo_angle(int layer) const;

  /// Radial band of the layer at z: [inner, outer) radius; bands tile the chamber.
  double inner_boundary(int layer, double z) const;
  double outer_boundary(int layer, double z) const;
  /// Unchecked fast paths for the simulation's inner loops (layer and wire must be valid).
  void band_bounds(int layer, double z, double& lo, double& hi) const {
    const auto i = static_cast<std::size_t>(layer);
    const double rl = radius_at(i, z);
    lo = i == 0 ? rl - 0.5 * (radius_at(1, z) - rl) : 0.5 * (radius_at(i - 1, z) + rl);
    hi = i + 1 == layers_.size() ? rl + 0.5 * (rl - radius_at(i - 1, z)) : 0.5 * (radius_at(i + 1, z) + rl);
  }
  /// Backward end point A and unit direction D of a wire.
  void wire_line(int layer, int wire, Eigen::Vector3d& A, Eigen::Vector3d& D) const {
    const auto i = static_cast<std::size_t>(layer);
    const Precomputed& p = pre_[i];
    const std::size_t k = static_cast<std::size_t>(first_wire_[i] + wire);
    const double c = rotation_[2 * k], s = rotation_[2 * k + 1];
    A = {c * p.bx - s * p.by, s * p.bx + c * p.by, layers_[i].z_backward};
    D = {(c * p.dx - s * p.dy) * p.inv_len, (s * p.dx + c * p.dy) * p.inv_len,
         (layers_[i].z_forward - layers_[i].z_backward) * p.inv_len};
  }
  /// Wire of `layer` nearest in azimuth to the point (x, y) at z.
  int nearest_wire_fast(int layer, double x, double y, double z) const {
    const auto i = static_cast<std::size_t>(layer);
    const Precomputed& p = pre_[i];
    const double t = (z - layers_[i].z_backward) * p.inv_dz;
    const double wx = p.bx + t * p.dx, wy = p.by + t * p.dy;
    // angle from wire 0 to the point: atan2(w x q, w . q)
    const double ang = std::atan2(wx * y - wy * x, wx * x + wy * y);
    const int n = layers_[i].n_cells();
    long w = std::lround(ang / p.pitch);
    if (w < 0) w += n;
    return static_cast<int>(w % n);
  }
  /// True if (r, z) is inside the band and z range of `layer` (no range check on `layer`).
  bool in_band(int layer, double r, double z) const {
    const auto i = static_cast<std::size_t>(layer);
    const CDCLayer& L = layers_[i];
    if (z < L.z_backward || z > L.z_forward) return false;
    const double rl = radius_at(i, z);
    const double lo = i == 0 ? rl - 0.5 * (radius_at(1, z) - rl) : 0.5 * (radius_at(i - 1, z) + rl);
    if (r < lo) return false;
    const double hi = i + 1 == layers_.size() ? rl + 0.5 * (rl - radius_at(i - 1, z))
                                              : 0.5 * (radius_at(i + 1, z) + rl);
    return r < hi;
  }
  /// Layer whose band contains (r, z), or -1 (outside the radial range or the layer's z range).
  int layer_at(double r, double z) const;
  /// The cell containing the point: the layer band, then the wire nearest in azimuth at z.
  CDCCell cell_at(const Eigen::Vector3d& p) const;
  /// Wire of `layer` nearest in azimuth to phi at z (no radial check).
  int nearest_wire(int layer, double phi, double z) const;

  /// Cell width (azimuthal pitch times wire radius at z = 0) and height (band thickness).
  double cell_width(int layer) const;
  double cell_height(int layer) const;
  /// Neighbours: wire +-1 in the same layer and, in the adjacent layers of the same
  /// superlayer, the wires within one cell pitch in azimuth at z (typically 2 each).
  std::vector<CDCCell> neighbours(int layer, int wire, double z = 0.0) const;

  /// Polar acceptance of the CDC (Belle II TDR: 17-150 deg).
  static constexpr double theta_min_deg = 17.0;
  static constexpr double theta_max_deg = 150.0;
  double r_min() const { return r_min_; }
  double r_max() const { return r_max_; }

 private:
  std::size_t idx(int layer) const {
    if (layer < 0 || layer >= static_cast<int>(layers_.size())) throw_bad_layer(layer);
    return static_cast<std::size_t>(layer);
  }
  [[noreturn]] void throw_bad_layer(int layer) const;
  double radius_at(std::size_t i, double z) const {
    const Precomputed& p = pre_[i];
    const double t = (z - layers_[i].z_backward) * p.inv_dz;
    const double x = p.bx + t * p.dx, y = p.by + t * p.dy;
    return std::sqrt(x * x + y * y);
  }
  struct Precomputed {
    double bx, by, dx, dy;  // wire 0: backward (x, y) and forward - backward (x, y)
    double inv_dz;
    double pitch;           // 2 pi / n_cells
    double inv_len;         // 1 / wire length
  };
  std::vector<CDCLayer> layers_;
  std::vector<Precomputed> pre_;
  std::vector<int> first_wire_;
  std::vector<double> rotation_;  // (cos, sin) of 2 pi w / n_cells per global wire
  std::vector<double> nominal_boundary_;  // n_layers + 1 boundaries from endplate radii
  int n_wires_ = 0;
  double r_min_ = 0.0, r_max_ = 0.0;
};

}  // namespace darkrecon::geometry
