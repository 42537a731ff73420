// Fast simulation of the Belle II detector response: from generated particles (flat columns
// plus event offsets) to CDC hits, ECL digits and KLM hits with truth links.
//
// Charged particles follow helices in the solenoid field, with Highland multiple scattering and
// Bethe-Bloch energy loss in each material shell and in the CDC gas; each crossed drift cell
// gives a hit whose drift distance is the true distance of closest approach to the sense wire,
// smeared, without left/right information. Photons convert in the material (probability
// 1 - exp(-7/9 X/X0)); photons and electrons shower in the CsI(Tl) crystals (gamma-function
// longitudinal profile, two-component lateral profile), muons deposit ionisation energy and
// range out in the KLM iron, hadrons interact with the nuclear interaction length. Beam
// background adds random CDC hits and low-energy ECL digits. Every event draws from its own
// random stream seeded by (seed, event index): deterministic for any thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "darkrecon/core/FlatEvents.hpp"
#include "darkrecon/geometry/CDCGeometry.hpp"
#include "darkrecon/geometry/ECLGeometry.hpp"
#include "darkrecon/geometry/KLMGeometry.hpp"
#include "darkrecon/simulation/CDCResolution.hpp"

namespace darkrecon::simulation {

/// Beam-induced background (scale 0 switches it off).
struct BackgroundOptions {
  double scale = 1.0;                 ///< multiplies both rates below
  double cdc_occupancy_inner = 0.04;  ///< fraction of wires hit in layer 0
  double cdc_occupancy_power = 1.0;   ///< occupancy falls as (r0 / r)^power with radius
  double cdc_time_window = 100.0;     ///< background hit time offsets uniform in +-window [ns]
  double ecl_digits = 120.0;          ///< mean number of background ECL digits per event
  double ecl_energy_min = 1.0e-3;     ///< [GeV], power-law spectrum E^-index above this
  double ecl_energy_index = 2.5;
  double ecl_energy_max = 0.05;       ///< [GeV]
  double ecl_time_window = 1000.0;    ///< background digit times uniform in +-window [ns]
  double ecl_endcap_weight = 3.0;     ///< relative rate per crystal in the endcaps vs barrel
  // KLM: uncorrelated hits (neutrons, photons from beam losses) spread uniformly over the
  // detector layers. Default: 4 per event, about 1 in the barrel and 3 in the endcaps (see
  // python/darkrecon/simulation/fastsim.py, Background, for the reasoning).
  double klm_hits = 4.0;              ///< mean number of background KLM hits per event
  double klm_endcap_weight = 4.0;     ///< relative rate per unit area in the endcaps vs barrel
  double klm_time_window = 1000.0;    ///< background hit times uniform in +-window [ns]
};

struct FastSimulationOptions {
  double bfield = 1.5;                ///< [T] along +z
  // CDC: the single-hit resolution depends on the drift distance (CDCResolution.hpp) unless
  // cdc_resolution_model = 0, then it is the constant cdc_resolution; the nominal 130 um is
  // the basf2 cdcDigitizer default (belle2_numbers.md) and sets the cap of the model (2.5x).
  double cdc_resolution = 0.013;      ///< [cm]
  int cdc_resolution_model = 1;       ///< 0 constant, 1 drift-distance dependent (Belle II)
  /// The sigma stored with a hit: the resolution at the true drift distance (false, the width
  /// of its residual) or at the measured one (true, what a reconstruction would assign).
  bool cdc_sigma_at_measured_drift = false;
  double cdc_efficiency = 0.98;
  double cdc_drift_velocity = 4.0e-3; ///< [cm/ns], about 40 um/ns in He-C2H6
  double max_arc_length = 600.0;      ///< curlers are followed up to this path length [cm]
  double max_turns = 2.0;             ///< ... and up to this many full turns in azimuth
  bool multiple_scattering = true;
  bool energy_loss = true;
  bool conversions = true;
  bool bremsstrahlung = true;
  bool hadronic_interactions = true;
  // ECL: sigma_E/E = 0.2%/E (+) 1.6%/E^1/4 (+) 1.2% (belle2_numbers.md); the noise term is
  // realised as per-crystal electronic noise over the 5x5 crystals around each shower
  // (0.4 MeV x sqrt(25) = 2 MeV), the other two as a fluctuation of the shower energy.
  double ecl_stochastic = 0.016;
  double ecl_constant = 0.012;
  double ecl_noise = 0.4e-3;          ///< [GeV] per crystal
  double ecl_threshold = 0.5e-3;      ///< digits kept above this energy [GeV]
  double ecl_time_resolution = 1.0;   ///< [ns] at high energy; grows as 10 ns x 10 MeV / E
  int ecl_max_spots = 250;
  // KLM
  double klm_efficiency = 0.95;
  double klm_position_resolution = 1.2;  ///< [cm] (4 cm strips / sqrt 12)
  BackgroundOptions background;
  std::vector<int> invisible_pdg;     ///< additional pdg codes that leave no signal
  std::uint64_t seed = 0;
  int n_threads = 0;
};

/// Generated particles (one row each) with status; only status == 1 is simulated.
struct ParticleColumns {
  const std::int32_t* pdg = nullptr;
  const std::int32_t* status = nullptr;
  const double *E = nullptr, *px = nullptr, *py = nullptr, *pz = nullptr;
  const double *vx = nullptr, *vy = nullptr, *vz = nullptr, *t = nullptr;
  std::size_t n_rows = 0;
};

struct SimulationOutput {
  // CDC hits, sorted by (layer, wire) within each event; one hit per wire.
  std::vector<std::int32_t> cdc_layer, cdc_wire, cdc_particle;
  std::vector<double> cdc_drift, cdc_sigma, cdc_time, cdc_true_drift;
  std::vector<std::int64_t> cdc_offsets;
  // ECL digits, sorted by cell_id within each event.
  std::vector<std::int32_t> ecl_cell_id, ecl_particle;
  std::vector<double> ecl_energy, ecl_time;
  std::vector<std::int64_t> ecl_offsets;
  // KLM hits; section 0 barrel, 1 forward, 2 backward.
  std::vector<std::int32_t> klm_section, klm_layer, klm_sector, klm_particle;
  std::vector<double> klm_phi, klm_z, klm_r, klm_time;
  std::vector<std::int64_t> klm_offsets;
};

/// The CDC single-hit resolution [cm] the simulation uses for a hit at drift distance `drift`
/// in `layer` (both models), i.e. the sigma it stores with the hit for the measured drift.
double cdc_hit_sigma(const geometry::CDCGeometry& cdc, const FastSimulationOptions& options, int layer,
                     double drift);

/// Detector envelope: vertices outside are refused (cm).
struct DetectorEnvelope {
  double r_max = 340.0;
  double z_min = -290.0;
  double z_max = 360.0;
};

/// Throws std::invalid_argument naming the event and row for an unknown pdg code of a status-1
/// particle or a vertex outside the detector envelope.
void validate_particles(const ParticleColumns& particles, core::EventOffsets offsets,
                        const FastSimulationOptions& options);

SimulationOutput simulate(const geometry::CDCGeometry& cdc, const geometry::ECLGeometry& ecl,
                          const geometry::KLMGeometry& klm, const ParticleColumns& particles,
                          core::EventOffsets offsets, const FastSimulationOptions& options);

}  // namespace darkrecon::simulation
