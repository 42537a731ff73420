// Drift-distance dependent single-hit resolution of the Belle II CDC.
//
// Form of basf2's CDCGeometryPar::getSigma (cdc/geometry): with x the drift distance [cm],
//   sigma^2(x) = P0 / (x^2 + P1) + P2 x + P3 + P4 exp(P5 (x - P6)^2),
// the first term from the primary-ionisation statistics near the wire (the closest cluster is
// on average ~1/(2 n_p) away from the track), P2 x from diffusion, P3 from the electronics and
// the time measurement, the last from the field distortion near the cell boundary. Parameters
// of the basf2 table cdc/data/sigma_v1.dat, which are the same for every layer, incidence and
// polar angle except P6 = (half cell width) - 0.75 cm; capped, as in basf2, at 2.5 times the
// nominal 130 um (maxSpaceResol). This gives 210 um at the wire, 100 um in the middle of the
// normal cells (117 um in the small cells of the innermost superlayer) and 300 um at the cell
// edge; averaged uniformly over a cell 127-140 um (160 um in the small cells), the ~130 um
// quoted for the Belle CDC (NIM A 479 (2002) 117) and the basf2 nominal value.
#pragma once

#include <algorithm>
#include <cmath>

namespace darkrecon::simulation {

struct CDCResolutionModel {
  double p0 = 2.8574181e-06;  ///< [cm^4]
  double p1 = 7.0361731e-03;  ///< [cm^2]
  double p2 = 1.2438300e-04;  ///< [cm]
  double p3 = 3.3430400e-05;  ///< [cm^2]
  double p4 = 6.2831500e-09;  ///< [cm^2]
  double p5 = 2.0879000e+01;  ///< [1/cm^2]
  double edge_offset = 0.75;  ///< P6 = half cell width - edge_offset [cm]
  double max_sigma = 2.5 * 0.013;  ///< [cm]

  /// sigma [cm] at drift distance x >= 0 in a cell of the given half width [cm].
  double sigma(double x, double half_width) const {
    const double u = x - (half_width - edge_offset);
    const double s2 = p0 / (x * x + p1) + p2 * x + p3 + p4 * std::exp(p5 * u * u);
    return std::min(std::sqrt(s2), max_sigma);
  }
};

}  // namespace darkrecon::simulation
