#include "darkrecon/kinematics/EventKinematics.hpp"

#include <cmath>

#include "darkrecon/core/Parallel.hpp"

namespace darkrecon::kinematics {
namespace {

FourMomentum event_sum(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
                       std::size_t event) {
  FourMomentum sum = FourMomentum::Zero();
  for (std::size_t row = offsets.begin(event); row < offsets.end(event); ++row) {
    sum += FourMomentum(p.E[row], p.px[row], p.py[row], p.pz[row]);
  }
  return sum;
}

}  // namespace

void sum_four_momenta(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
                      double* out, int n_threads) {
  core::parallel_for(offsets.n_events, n_threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t ev = begin; ev < end; ++ev) {
      Eigen::Map<FourMomentum>(out + 4 * ev) = event_sum(p, offsets, ev);
    }
  });
}

void invariant_mass_squared(const core::FourMomentumColumns& p,
                            const core::EventOffsets& offsets, double* out, int n_threads) {
  core::parallel_for(offsets.n_events, n_threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t ev = begin; ev < end; ++ev) out[ev] = mass_squared(event_sum(p, offsets, ev));
  });
}

void recoil(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
            const FourMomentum& beam, const LorentzMatrix& to_cms, const RecoilColumns& out,
            int n_threads) {
  core::parallel_for(offsets.n_events, n_threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t ev = begin; ev < end; ++ev) {
      const FourMomentum missing = beam - event_sum(p, offsets, ev);
      const FourMomentum cms = to_cms * missing;
      const double p_abs = cms.tail<3>().norm();
      out.mass_squared[ev] = mass_squared(missing);
      out.E_cms[ev] = cms[0];
      out.px_cms[ev] = cms[1];
      out.py_cms[ev] = cms[2];
      out.pz_cms[ev] = cms[3];
      out.p_cms[ev] = p_abs;
      // atan2 form stays accurate near 0 and pi; a null recoil momentum gets theta = 0.
      out.theta_cms[ev] = std::atan2(std::hypot(cms[1], cms[2]), cms[3]);
    }
  });
}

void transform_rows(const core::FourMomentumColumns& p, const LorentzMatrix& lambda,
                    double* out_E, double* out_px, double* out_py, double* out_pz,
                    int n_threads) {
  core::parallel_for(p.n_rows, n_threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t row = begin; row < end; ++row) {
      const FourMomentum q = lambda * FourMomentum(p.E[row], p.px[row], p.py[row], p.pz[row]);
      out_E[row] = q[0];
      out_px[row] = q[1];
      out_py[row] = q[2];
      out_pz[row] = q[3];
    }
  });
}

}  // namespace darkrecon::kinematics
