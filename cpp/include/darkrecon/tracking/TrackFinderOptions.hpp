// Options of the CDC track finder (TrackFinder.hpp). Lengths in cm, momenta in GeV.
#pragma once

#include "darkrecon/tracking/HelixFitter.hpp"

namespace darkrecon::tracking {

struct TrackFinderOptions {
  double bfield = 1.5;              ///< tesla along +z
  // --- r-phi: Legendre transform of the axial drift circles with a quad-tree search ---------
  double min_pt = 0.07;             ///< lowest pT searched (sets the curvature range) [GeV]
  int max_level = 12;               ///< quad-tree depth: 2^max_level bins in theta and in rho
  double legendre_tolerance = 0.08; ///< a drift circle belongs to a line within this (cm, real space)
  int min_neighbours = 2;           ///< axial hits enter the Legendre search only with this many
                                    ///< occupied neighbouring cells (same layer, or the adjacent
                                    ///< layers of the superlayer, or the next layer across one
                                    ///< empty cell; at most as many as there are adjacent
                                    ///< layers): isolated beam background does not seed tracks
                                    ///< (0: every hit)
  int min_axial_hits = 7;           ///< fewest hits in the Legendre maximum to start a candidate
  double assign_distance = 0.12;    ///< axial hit to circle: | |p - c| - R| - drift| below this (cm)
  int max_tracks = 20;              ///< per event
  // --- stereo hits: z where each stereo wire meets the circle, then a Hough in (tanL, z0) ----
  int min_stereo_hits = 4;
  double z0_max = 6.0;              ///< |z0| searched (cm)
  double tan_lambda_min = -2.0;     ///< cot(153 deg)
  double tan_lambda_max = 3.5;      ///< cot(16 deg)
  double z_tolerance = 2.0;         ///< stereo hit to the z(s) line, Hough cell and association (cm)
  // --- curlers: the incoming arm of a circle that closes inside the chamber is attached to its
  // track (not fitted); the outgoing arm is the earlier one when hit times are given ----------
  double curler_distance = 0.4;     ///< axial hits this close (cm) to a curler's circle, off its
                                    ///< fitted arm, are its other arm and later turns
  double drift_velocity = 4.0e-3;   ///< cm/ns, converts drift distance to drift time
  double max_time_offset = 3.0;     ///< with hit times: a candidate whose median (time - drift
                                    ///< time - s / c) exceeds this [ns] is a later turn of a curler
                                    ///< (or out of time) and is dropped
  // --- tracks from the interaction point --------------------------------------------------
  double max_d0 = 2.0;              ///< |d0| of the fitted track [cm]
  double max_z0 = 4.0;              ///< |z0| of the fitted track [cm]
  // --- fit ------------------------------------------------------------------------------------
  bool fit = true;                  ///< run the helix fitter on every candidate
  double max_chi2_ndf = 20.0;       ///< candidates whose fit is worse (or not converged) are dropped
  HelixFitterOptions fitter = default_fitter();  ///< the helix fit (its bfield is set from bfield)

  /// The fitter's defaults, without retries: the finder's seed (drift-corrected circle, z line)
  /// is already close, and a retry triples the cost of a fit with rejected hits.
  static HelixFitterOptions default_fitter() {
    HelixFitterOptions f;
    f.max_retries = 0;
    return f;
  }
};

}  // namespace darkrecon::tracking
