// Interaction physics of the fast simulation: particle species, Bethe-Bloch energy loss,
// Highland multiple scattering, Bethe-Heitler bremsstrahlung. Units: GeV, cm.
#pragma once

#include <cmath>
#include <cstdlib>

#include "darkrecon/geometry/Material.hpp"

namespace darkrecon::simulation::detail {

enum class Kind { photon, electron, muon, charged_hadron, neutral_hadron, pi0, invisible, unknown };

struct Species {
  Kind kind = Kind::unknown;
  double mass = 0.0;    ///< [GeV]
  double charge = 0.0;  ///< [e]
};

/// Masses: PDG 2024 Review, summary tables.
inline Species species(int pdg) {
  const int a = std::abs(pdg);
  const double s = pdg > 0 ? 1.0 : -1.0;
  switch (a) {
    case 22: return {Kind::photon, 0.0, 0.0};
    case 11: return {Kind::electron, 0.51099895e-3, -s};
    case 13: return {Kind::muon, 0.1056583755, -s};
    case 211: return {Kind::charged_hadron, 0.13957039, s};
    case 321: return {Kind::charged_hadron, 0.493677, s};
    case 2212: return {Kind::charged_hadron, 0.93827208816, s};
    case 3222: return {Kind::charged_hadron, 1.18937, s};
    case 3112: return {Kind::charged_hadron, 1.197449, -s};
    case 3312: return {Kind::charged_hadron, 1.32171, -s};
    case 3334: return {Kind::charged_hadron, 1.67245, -s};
    case 111: return {Kind::pi0, 0.1349768, 0.0};
    case 130: return {Kind::neutral_hadron, 0.497611, 0.0};
    case 310: return {Kind::neutral_hadron, 0.497611, 0.0};
    case 2112: return {Kind::neutral_hadron, 0.93956542052, 0.0};
    case 3122: return {Kind::neutral_hadron, 1.115683, 0.0};
    case 3322: return {Kind::neutral_hadron, 1.31486, 0.0};
    case 12: case 14: case 16: case 18: return {Kind::invisible, 0.0, 0.0};
    default: return {Kind::unknown, 0.0, 0.0};
  }
}

constexpr double kElectronMass = 0.51099895e-3;
constexpr double kSpeedOfLight = 29.9792458;  // cm/ns
constexpr double kCurvature = 0.299792458e-2; // GeV / (T cm)

/// Mean collision energy loss -dE/dx [GeV/cm] from the Bethe-Bloch formula (PDG Review,
/// "Passage of particles through matter", eq. 34.5) with the Sternheimer density-effect
/// correction of the material (geometry::density_effect). Radiative losses (bremsstrahlung,
/// pair production) are negligible for muons and pions below ~100 GeV in these materials.
inline double bethe_bloch(const geometry::Material& m, double beta_gamma, double mass, double charge) {
  constexpr double K = 0.307075e-3;  // GeV cm^2 / mol
  const double bg2 = beta_gamma * beta_gamma;
  const double gamma = std::sqrt(1.0 + bg2);
  const double beta2 = bg2 / (1.0 + bg2);
  const double ratio = kElectronMass / mass;
  const double wmax = 2.0 * kElectronMass * bg2 / (1.0 + 2.0 * gamma * ratio + ratio * ratio);
  const double I = m.I_eV * 1e-9;
  const double half_delta = 0.5 * geometry::density_effect(m, beta_gamma);
  const double bracket = 0.5 * std::log(2.0 * kElectronMass * bg2 * wmax / (I * I)) - beta2 - half_delta;
  const double dedx = K * charge * charge * m.Z_over_A * m.density / beta2 * bracket;
  return dedx > 0.0 ? dedx : 0.0;
}

/// Highland width of the projected scattering angle (PDG eq. 34.16):
/// theta0 = 13.6 MeV / (beta c p) z sqrt(x/X0) [1 + 0.038 ln(x z^2 / (X0 beta^2))].
inline double highland(double p, double beta, double charge, double x_over_x0) {
  if (x_over_x0 <= 0.0) return 0.0;
  const double z2 = charge * charge;
  const double corr = 1.0 + 0.038 * std::log(x_over_x0 * z2 / (beta * beta));
  return 13.6e-3 / (beta * p) * std::sqrt(z2 * x_over_x0) * (corr > 0.0 ? corr : 0.0);
}

}  // namespace darkrecon::simulation::detail
