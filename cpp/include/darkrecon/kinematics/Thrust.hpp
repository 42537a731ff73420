// Thrust of each event: T = max_n sum|p_i . n| / sum|p_i| over unit axes n.
#pragma once

#include "darkrecon/core/FlatEvents.hpp"

namespace darkrecon::kinematics {

/// Thrust value and axis of each event's rows (use CMS momenta). The maximum is searched
/// from every particle direction (and every pair sum/difference) as start axis, iterating
/// n <- sum sign(p_i . n) p_i / |...| to a fixed point, which finds the exact maximum for the
/// low multiplicities of this package's channels (the fixed points of the iteration are the
/// sign partitions, and the starts cover them; Brandt et al., Phys. Lett. 12 (1964) 57;
/// the iteration as in PYTHIA's PYTHRU). Events with no momentum get T = 0 and axis (0,0,1).
/// out_axis has 3 * n_events doubles.
void thrust(const core::FourMomentumColumns& p, const core::EventOffsets& offsets, double* out_thrust,
            double* out_axis, int n_threads);

}  // namespace darkrecon::kinematics
