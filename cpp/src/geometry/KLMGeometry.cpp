#include "darkrecon/geometry/KLMGeometry.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace darkrecon::geometry {
namespace {
constexpr double kPi = 3.141592653589793;
}

double KLMGeometry::layer_position(KLMSection s, int layer) const {
  if (layer < 0 || layer >= n_layers(s)) {
    throw std::out_of_range("KLM layer " + std::to_string(layer) + " out of range");
  }
  switch (s) {
    case KLMSection::barrel:
      return opt_.barrel_r0 + layer * pitch();
    case KLMSection::forward:
      return opt_.forward_z0 + layer * pitch();
    case KLMSection::backward:
    default:
      return -opt_.backward_z0 + layer * pitch();
  }
}

double KLMGeometry::barrel_z_min() const {
  return opt_.barrel_r0 / std::tan(opt_.barrel_theta_max_deg * kPi / 180.0);
}

double KLMGeometry::barrel_z_max() const {
  return opt_.barrel_r0 / std::tan(opt_.barrel_theta_min_deg * kPi / 180.0);
}

int KLMGeometry::sector(KLMSection s, double phi) const {
  const int n = s == KLMSection::barrel ? opt_.barrel_sectors : opt_.endcap_sectors;
  double u = phi / (2.0 * kPi);
  u -= std::floor(u);
  const int k = static_cast<int>(u * n);
  return k >= n ? n - 1 : k;
}

}  // namespace darkrecon::geometry
