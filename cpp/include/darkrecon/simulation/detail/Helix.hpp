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
  double s0_ = 0, c0_ = 1;  ///< sin and cos of phi0

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
    s0_ = std::sin(phi0);
    c0_ = std::cos(phi0);
  }

  Eigen::Vector3d position(double s) const {
    const double d = kappa * s;
    if (std::abs(d) < 1e-3) {
      // (sin(phi0 + d) - sin(phi0)) / kappa by its series: no cancellation for small d
      const double f = s * (1.0 - d * d / 24.0);
      const double a = phi0 + 0.5 * d;
      return {x0 + cl * f * std::cos(a), y0 + cl * f * std::sin(a), z0 + sl * s};
    }
    const double sn = std::sin(phi0 + d), c = std::cos(phi0 + d);
    return {x0 + cl * (sn - s0_) / kappa, y0 - cl * (c - c0_) / kappa, z0 + sl * s};
  }
  Eigen::Vector3d direction(double s) const {
    const double phi = phi0 + kappa * s;
    return {cl * std::cos(phi), cl * std::sin(phi), sl};
  }
  /// Position, direction and d(direction)/ds at s with one sincos.
  void evaluate(double s, Eigen::Vector3d& pos, Eigen::Vector3d& dir, Eigen::Vector3d& curv) const {
    const double d = kappa * s;
    const double sn = std::sin(phi0 + d), c = std::cos(phi0 + d);
    if (std::abs(d) < 1e-3) {
      pos = position(s);
    } else {
      pos = {x0 + cl * (sn - s0_) / kappa, y0 - cl * (c - c0_) / kappa, z0 + sl * s};
    }
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
