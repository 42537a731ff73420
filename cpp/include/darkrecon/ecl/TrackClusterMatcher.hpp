// Track-cluster matching, geometry only: helices given by their perigee parameters at the origin
// (basf2 convention: d0, phi0, omega = q/R [1/cm], z0, tanLambda; a positive particle turns
// clockwise seen from +z in a field along +z) are extrapolated in the uniform solenoid field to
// the ECL front surface (barrel cylinder R = 125 cm, endcap planes z = +196 / -102 cm), moved
// `depth` cm further along their direction (the centroid of a charged deposit lies inside the
// crystals), projected back onto the front surface along the line of sight from the IP, and
// matched to the nearest cluster centroid (log-weighted, on the front faces) of the same event
// within `max_distance`.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "darkrecon/core/FlatEvents.hpp"

namespace darkrecon::ecl {

struct ECLSurface {
  double barrel_radius = 125.0;  ///< [cm] (DESIGN.md; basf2 ECL barrel inner radius)
  double forward_z = 196.0;      ///< [cm]
  double backward_z = -102.0;    ///< [cm]
};

struct TrackClusterMatcherOptions {
  ECLSurface surface;
  double depth = 10.0;         ///< [cm] along the track behind the front face
  double max_distance = 15.0;  ///< [cm] on the front surface
};

/// A helix at the ECL front surface.
struct ECLIntersection {
  int region = -1;  ///< 0 forward endcap, 1 barrel, 2 backward endcap, -1 not reached
  Eigen::Vector3d position = Eigen::Vector3d::Zero();
  Eigen::Vector3d direction = Eigen::Vector3d::Zero();  ///< unit
  double path_length = 0.0;  ///< 3D flight length from the perigee [cm]
};

/// Perigee parameters (d0, phi0, omega, z0, tanLambda).
using HelixParams = Eigen::Matrix<double, 5, 1>;

/// First intersection (s > 0) of the helix with the ECL front surface.
ECLIntersection extrapolate_to_ecl(const HelixParams& h, const ECLSurface& surface);

/// Point of the helix at transverse arc length s from the perigee, and its unit direction.
void helix_point(const HelixParams& h, double s, Eigen::Vector3d& pos, Eigen::Vector3d& dir);

/// Distance from the IP to the front surface along a unit direction.
double front_surface_distance(const Eigen::Vector3d& u, const ECLSurface& surface);

struct TrackColumns {
  const double* params = nullptr;  ///< n x 5, row-major
  std::size_t n_rows = 0;
};

struct ClusterPositionColumns {
  const double* x = nullptr;
  const double* y = nullptr;
  const double* z = nullptr;
  std::size_t n_rows = 0;
};

struct MatchResult {
  std::vector<std::int64_t> track_cluster;  ///< per track: global cluster row or -1
  std::vector<double> track_distance;       ///< per track: distance to the nearest cluster [cm] (inf if none)
  std::vector<std::int32_t> track_region;   ///< per track: ECLIntersection::region
  std::vector<double> track_point;          ///< per track: 3 (matching point on the front surface)
  std::vector<double> track_path;           ///< per track: path length to the front surface
  std::vector<std::int64_t> cluster_track;  ///< per cluster: closest matched track row or -1
};

/// Match every event's tracks to its clusters (events split over threads; deterministic).
MatchResult match_tracks_to_clusters(const TrackColumns& tracks, const core::EventOffsets& track_offsets,
                                     const ClusterPositionColumns& clusters,
                                     const core::EventOffsets& cluster_offsets,
                                     const TrackClusterMatcherOptions& options, int n_threads);

}  // namespace darkrecon::ecl
