// The helix of a charged particle in a uniform solenoid field along +z, in the basf2 perigee
// parametrisation relative to the origin:
//   d0        signed transverse distance of the perigee, d0 = (perigee x p)_z / pT   [cm]
//   phi0      direction of pT at the perigee                                       [rad]
//   omega     signed curvature q / R                                               [1/cm]
//   z0        z of the perigee                                                     [cm]
//   tanLambda pz / pT
// Perigee point (d0 sin phi0, -d0 cos phi0, z0); a positive particle turns clockwise seen from
// +z, so the direction of flight at transverse arc length s is phi(s) = phi0 - omega s.
// pT [GeV] = 0.299792458e-2 * B[T] * R[cm].
//
// Everything is written in terms of chi = omega s with sin(chi)/chi-type functions, so that
// omega -> 0 (a straight line) is exact and continuous.
#pragma once

#include <Eigen/Core>

#include <cmath>

namespace darkrecon::tracking {

using Vector3 = Eigen::Vector3d;
using HelixParams = Eigen::Matrix<double, 5, 1>;
using HelixCov = Eigen::Matrix<double, 5, 5>;

/// Speed of light in the units of this package: pT[GeV] = kCurvatureConstant * B[T] * R[cm].
inline constexpr double kCurvatureConstant = 0.299792458e-2;

enum HelixIndex : int { kD0 = 0, kPhi0 = 1, kOmega = 2, kZ0 = 3, kTanLambda = 4 };

namespace detail {

/// A(chi) = sin(chi)/chi, B(chi) = (1 - cos chi)/chi and their derivatives dA/dchi, dB/dchi;
/// Taylor series below |chi| = 0.05 (truncation < 1e-13 relative), closed forms above.
struct ChiFunctions {
  double a, b, da, db, cos_chi, sin_chi;
  explicit ChiFunctions(double chi) {
    sin_chi = std::sin(chi);
    cos_chi = std::cos(chi);
    const double c2 = chi * chi;
    if (std::abs(chi) < 0.05) {
      a = 1.0 - c2 / 6.0 * (1.0 - c2 / 20.0 * (1.0 - c2 / 42.0));
      b = chi / 2.0 * (1.0 - c2 / 12.0 * (1.0 - c2 / 30.0));
      da = -chi / 3.0 * (1.0 - c2 / 10.0 * (1.0 - c2 / 28.0));
      db = 0.5 - c2 / 8.0 * (1.0 - c2 / 18.0 * (1.0 - c2 / 40.0));
    } else {
      const double inv = 1.0 / chi;
      a = sin_chi * inv;
      b = (1.0 - cos_chi) * inv;
      da = (cos_chi - a) * inv;
      db = (sin_chi - b) * inv;
    }
  }
};

}  // namespace detail

/// A helix in perigee parameters; cheap value type.
struct Helix {
  double d0 = 0.0, phi0 = 0.0, omega = 0.0, z0 = 0.0, tan_lambda = 0.0;

  Helix() = default;
  Helix(double d0_, double phi0_, double omega_, double z0_, double tan_lambda_)
      : d0(d0_), phi0(phi0_), omega(omega_), z0(z0_), tan_lambda(tan_lambda_) {}
  explicit Helix(const HelixParams& p) : d0(p[0]), phi0(p[1]), omega(p[2]), z0(p[3]), tan_lambda(p[4]) {}

  HelixParams params() const {
    HelixParams p;
    p << d0, phi0, omega, z0, tan_lambda;
    return p;
  }

  Vector3 perigee() const { return {d0 * std::sin(phi0), -d0 * std::cos(phi0), z0}; }

  /// Position at transverse arc length s from the perigee (s > 0 along the flight direction).
  Vector3 position(double s) const {
    const detail::ChiFunctions f(omega * s);
    const double c0 = std::cos(phi0), s0 = std::sin(phi0);
    return {d0 * s0 + s * (c0 * f.a + s0 * f.b), -d0 * c0 + s * (s0 * f.a - c0 * f.b),
            z0 + tan_lambda * s};
  }

  /// dx/ds at arc length s: (cos phi(s), sin phi(s), tanLambda) (not normalised).
  Vector3 tangent(double s) const {
    const double phi = phi0 - omega * s;
    return {std::cos(phi), std::sin(phi), tan_lambda};
  }

  /// Transverse arc length of the point of the circle closest to (x, y), in
  /// (-pi/|omega|, pi/|omega|]; for omega = 0 the projection on the line.
  double arc_length_to(double x, double y) const { return arc_length_to(x, y, std::cos(phi0), std::sin(phi0)); }

  /// The same with cos(phi0), sin(phi0) given (computed once for many points).
  double arc_length_to(double x, double y, double c0, double s0) const {
    const double dx = x - d0 * s0, dy = y + d0 * c0;  // from the perigee
    // v0 = (-sin phi0, cos phi0) points from the centre to the perigee (times sign omega).
    const double a = dx * c0 + dy * s0;        // cross(dq, v0)
    const double b = 1.0 + omega * (-dx * s0 + dy * c0);  // 1 + omega dq . v0
    const double wa = omega * a;
    if (std::abs(wa) < 1e-12 * std::abs(b) && b > 0.0) return a / b;
    return std::atan2(wa, b) / omega;
  }

  /// Transverse momentum (GeV) in a field of bfield tesla.
  double pt(double bfield) const { return kCurvatureConstant * bfield / std::abs(omega); }
  double charge() const { return omega > 0.0 ? 1.0 : (omega < 0.0 ? -1.0 : 0.0); }
  Vector3 momentum(double bfield) const {
    const double p_t = pt(bfield);
    return {p_t * std::cos(phi0), p_t * std::sin(phi0), p_t * tan_lambda};
  }
};

/// Derivatives of the position at fixed transverse arc length s with respect to the five
/// perigee parameters (columns d0, phi0, omega, z0, tanLambda), and the position itself.
inline Eigen::Matrix<double, 3, 5> position_jacobian(const Helix& h, double s, Vector3* pos = nullptr) {
  const detail::ChiFunctions f(h.omega * s);
  const double c0 = std::cos(h.phi0), s0 = std::sin(h.phi0);
  const double x = h.d0 * s0 + s * (c0 * f.a + s0 * f.b);
  const double y = -h.d0 * c0 + s * (s0 * f.a - c0 * f.b);
  if (pos) *pos = Vector3(x, y, h.z0 + h.tan_lambda * s);
  Eigen::Matrix<double, 3, 5> j;
  const double s2 = s * s;
  j << s0, -y, s2 * (c0 * f.da + s0 * f.db), 0.0, 0.0,  //
      -c0, x, s2 * (s0 * f.da - c0 * f.db), 0.0, 0.0,  //
      0.0, 0.0, 0.0, 1.0, s;
  return j;
}

/// Perigee parameters of the helix through `position` with momentum `momentum` (GeV) and
/// charge sign `charge` (+1/-1; 0 = straight line) in a field of `bfield` tesla along +z.
Helix helix_from_state(const Vector3& position, const Vector3& momentum, double charge, double bfield);

/// Wrap an angle into (-pi, pi].
inline double wrap_angle(double a) {
  constexpr double kPi = 3.14159265358979323846;
  a = std::remainder(a, 2.0 * kPi);
  return a <= -kPi ? a + 2.0 * kPi : a;
}

}  // namespace darkrecon::tracking
