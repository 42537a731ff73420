#include "darkrecon/kinematics/Thrust.hpp"

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "darkrecon/core/Parallel.hpp"

namespace darkrecon::kinematics {
namespace {

using Vec3 = Eigen::Vector3d;

/// Fixed point of n <- normalise(sum sign(p.n) p) from a start axis; returns sum|p.n|.
double iterate_axis(const std::vector<Vec3>& moms, Vec3& axis) {
  double best = -1.0;
  for (int iteration = 0; iteration < 32; ++iteration) {
    Vec3 sum = Vec3::Zero();
    for (const Vec3& q : moms) sum += (q.dot(axis) >= 0.0 ? 1.0 : -1.0) * q;
    const double norm = sum.norm();
    if (norm <= best * (1.0 + 1e-15) || norm == 0.0) break;  // no further increase
    best = norm;
    axis = sum / norm;
  }
  return best;
}

}  // namespace

void thrust(const core::FourMomentumColumns& p, const core::EventOffsets& offsets, double* out_thrust,
            double* out_axis, int n_threads) {
  core::parallel_for(offsets.n_events, n_threads, [&](std::size_t begin, std::size_t end) {
    std::vector<Vec3> moms;
    for (std::size_t ev = begin; ev < end; ++ev) {
      moms.clear();
      double sum_abs = 0.0;
      for (std::size_t row = offsets.begin(ev); row < offsets.end(ev); ++row) {
        const Vec3 q(p.px[row], p.py[row], p.pz[row]);
        if (q.squaredNorm() > 0.0) {
          moms.push_back(q);
          sum_abs += q.norm();
        }
      }
      Vec3 best_axis(0.0, 0.0, 1.0);
      double best = 0.0;
      const std::size_t n = moms.size();
      auto try_start = [&](const Vec3& start) {
        const double norm = start.norm();
        if (norm == 0.0) return;
        Vec3 axis = start / norm;
        const double value = iterate_axis(moms, axis);
        if (value > best) {
          best = value;
          best_axis = axis;
        }
      };
      for (std::size_t i = 0; i < n; ++i) {
        try_start(moms[i]);
        for (std::size_t j = i + 1; j < n; ++j) {
          try_start(moms[i] + moms[j]);
          try_start(moms[i] - moms[j]);
        }
      }
      // The axis is defined up to its sign: point it into the +z hemisphere for reproducibility.
      if (best_axis.z() < 0.0 || (best_axis.z() == 0.0 && best_axis.x() < 0.0)) best_axis = -best_axis;
      out_thrust[ev] = sum_abs > 0.0 ? best / sum_abs : 0.0;
      out_axis[3 * ev] = best_axis.x();
      out_axis[3 * ev + 1] = best_axis.y();
      out_axis[3 * ev + 2] = best_axis.z();
    }
  });
}

}  // namespace darkrecon::kinematics
