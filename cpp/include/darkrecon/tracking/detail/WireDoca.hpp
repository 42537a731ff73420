// Distance of closest approach (DOCA) between a helix and a straight wire.
//
// The wire is the line w0 + t u (|u| = 1). The squared distance of the helix point h(s) to the
// line, f(s) = |P (h(s) - w0)|^2 with P = 1 - u u^T, is minimised over the transverse arc length s
// by Newton's method (falling back to the always-descending Gauss-Newton step where f'' <= 0).
// The signed DOCA is D = n . (h(s*) - w0), n = (u x t) / |u x t| with t the helix tangent at s*:
// at the minimum h - w(t*) is perpendicular to both u and t, hence parallel to n, and |D| is the
// distance. Its derivative with respect to any helix parameter p is, by the envelope theorem,
// dD/dp = n . dh/dp at fixed s* (the s- and t-derivatives of the distance vanish there).
#pragma once

#include <Eigen/Geometry>

#include "darkrecon/tracking/Helix.hpp"

#include <cmath>

namespace darkrecon::tracking::detail {

struct Wire {
  Vector3 point;      // any point on the wire [cm]
  Vector3 direction;  // unit vector along the wire
};

struct DocaResult {
  double doca = 0.0;            // signed distance [cm], sign = side along n = u x t
  double s = 0.0;               // transverse arc length of the closest helix point [cm]
  Vector3 position;             // that helix point
  Vector3 normal;               // n, unit
  Vector3 dpos_domega;          // dh/domega at fixed s (for the Jacobian without more trig)
  bool ok = false;              // Newton converged and u is not parallel to the tangent
};

/// A starting arc length: the circle's closest point to the wire at the helix z, refined once
/// (the wire's xy position moves with z for stereo wires).
inline double doca_start(const Helix& h, const Wire& w) {
  double s = h.arc_length_to(w.point.x(), w.point.y());
  const double uz = w.direction.z();
  if (std::abs(uz) > 0.1) {
    for (int k = 0; k < 2; ++k) {
      const double z = h.z0 + h.tan_lambda * s;
      const double t = (z - w.point.z()) / uz;
      s = h.arc_length_to(w.point.x() + t * w.direction.x(), w.point.y() + t * w.direction.y());
    }
  }
  return s;
}

/// Newton iteration for the closest approach, from the arc length s_start.
/// The iteration stops when the Newton step is below `tolerance` cm. Once a step is below
/// `taylor_step` cm the point and tangent are moved along the helix to second order instead of
/// being re-evaluated (the next Newton step would be O(step^2 * curvature), and the distance is
/// stationary in s), which saves the trigonometry of a last iteration.
/// `c0`, `s0` are cos(phi0), sin(phi0) of the helix (computed once per helix by the caller).
inline DocaResult doca(const Helix& h, double c0, double s0, const Wire& w, double s_start,
                       int max_iterations = 12, double tolerance = 1e-9, double taylor_step = 1e-4) {
  DocaResult r;
  const Vector3& u = w.direction;
  double s = s_start;
  const double tl = h.tan_lambda, om = h.omega;
  Vector3 pos = Vector3::Zero(), tan = Vector3::Zero();  // set by the first iteration (max_iterations >= 1)
  bool converged = false;
  for (int it = 0; it < max_iterations; ++it) {
    const detail::ChiFunctions f(om * s);
    pos = Vector3(h.d0 * s0 + s * (c0 * f.a + s0 * f.b), -h.d0 * c0 + s * (s0 * f.a - c0 * f.b),
                  h.z0 + tl * s);
    // phi(s) = phi0 - chi: cos/sin by the angle difference formula (no extra trig call).
    const double cphi = c0 * f.cos_chi + s0 * f.sin_chi;
    const double sphi = s0 * f.cos_chi - c0 * f.sin_chi;
    tan = Vector3(cphi, sphi, tl);
    const double s2 = s * s;
    r.dpos_domega = Vector3(s2 * (c0 * f.da + s0 * f.db), s2 * (s0 * f.da - c0 * f.db), 0.0);
    const Vector3 delta = pos - w.point;
    const Vector3 pdelta = delta - u * u.dot(delta);
    const double ut = u.dot(tan);
    const double g = pdelta.dot(tan);
    const double gn = tan.squaredNorm() - ut * ut;  // Gauss-Newton curvature, >= 0
    if (!(gn > 1e-300)) break;
    const Vector3 tan2(om * sphi, -om * cphi, 0.0);  // d tan / ds
    double gpp = gn + pdelta.dot(tan2);
    if (!(gpp > 0.25 * gn)) gpp = gn;
    const double step = -g / gpp;
    if (std::abs(step) < tolerance) {
      converged = true;
      break;
    }
    s += step;
    if (std::abs(step) < taylor_step) {
      pos += step * tan + (0.5 * step * step) * tan2;
      tan += step * tan2;
      converged = true;
      break;
    }
  }
  const Vector3 n = u.cross(tan);
  const double nn = n.norm();
  r.s = s;
  r.position = pos;
  if (nn > 1e-12 && converged) {
    r.normal = n * (1.0 / nn);
    r.doca = r.normal.dot(pos - w.point);
    r.ok = true;
  } else {
    r.normal = Vector3::Zero();
    r.doca = (pos - w.point - u * u.dot(pos - w.point)).norm();
  }
  return r;
}

inline DocaResult doca(const Helix& h, const Wire& w, double s_start) {
  return doca(h, std::cos(h.phi0), std::sin(h.phi0), w, s_start);
}

}  // namespace darkrecon::tracking::detail
