#include "darkrecon/tracking/Helix.hpp"

namespace darkrecon::tracking {

Helix helix_from_state(const Vector3& position, const Vector3& momentum, double charge, double bfield) {
  const double pt = std::hypot(momentum.x(), momentum.y());
  const double phi = std::atan2(momentum.y(), momentum.x());
  const double tan_lambda = momentum.z() / pt;
  const double omega = charge == 0.0 || bfield == 0.0 ? 0.0 : charge * kCurvatureConstant * bfield / pt;
  const double cphi = std::cos(phi), sphi = std::sin(phi);
  Helix h;
  h.tan_lambda = tan_lambda;
  h.omega = omega;
  if (omega == 0.0) {
    const double along = position.x() * cphi + position.y() * sphi;
    h.phi0 = phi;
    h.d0 = position.x() * sphi - position.y() * cphi;
    h.z0 = position.z() - tan_lambda * along;
    return h;
  }
  // Centre C = X + (1/omega) (sin phi, -cos phi); C = (d0 + 1/omega) (sin phi0, -cos phi0).
  const double rho = 1.0 / omega;
  const double cx = position.x() + rho * sphi, cy = position.y() - rho * cphi;
  const double cn = std::hypot(cx, cy);
  const double sgn = omega > 0.0 ? 1.0 : -1.0;
  // e0 = sgn C / |C| = (sin phi0, -cos phi0)
  h.phi0 = std::atan2(sgn * cx, -sgn * cy);
  h.d0 = sgn * cn - rho;
  h.z0 = 0.0;
  const double s = h.arc_length_to(position.x(), position.y());
  h.z0 = position.z() - tan_lambda * s;
  return h;
}

}  // namespace darkrecon::tracking
