// Least-squares helix fit to drift-chamber hits: wires (a point and a unit direction) with a
// drift distance d >= 0 (left/right unknown) and its resolution sigma.
//
// Measurement model. For hit i the helix predicts the signed distance of closest approach
// D_i(p) to the wire (detail/WireDoca.hpp; sign = side along n = u x t). The residual is
//     r_i = s_i D_i(p) - d_i,     s_i = sign(D_i(p))  (left/right sign),
// i.e. |D_i| - d_i with the left/right sign re-evaluated at every iteration (a measured drift
// circle can only be matched by its nearer side, so the choice of s_i that minimises r_i^2 is
// always s_i = sign D_i). Derivatives: dr_i/dp = s_i n_i . dh/dp(s_i*) (analytic, envelope
// theorem).
//
// Algorithm per track:
//  1. Seed (unless given): Karimaki circle fit (NIM A305 (1991) 187) to the xy positions of the
//     axial wires, oriented so that the hits lie at positive arc length; then z0, tanLambda
//     from a straight-line fit z(s) of the points where each stereo wire meets that circle.
//  2. Deterministic annealing (DAF-like, Fruhwirth & Strandlie, Comput. Phys. Commun. 120 (1999)
//     197): each hit is two competing mirror measurements (+d and -d) plus an outlier hypothesis;
//     at temperature T the assignment probabilities are
//       w_pm = exp(-(D -+ d)^2 / (2 T sigma^2)) / (sum_pm exp(...) + exp(-c / (2 T))),
//     c = outlier_chi2_cut. The two mirrors combine into one measurement of D with weight
//     W = w+ + w- and value d (w+ - w-) / W. T starts at start_temperature_factor times the
//     seed's mean chi2 per hit (so that every hit of a roughly right seed starts with weight) and
//     falls geometrically to 1; one Gauss-Newton step per temperature. At high T this is a fit to the
//     wire positions, at T = 1 the left/right choice is sharp. The steps work on the hits
//     linearised at their last evaluation (D(p0 + dp) ~ D + J dp); the hits are evaluated again
//     only when a step moved some DOCA by more than 0.05 cm, and after the last temperature.
//  3. Hard decision: a hit is kept (weight 1) when its best-side chi2 is below c, else weight 0.
//  4. Gauss-Newton iterations on the kept hits (step halving if chi2 rises) until the step is
//     below `tolerance` in units of its own error (dp^T C^-1 dp; that last step is taken
//     without another evaluation of the hits); the kept set is re-decided
//     once at the optimum.
//  5. Covariance = (J^T V^-1 J)^-1 at the optimum; chi2 = r^T V^-1 r; ndf = n_kept - 5.
//  6. If any hit was rejected, a local minimum is possible (mostly a wrong left/right pattern of
//     the stereo hits, i.e. a wrong z): the fit is repeated from the seed with a hotter, slower
//     annealing and then from a RANSAC z seed (lines through the drift-circle candidates of an
//     inner and an outer stereo hit), and the attempt with the lowest robust objective
//     chi2 + cut * n_rejected is kept.
//
// Speed. A track's hits live in one block of columns (structure of arrays: the axial wires
// first, then the stereo wires, each part padded to a multiple of 4), which every stage reads and
// writes in place, four hits at a time (GCC/Clang vector extensions: two SSE2 registers in the
// portable build, plus an AVX2 clone picked at load time on x86-64 Linux; no fused multiply-add,
// so both give bitwise the same results): the closed-form DOCA of the axial wires (Karimaki's
// distance to the circle, no trigonometry), the stereo wires' Newton iteration (warm-started from
// the previous arc length, the first time from where the wire crosses the seed circle, and ended
// by a second-order move along the helix once its step is below 0.05 cm; inline sin/cos from the
// fdlibm kernel polynomials; a hit whose iteration does not settle there takes the scalar
// Newton from the same start), the seed's stereo crossings (inline atan2) and z-line
// fit, the annealing weights (two exponentials and a division per hit), the hard-decision
// weights and outlier decisions (without branches: the left/right sign is a coin flip for the
// branch predictor), and the normal equations. The circle prefit starts 10x cooler than the main
// annealing (hotter is a fit to the wire positions, i.e. the seed) and stops after its first
// step at T = 1 (unless chi2 still fell by > 1000). The re-linearisation test of the annealing
// comes with its weights; the last Gauss-Newton step below `tolerance` is taken unverified:
// about 2.1 evaluations of the hits per self-seeded track (1 at the start, 1 after the
// linearised annealing, 0.1 in Gauss-Newton). 5x5 systems are solved by an unrolled Cholesky.
// With multiple scattering every hit is evaluated by the scalar Newton into a per-hit state (the
// closest points and normals the scattering covariance needs) and copied to the columns. Tracks
// are handed to threads in blocks of 32 from a shared counter, each thread with its own scratch.
//
// Multiple scattering (option). The material between consecutive kept hits (path length x,
// radiation length X0) is lumped into a thin scatterer at the later hit. A scatterer at hit k
// kicks the direction by two independent projected angles of rms theta0_k (Highland, PDG Review
// of Particle Physics, "Passage of particles through matter", eq. 34.15, with the logarithm
// evaluated for the track's total thickness and theta0^2 shared in proportion to x_k), which
// moves every later hit j by (first order, exact for helices)
//     dphi = theta1 / cos(lambda):  ez x (h_j - h_k)
//     dlambda = theta2:             (-tanLambda (h_j - h_k)_xy, s_j - s_k)
// projected on n_j. These correlated terms are added to diag(sigma^2) as a full hit covariance
// V (evaluated at the current parameters); the perigee parameters stay the fit parameters, so
// the fit is a generalised least-squares fit and its covariance includes the scattering.
#pragma once

#include "darkrecon/core/FlatEvents.hpp"
#include "darkrecon/tracking/Helix.hpp"

#include <cstdint>

namespace darkrecon::tracking {

struct HelixFitterOptions {
  double bfield = 1.5;               // tesla, along +z
  int max_iterations = 30;           // Gauss-Newton iterations after the annealing
  // Converged when the Gauss-Newton step dp^T C^-1 dp < tolerance; that last step is taken
  // without evaluating the hits again. Gauss-Newton converges quadratically here: after a step
  // of 0.01-0.1 the next one is ~1e-10, so accepting a step below 0.1 moves the result by
  // < 6e-4 sigma for 99.9% of tracks (CDC sample of bench_tracking) and saves about a third of
  // the hit evaluations of a self-seeded fit.
  double tolerance = 0.1;
  bool annealing = true;             // deterministic annealing of left/right and outliers
  double start_temperature_factor = 30.0;  // T0 = factor * (seed's mean best-side chi2 per hit)
  double max_temperature = 1e5;      // the start temperature is capped here
  double anneal_factor = 0.1;        // T_{k+1} = anneal_factor * T_k, down to 1
  double outlier_chi2_cut = 16.0;    // chi2 of the outlier hypothesis (4 sigma)
  int max_retries = 2;               // re-anneal (slower; then from a RANSAC z seed) when hits
                                     // were rejected; the best robust chi2 wins
  bool multiple_scattering = false;  // full hit covariance with correlated scattering terms
  double radiation_length = 64000.0; // cm; He-C2H6 50:50, the Belle/Belle II CDC gas: X0 = 640 m
                                     // (Belle detector paper, NIM A479 (2002) 117, CDC section;
                                     // PDG atomic data give 636 m for the mixture)
  double mass = 0.13957039;          // GeV, the hypothesis for beta in the Highland formula (pi+)
};

/// Hit columns: N rows, point and direction row-major (N, 3).
struct WireHitColumns {
  const double* wire_point = nullptr;
  const double* wire_dir = nullptr;
  const double* drift = nullptr;
  const double* sigma = nullptr;
  std::size_t n_rows = 0;
};

/// Output buffers (the caller allocates): per track params (T,5), cov (T,5,5), chi2 (T),
/// ndf (T), converged (T), iterations (T); per hit weight (N) and lr_sign (N).
struct HelixFitOutput {
  double* params = nullptr;
  double* cov = nullptr;
  double* chi2 = nullptr;
  std::int64_t* ndf = nullptr;
  std::uint8_t* converged = nullptr;
  std::int32_t* iterations = nullptr;
  double* weight = nullptr;
  double* lr_sign = nullptr;
};

/// Circle + stereo seed of one track's hits (rows begin..end). Returns false (and NaNs) when
/// the hits cannot define a helix (fewer than 3 distinct wire positions).
bool seed_helix(const WireHitColumns& hits, std::size_t begin, std::size_t end, Helix* out);

/// Fit every track (rows offsets[t]..offsets[t+1]); `seed` (T*5) may be null. Deterministic for
/// any thread count (tracks are independent).
void fit_helices(const WireHitColumns& hits, const core::EventOffsets& tracks, const double* seed,
                 const HelixFitterOptions& options, const HelixFitOutput& out, int n_threads);

}  // namespace darkrecon::tracking
