// Materials and the passive material of the Belle II inner detector, as seen by the fast
// simulation: radiation length X0, nuclear interaction length lambda_I and the Bethe-Bloch
// constants of each material, and the cylindrical shells a particle from the IP crosses.
#pragma once

#include <string>
#include <vector>

namespace darkrecon::geometry {

/// Sternheimer parametrisation of the density-effect correction of the Bethe-Bloch formula,
/// x = log10(beta gamma) (PDG Review, "Passage of particles through matter", eq. 34.7):
/// delta = 2 ln10 x - C                 for x >= x1,
///       = 2 ln10 x - C + a (x1 - x)^k  for x0 <= x < x1,
///       = delta0 10^(2 (x - x0))        for x < x0.
struct DensityEffect {
  double C = 0.0, x0 = 0.0, x1 = 0.0, a = 0.0, k = 0.0, delta0 = 0.0;
  bool tabulated = false;  ///< false: derive from I and the plasma energy (Sternheimer-Peierls)
};

/// A homogeneous material. Lengths in cm, density in g/cm^3, I in eV.
struct Material {
  std::string name;
  double X0 = 0.0;         ///< radiation length [cm]
  double density = 0.0;    ///< [g/cm^3]
  double Z_over_A = 0.0;   ///< <Z/A> [mol/g]
  double I_eV = 0.0;       ///< mean excitation energy [eV]
  double lambda_I = 0.0;   ///< nuclear interaction length [cm]
  DensityEffect density_effect{};
  bool gas = false;        ///< for the Sternheimer-Peierls rules when not tabulated
};

/// The density-effect parameters of m: its tabulated ones, or else the general rules of
/// Sternheimer & Peierls, Phys. Rev. B 3 (1971) 3681 (as summarised in the Geant4 Physics
/// Reference Manual): C = 1 + 2 ln(I / hbar omega_p), x0, x1 from C, I and the phase, k = 3.
DensityEffect density_effect_parameters(const Material& m);

/// delta(beta gamma) of m (see DensityEffect).
double density_effect(const Material& m, double beta_gamma);

/// PDG "Atomic and nuclear properties of materials" (pdg.lbl.gov/AtomicNuclearProperties),
/// values as in the PDG Review of Particle Physics (2022) tables.
namespace materials {
Material beryllium();
Material silicon();
Material gold();
Material carbon_fibre();      ///< CFRP, modelled as carbon at 1.6 g/cm^3
Material cdc_gas_and_wires(); ///< He-C2H6 50:50 plus the CDC wires, smeared into one medium
Material fused_silica();      ///< TOP quartz bars
Material glass();             ///< float glass of the KLM resistive plate chambers
Material aluminium();
Material csi();               ///< CsI(Tl) of the ECL
Material iron();              ///< KLM flux-return iron
}  // namespace materials

/// A thin cylindrical shell of material around the beam axis, crossed at radius `radius`.
struct MaterialShell {
  std::string name;
  Material material;
  double radius = 0.0;     ///< [cm]
  double thickness = 0.0;  ///< radial thickness [cm]
  double z_min = -1e9;     ///< extent along z [cm]
  double z_max = 1e9;
  /// Thickness in radiation lengths at normal incidence.
  double x_over_X0() const { return thickness / material.X0; }
};

/// The shells in front of the CDC and between the CDC and the ECL, ordered by radius
/// (Belle II TDR, arXiv:1011.0352; see Material.cpp for each number's source).
std::vector<MaterialShell> belle2_tracker_material();

/// The effective medium filling the CDC drift volume.
Material belle2_cdc_medium();

}  // namespace darkrecon::geometry
