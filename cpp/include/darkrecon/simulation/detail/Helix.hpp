// A helix in a uniform field along +z, parametrised by the 3D arc length s from a start point.
#pragma once

#include <Eigen/Core>

#include <cmath>

#include "darkrecon/simulation/detail/Physics.hpp"

namespace darkrecon::simulation::detail {

struct Helix {
  double x0 = 0, y0 = 0, z0 = 0;
  double phi0 = 0;    ///< azimuth of the direction at s = 0
  double cl = 1, sl = 0;  ///< cos and sin of the dip angle
  double kappa = 0;   ///< d(phi)/ds [1/cm]; < 0 for a positive charge in +z field (clockwise)

  Helix(const Eigen::Vector3d& pos, const Eigen::Vector3d& mom, double charge, double bfield) {
    const double p = mom.norm();
    x0 = pos.x();
    y0 = pos.y();
    z0 = pos.z();
    const double pt = std::sqrt(mom.x() * mom.x() + mom.y() * mom.y());
    cl = pt / p;
    sl = mom.z() / p;
    phi0 = std::atan2(mom.y(), mom.x());
    kappa = -charge * kCurvature * bfield / p;
  }

  Eigen::Vector3d position(double s) const {
    // sin(a + d) - sin(a) = 2 cos(a + d/2) sin(d/2): exact and stable for small d.
    const double d = kappa * s;
    const double f = std::abs(d) > 1e-9 ? 2.0 * std::sin(0.5 * d) / kappa : s;
    const double a = phi0 + 0.5 * d;
    return {x0 + cl * f * std::cos(a), y0 + cl * f * std::sin(a), z0 + sl * s};
  }
  Eigen::Vector3d direction(double s) const {
    const double phi = phi0 + kappa * s;
    return {cl * std::cos(phi), cl * std::sin(phi), sl};
  }
  /// Position, direction and d(direction)/ds at s with one sincos.
  void evaluate(double s, Eigen::Vector3d& pos, Eigen::Vector3d& dir, Eigen::Vector3d& curv) const {
    const double d = kappa * s;
    const double half = 0.5 * d;
    const double f = std::abs(d) > 1e-9 ? 2.0 * std::sin(half) / kappa : s;
    const double ca = std::cos(phi0 + half), sa = std::sin(phi0 + half);
    pos = {x0 + cl * f * ca, y0 + cl * f * sa, z0 + sl * s};
    const double c = std::cos(phi0 + d), sn = std::sin(phi0 + d);
    dir = {cl * c, cl * sn, sl};
    curv = {-kappa * cl * sn, kappa * cl * c, 0.0};
  }
  /// d(direction)/ds.
  Eigen::Vector3d curvature(double s) const {
    const double phi = phi0 + kappa * s;
    return {-kappa * cl * std::sin(phi), kappa * cl * std::cos(phi), 0.0};
  }
};

}  // namespace darkrecon::simulation::detail
