#include "darkrecon/kinematics/EventKinematics.hpp"

#include <cmath>

#include "darkrecon/core/Parallel.hpp"

namespace darkrecon::kinematics {
namespace {

FourMomentum event_sum(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
                       std::size_t event) {
  // Plain scalar sums: the row loop is short (a few particles), so Eigen packets buy nothing.
  double e = 0.0, x = 0.0, y = 0.0, z = 0.0;
  const std::size_t end = offsets.end(event);
  for (std::size_t row = offsets.begin(event); row < end; ++row) {
    e += p.E[row];
    x += p.px[row];
    y += p.py[row];
    z += p.pz[row];
  }
  return FourMomentum(e, x, y, z);
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

void invariant_mass(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
                    MassOutput what, double* out, int n_threads) {
  // The recoil against a null beam is -sum p: the same m^2, from the same loop.
  recoil_mass(p, offsets, FourMomentum::Zero(), what, out, n_threads);
}

void recoil_mass(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
                 const FourMomentum& beam, MassOutput what, double* out, int n_threads) {
  // The hottest loop of the selections: written on local pointers so that the compiler
  // keeps the columns in registers, with the output choice hoisted out of the loop.
  auto run = [&](std::size_t begin, std::size_t end, auto finish) {
    const double* e = p.E;
    const double* x = p.px;
    const double* y = p.py;
    const double* z = p.pz;
    const std::int64_t* off = offsets.data;
    for (std::size_t ev = begin; ev < end; ++ev) {
      double se = beam[0], sx = beam[1], sy = beam[2], sz = beam[3];
      for (std::int64_t row = off[ev]; row < off[ev + 1]; ++row) {
        se -= e[row];
        sx -= x[row];
        sy -= y[row];
        sz -= z[row];
      }
      out[ev] = finish(se * se - sx * sx - sy * sy - sz * sz);
    }
  };
  core::parallel_for(offsets.n_events, n_threads, [&](std::size_t begin, std::size_t end) {
    if (what == MassOutput::squared) {
      run(begin, end, [](double m2) { return m2; });
    } else {
      run(begin, end, [](double m2) { return signed_mass(m2); });
    }
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
