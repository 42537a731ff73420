// Per-event kinematics of columnar batches: summed four-momenta, invariant and recoil
// masses, and the missing (recoil) system in the centre-of-mass frame.
#pragma once

#include <cstddef>

#include "darkrecon/core/FlatEvents.hpp"
#include "darkrecon/kinematics/FourMomentum.hpp"

namespace darkrecon::kinematics {

/// Sum of each event's rows; out has 4 * n_events doubles, row-major (E, px, py, pz).
void sum_four_momenta(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
                      double* out, int n_threads);

/// What a mass kernel writes per event.
enum class MassOutput { squared, signed_mass };

/// Invariant mass of each event's summed system: m^2 (GeV^2) or signed_mass(m^2) (GeV).
void invariant_mass(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
                    MassOutput what, double* out, int n_threads);

/// Mass of the system recoiling against each event's rows, (P_beam - sum p): m^2 or signed.
void recoil_mass(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
                 const FourMomentum& beam, MassOutput what, double* out, int n_threads);

/// The system recoiling against each event's summed rows: P_recoil = P_beam - sum p.
struct RecoilColumns {
  double* mass_squared;  // (P_beam - sum p)^2, frame independent, may be negative
  double* E_cms;         // recoil energy in the CMS
  double* px_cms;
  double* py_cms;
  double* pz_cms;
  double* p_cms;      // |p| of the recoil in the CMS (the missing momentum)
  double* theta_cms;  // polar angle of the recoil momentum in the CMS, in [0, pi]
};

/// beam: total lab four-momentum of the colliding beams; to_cms: lab -> CMS transformation.
void recoil(const core::FourMomentumColumns& p, const core::EventOffsets& offsets,
            const FourMomentum& beam, const LorentzMatrix& to_cms, const RecoilColumns& out,
            int n_threads);

/// Apply a Lorentz transformation row by row; out_* may alias nothing in p.
void transform_rows(const core::FourMomentumColumns& p, const LorentzMatrix& lambda,
                    double* out_E, double* out_px, double* out_py, double* out_pz,
                    int n_threads);

}  // namespace darkrecon::kinematics
