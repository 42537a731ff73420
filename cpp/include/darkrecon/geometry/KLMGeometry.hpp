// Belle II K_L and muon detector (KLM): detector layers interleaved with the iron plates of the
// flux return. Belle II TDR (arXiv:1011.0352, KLM chapter): the barrel has 15 detector layers
// and 14 iron plates, the endcaps 14 detector layers and 14 plates; plates are 4.7 cm thick
// with 4.4 cm gaps for the detectors; the barrel starts at r = 201 cm and covers
// 45-125 deg, the forward endcap 20-45 deg and the backward endcap 125-155 deg. The barrel
// octagon is modelled as a cylinder and the endcap positions in z are approximate.
#pragma once

#include <vector>

namespace darkrecon::geometry {

enum class KLMSection : int { barrel = 0, forward = 1, backward = 2 };

struct KLMGeometryOptions {
  int n_barrel_layers = 15;
  int n_endcap_layers = 14;
  double barrel_r0 = 201.0;        ///< radius of barrel detector layer 0 [cm]
  double forward_z0 = 230.0;       ///< z of forward endcap layer 0 [cm] (approximate)
  double backward_z0 = -160.0;     ///< z of backward endcap layer 0 [cm] (approximate)
  double iron_thickness = 4.7;     ///< [cm]
  double gap = 4.4;                ///< detector gap [cm]
  double barrel_theta_min_deg = 45.0;
  double barrel_theta_max_deg = 125.0;
  double forward_theta_min_deg = 20.0;
  double backward_theta_max_deg = 155.0;
  double endcap_r_max = 330.0;
  int barrel_sectors = 8;
  int endcap_sectors = 4;
  /// Solenoid between the ECL and the first barrel KLM layer, from the basf2 geometry
  /// (structure/data/COIL.xml): iron cryostat vessel r = 170.0-200.0 cm with the vacuum
  /// 170.6-198.0 cm (0.6 + 2.0 cm of iron), aluminium radiation shield 0.2 + 0.2 cm, aluminium
  /// coil 178.31-184.19 cm (5.88 cm). The endcap side of the cryostat is taken the same.
  double cryostat_iron = 2.6;      ///< [cm]
  double coil_aluminium = 6.28;    ///< [cm]
  /// Material of each detector layer: the Belle RPC superlayer holds two RPCs, each with two
  /// 2.4 mm float-glass electrodes (Belle KLM, NIM A 449 (2000) 112); the copper pick-up
  /// strips, foam and mylar are neglected. Used for all layers (the scintillator layers of
  /// Belle II, 2 x 1 cm polystyrene, have a similar 2 g/cm^2).
  double detector_glass = 0.96;    ///< [cm] of glass per detector layer
};

class KLMGeometry {
 public:
  explicit KLMGeometry(KLMGeometryOptions options = {}) : opt_(options) {}
  const KLMGeometryOptions& options() const { return opt_; }
  double pitch() const { return opt_.iron_thickness + opt_.gap; }
  int n_layers(KLMSection s) const {
    return s == KLMSection::barrel ? opt_.n_barrel_layers : opt_.n_endcap_layers;
  }
  /// Radius (barrel) or |z| (endcaps) of detector layer i.
  double layer_position(KLMSection s, int layer) const;
  /// Barrel z range at layer 0 from the polar coverage.
  double barrel_z_min() const;
  double barrel_z_max() const;
  int sector(KLMSection s, double phi) const;

 private:
  KLMGeometryOptions opt_;
};

}  // namespace darkrecon::geometry
