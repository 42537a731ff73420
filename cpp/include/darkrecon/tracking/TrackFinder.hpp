// Track finding in the Belle II CDC: whole events of drift-chamber hits in, helix tracks and the
// hit-to-track assignment out.
//
// The algorithm follows the Legendre track finder of the Belle II CDC software (O. Frost, "A
// Local Tracking Algorithm for the Central Drift Chamber of Belle II", KIT thesis 2013; the
// basf2 tracking/trackFindingCDC Legendre finder), with the Legendre transform of drift circles
// of T. Alexopoulos et al., Nucl. Instrum. Meth. A 592 (2008) 456:
//
//  1. Axial hits (n_shift == 0) are drift circles around their wire in the transverse plane.
//     The conformal map (u, v) = (x, y) / (x^2 + y^2) takes circles through the origin to
//     straight lines u cos(theta) + v sin(theta) = rho, with rho = 1 / (2R) and the circle's
//     centre at (cos theta, sin theta) / (2 rho); a drift circle of centre p and radius d maps to
//     a circle of centre p / (|p|^2 - d^2) and radius d / (|p|^2 - d^2). The lines tangent to it
//     are the two sinusoids rho(theta) = u cos(theta) + v sin(theta) +- r (Legendre transform).
//  2. A quad tree over theta in [0, pi), rho in [-rho_max, rho_max] (rho_max from min_pt) keeps,
//     per box, the hits whose sinusoids cross it; best-first refinement to max_level gives the
//     box crossed by most hits (the global maximum; the counts only fall with refinement).
//  3. The candidate circle is refitted (algebraic circle fit to the drift-corrected points,
//     iterated, d0 free), the axial hits of the pool within assign_distance of it on the
//     outgoing arm (the half-turn from the origin to the apex) are collected, refit, collected
//     again; the hits are removed from the pool and the search continues (the same best-first
//     queue, boxes recounted lazily) until no box holds min_axial_hits hits. Only axial hits
//     with min_neighbours occupied neighbouring cells seed the search (isolated beam-background
//     hits do not; they can still be collected by a track). A layer with no hit next to the
//     wire is bridged by the layer beyond it (one inefficient cell does not deactivate its two
//     neighbours: steep tracks that cross only superlayers 0-2 need all their hits).
//     When the stereo search fails for the free circle of a short arc, it is retried with the
//     circle constrained through the origin. When a Legendre maximum fails, only the hits of
//     the arm that was tried leave the search: a track of the opposite charge flying the
//     opposite way (e+ e- back to back) lies on the same circle and is searched again.
//     Circles closing inside the chamber (curlers) also take the axial hits within
//     curler_distance of the circle off the fitted arm (the incoming arm and later turns),
//     assigned to the track but not fitted; when both arms are in the Legendre maximum, the
//     outgoing arm is the earlier one (hit time minus drift time), else the one with more hits.
//     With hit times, a candidate whose hits are late with respect to the time of flight from
//     the collision (median over its axial hits of t - drift time - path / c above
//     max_time_offset: robust to an out-of-time background hit on the circle) is a later turn
//     of a curler and is dropped.
//  4. Stereo hits: for every stereo wire, the z where it meets the circle displaced by +-drift
//     (two candidates per hit; a stereo wire moves in azimuth with z), and the arc length s of
//     that point; a Hough histogram in (tanLambda, z0) of the lines z = z0 + tanLambda s picks
//     the hits of the track, a straight-line fit (each hit's nearer candidate) gives the seed.
//  5. The helix fitter (HelixFitter.hpp) fits each candidate from that seed; candidates with
//     too few hits, no convergence, chi2/ndf above max_chi2_ndf or a perigee outside the
//     interaction region (|d0| > max_d0, |z0| > max_z0) are dropped (their hits stay
//     unassigned). Hits the fit rejects as outliers are unassigned.
//
// Events are independent and processed in parallel; the output does not depend on the number
// of threads.
#pragma once

#include <cstdint>
#include <vector>

#include "darkrecon/core/FlatEvents.hpp"
#include "darkrecon/geometry/CDCGeometry.hpp"
#include "darkrecon/tracking/TrackFinderOptions.hpp"

namespace darkrecon::tracking {

/// CDC hits of a batch of events (flat columns, N rows). `time` may be null.
struct CDCHitColumns {
  const std::int32_t* layer = nullptr;
  const std::int32_t* wire = nullptr;
  const double* drift = nullptr;
  const double* sigma = nullptr;
  const double* time = nullptr;
  std::size_t n_rows = 0;
};

/// Found tracks of a batch, in event order (event e owns tracks track_offsets[e]..[e+1]).
struct TrackFinderResult {
  std::vector<std::int32_t> hit_track;     ///< per hit: track index within its event, or -1
  std::vector<std::int8_t> hit_arm;        ///< per hit: 1 fitted (outgoing arm), 2 other arm, 0
  std::vector<std::int64_t> track_offsets; ///< n_events + 1
  std::vector<double> params;              ///< T x 5 fitted perigee parameters
  std::vector<double> seed;                ///< T x 5 finder seeds
  std::vector<double> cov;                 ///< T x 25
  std::vector<double> chi2;
  std::vector<std::int64_t> ndf;
  std::vector<std::int32_t> n_hits;        ///< hits kept by the fit
  std::vector<std::int32_t> n_axial, n_stereo;  ///< hits given to the fit
  std::vector<std::uint8_t> converged;
};

/// Find (and fit) the tracks of every event.
TrackFinderResult find_tracks(const geometry::CDCGeometry& cdc, const CDCHitColumns& hits,
                              const core::EventOffsets& events, const TrackFinderOptions& options,
                              int n_threads);

}  // namespace darkrecon::tracking
