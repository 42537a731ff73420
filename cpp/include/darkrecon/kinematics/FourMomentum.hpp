// A four-momentum (E, px, py, pz) in GeV with the operations the kinematics needs.
#pragma once

#include <Eigen/Core>
#include <cmath>

namespace darkrecon::kinematics {

/// Components ordered (E, px, py, pz); metric (+, -, -, -).
using FourMomentum = Eigen::Vector4d;
/// A Lorentz transformation acting on column four-vectors (E, px, py, pz).
using LorentzMatrix = Eigen::Matrix4d;

inline double mass_squared(const FourMomentum& p) {
  return p[0] * p[0] - p.tail<3>().squaredNorm();
}

/// sign(m^2) * sqrt(|m^2|): real masses stay positive; a negative square (an unphysical
/// system, e.g. a recoil smeared by resolution) keeps its sign instead of becoming NaN.
/// Branch-free, since the sign of m^2 can be random (resolution around m = 0).
inline double signed_mass(double m2) { return std::copysign(std::sqrt(std::abs(m2)), m2); }

}  // namespace darkrecon::kinematics
