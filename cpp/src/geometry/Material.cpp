#include "darkrecon/geometry/Material.hpp"

#include <cmath>

namespace darkrecon::geometry {
namespace materials {

// Values: PDG Atomic and Nuclear Properties (X0, density, <Z/A>, I, lambda_I); density-effect
// parameters (C, x0, x1, a, k, delta0) of Sternheimer, Berger & Seltzer, At. Data Nucl. Data
// Tables 30 (1984) 261, as listed on the same PDG pages. With them the Bethe-Bloch formula of
// detail/Physics.hpp gives the PDG minimum ionisation to 0.1% (Fe 1.451, CsI 1.243, Al 1.615,
// Si 1.664, Be 1.595 MeV cm^2/g; tests/geometry/test_material_klm.py).
Material beryllium() {
  return {"Be", 35.28, 1.848, 0.44384, 63.7, 42.10, {2.7847, 0.0592, 1.6922, 0.80392, 2.4339, 0.14, true}};
}
Material silicon() {
  return {"Si", 9.370, 2.329, 0.49848, 173.0, 46.52, {4.4355, 0.2015, 2.8716, 0.14921, 3.2546, 0.14, true}};
}
Material gold() {
  return {"Au", 0.3344, 19.32, 0.40108, 790.0, 10.16, {5.5747, 0.2021, 3.6979, 0.09756, 3.1101, 0.14, true}};
}
// Carbon: X0 = 42.70 g/cm^2, lambda_I = 85.8 g/cm^2 (PDG), at a CFRP density of 1.6 g/cm^3;
// density effect from the Sternheimer-Peierls rules at that density.
Material carbon_fibre() { return {"CFRP", 42.70 / 1.6, 1.6, 0.49955, 78.0, 85.8 / 1.6}; }
Material fused_silica() { return {"SiO2", 12.29, 2.20, 0.49930, 139.2, 44.5}; }
// Float glass of the Belle KLM RPCs, taken as SiO2 (X0 = 27.05 g/cm^2, lambda_I = 97.8 g/cm^2)
// at 2.5 g/cm^3.
Material glass() { return {"glass", 27.05 / 2.5, 2.5, 0.49930, 139.2, 97.8 / 2.5}; }
Material aluminium() {
  return {"Al", 8.897, 2.699, 0.48181, 166.0, 39.70, {4.2395, 0.1708, 3.0127, 0.08024, 3.6345, 0.12, true}};
}
// CsI: X0 1.860 cm, R_M 3.531 cm, lambda_I 39.3 cm (PDG table of inorganic scintillators).
Material csi() {
  return {"CsI", 1.860, 4.510, 0.41569, 553.1, 39.3, {6.2807, 0.0395, 3.3353, 0.25381, 2.6657, 0.0, true}};
}
Material iron() {
  return {"Fe", 1.757, 7.874, 0.46557, 286.0, 16.77, {4.2911, -0.0012, 3.1531, 0.14680, 2.9632, 0.12, true}};
}

Material cdc_gas_and_wires() {
  // He-C2H6 50:50 by volume: density 0.5 (0.1786 + 1.356) mg/cm^3 = 0.767 mg/cm^3, mass
  // fractions He 0.116 / C2H6 0.884; X0(He) = 94.32 g/cm^2, X0(C2H6) = 45.66 g/cm^2 (PDG)
  // -> X0 = 48.6 g/cm^2 = 633 m (the Belle CDC paper, NIM A 479 (2002) 117, quotes 640 m).
  // Wires (Belle II TDR, arXiv:1011.0352, sect. CDC): 14336 W sense wires of 30 um and
  // 42240 Al field wires of 126 um over the CDC cross section pi (111.4^2 - 16.8^2) cm^2
  // add 1/X0 = 2.3e-5 /cm. Total 1/X0 = 1/633 m + 2.3e-5 /cm -> X0_eff = 257 m.
  const double inv_x0_gas = 1.0 / 63300.0;
  const double inv_x0_wires = 5.27 / 38100.0 / 8.897 + 0.101 / 38100.0 / 0.3504;
  Material m{"He-C2H6+wires", 1.0 / (inv_x0_gas + inv_x0_wires), 0.767e-3, 0.587, 45.0, 1.0e6};
  m.gas = true;
  return m;
}

}  // namespace materials

DensityEffect density_effect_parameters(const Material& m) {
  if (m.density_effect.tabulated) return m.density_effect;
  DensityEffect d;
  const double hbar_omega_p = 28.816 * std::sqrt(m.density * m.Z_over_A);  // eV
  d.C = 1.0 + 2.0 * std::log(m.I_eV / hbar_omega_p);
  d.k = 3.0;
  if (m.gas) {
    if (d.C < 10.0) { d.x0 = 1.6; d.x1 = 4.0; }
    else if (d.C < 10.5) { d.x0 = 1.7; d.x1 = 4.0; }
    else if (d.C < 11.0) { d.x0 = 1.8; d.x1 = 4.0; }
    else if (d.C < 11.5) { d.x0 = 1.9; d.x1 = 4.0; }
    else if (d.C < 12.25) { d.x0 = 2.0; d.x1 = 4.0; }
    else if (d.C < 13.804) { d.x0 = 2.0; d.x1 = 5.0; }
    else { d.x0 = 0.326 * d.C - 2.5; d.x1 = 5.0; }
  } else if (m.I_eV < 100.0) {
    d.x0 = d.C <= 3.681 ? 0.2 : 0.326 * d.C - 1.0;
    d.x1 = 2.0;
  } else {
    d.x0 = d.C <= 5.215 ? 0.2 : 0.326 * d.C - 1.5;
    d.x1 = 3.0;
  }
  const double xa = d.C / (2.0 * std::log(10.0));
  d.a = 2.0 * std::log(10.0) * (xa - d.x0) / std::pow(d.x1 - d.x0, d.k);
  d.delta0 = 0.0;
  d.tabulated = true;
  return d;
}

double density_effect(const Material& m, double beta_gamma) {
  const DensityEffect& d = m.density_effect.tabulated ? m.density_effect : density_effect_parameters(m);
  const double x = std::log10(beta_gamma);
  const double two_ln10 = 2.0 * std::log(10.0);
  if (x >= d.x1) return two_ln10 * x - d.C;
  if (x >= d.x0) return two_ln10 * x - d.C + d.a * std::pow(d.x1 - x, d.k);
  return d.delta0 * std::pow(10.0, 2.0 * (x - d.x0));
}

Material belle2_cdc_medium() { return materials::cdc_gas_and_wires(); }

std::vector<MaterialShell> belle2_tracker_material() {
  using namespace materials;
  // Belle II TDR (arXiv:1011.0352): beam pipe Be, inner radius 1.0 cm, double wall 0.6 + 0.4 mm
  // (paraffin coolant between, neglected) with a 10 um gold layer inside; PXD layers at 1.4 and
  // 2.2 cm, 0.19% X0 each including frames (taken as Si of the same X/X0); SVD layers at 3.8,
  // 8.0, 11.5, 14.0 cm, about 0.57% X0 each with supports; CDC inner wall CFRP at 16 cm; CDC
  // outer wall CFRP 5 mm at 113 cm; the TOP quartz bars, 2 cm, at 120 cm, in front of the barrel ECL.
  std::vector<MaterialShell> s;
  s.push_back({"beampipe_Au", gold(), 0.999, 0.001});
  s.push_back({"beampipe_Be", beryllium(), 1.05, 0.10});
  s.push_back({"PXD1", silicon(), 1.4, 0.0019 * 9.370});
  s.push_back({"PXD2", silicon(), 2.2, 0.0019 * 9.370});
  s.push_back({"SVD3", silicon(), 3.8, 0.0057 * 9.370});
  s.push_back({"SVD4", silicon(), 8.0, 0.0057 * 9.370});
  s.push_back({"SVD5", silicon(), 11.5, 0.0057 * 9.370});
  s.push_back({"SVD6", silicon(), 14.0, 0.0057 * 9.370});
  s.push_back({"CDC_inner_wall", carbon_fibre(), 16.0, 0.04});
  s.push_back({"CDC_outer_wall", carbon_fibre(), 113.0, 0.5});
  MaterialShell top{"TOP_quartz", fused_silica(), 120.0, 2.0};
  top.z_min = -100.0;  // TOP covers the barrel (about 31-128 deg); ARICH material forward is omitted
  top.z_max = 200.0;
  s.push_back(top);
  return s;
}

}  // namespace darkrecon::geometry
