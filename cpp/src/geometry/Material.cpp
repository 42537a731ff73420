#include "darkrecon/geometry/Material.hpp"

namespace darkrecon::geometry {
namespace materials {

// Values: PDG Atomic and Nuclear Properties (X0, density, <Z/A>, I, lambda_I).
Material beryllium() { return {"Be", 35.28, 1.848, 0.44384, 63.7, 42.10}; }
Material silicon() { return {"Si", 9.370, 2.329, 0.49848, 173.0, 46.52}; }
Material gold() { return {"Au", 0.3344, 19.32, 0.40108, 790.0, 10.16}; }
// Carbon: X0 = 42.70 g/cm^2, lambda_I = 85.8 g/cm^2 (PDG), at a CFRP density of 1.6 g/cm^3.
Material carbon_fibre() { return {"CFRP", 42.70 / 1.6, 1.6, 0.49955, 78.0, 85.8 / 1.6}; }
Material fused_silica() { return {"SiO2", 12.29, 2.20, 0.49930, 139.2, 44.5}; }
Material aluminium() { return {"Al", 8.897, 2.699, 0.48181, 166.0, 39.70}; }
// CsI: X0 1.860 cm, R_M 3.531 cm, lambda_I 39.3 cm (PDG table of inorganic scintillators).
Material csi() { return {"CsI", 1.860, 4.510, 0.41569, 553.1, 39.3}; }
Material iron() { return {"Fe", 1.757, 7.874, 0.46557, 286.0, 16.77}; }

Material cdc_gas_and_wires() {
  // He-C2H6 50:50 by volume: density 0.5 (0.1786 + 1.356) mg/cm^3 = 0.767 mg/cm^3, mass
  // fractions He 0.116 / C2H6 0.884; X0(He) = 94.32 g/cm^2, X0(C2H6) = 45.66 g/cm^2 (PDG)
  // -> X0 = 48.6 g/cm^2 = 633 m (the Belle CDC paper, NIM A 479 (2002) 117, quotes 640 m).
  // Wires (Belle II TDR, arXiv:1011.0352, sect. CDC): 14336 W sense wires of 30 um and
  // 42240 Al field wires of 126 um over the CDC cross section pi (111.4^2 - 16.8^2) cm^2
  // add 1/X0 = 2.3e-5 /cm. Total 1/X0 = 1/633 m + 2.3e-5 /cm -> X0_eff = 257 m.
  const double inv_x0_gas = 1.0 / 63300.0;
  const double inv_x0_wires = 5.27 / 38100.0 / 8.897 + 0.101 / 38100.0 / 0.3504;
  return {"He-C2H6+wires", 1.0 / (inv_x0_gas + inv_x0_wires), 0.767e-3, 0.587, 45.0, 1.0e6};
}

}  // namespace materials

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
