#include "darkrecon/ecl/TrackClusterMatcher.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "darkrecon/core/Parallel.hpp"

namespace darkrecon::ecl {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

void helix_point(const HelixParams& h, double s, Eigen::Vector3d& pos, Eigen::Vector3d& dir) {
  const double d0 = h(0), phi0 = h(1), omega = h(2), z0 = h(3), tl = h(4);
  const double psi = omega * s;  // turning angle; phi(s) = phi0 - omega s (clockwise for q > 0)
  const double phi = phi0 - psi;
  // Chord from the perigee: length 2 sin(psi/2)/omega along phi0 - psi/2.
  double chord_over_s;
  if (std::abs(psi) < 1e-6) {
    chord_over_s = 1.0 - psi * psi / 24.0;
  } else {
    chord_over_s = 2.0 * std::sin(0.5 * psi) / psi;
  }
  const double chord = chord_over_s * s;
  const double a = phi0 - 0.5 * psi;
  pos = Eigen::Vector3d(d0 * std::sin(phi0) + chord * std::cos(a), -d0 * std::cos(phi0) + chord * std::sin(a),
                        z0 + tl * s);
  dir = Eigen::Vector3d(std::cos(phi), std::sin(phi), tl) / std::sqrt(1.0 + tl * tl);
}

double front_surface_distance(const Eigen::Vector3d& u, const ECLSurface& surface) {
  const double rt = std::hypot(u.x(), u.y());
  double best = kInf;
  if (rt > 0.0) best = surface.barrel_radius / rt;
  if (u.z() > 0.0) best = std::min(best, surface.forward_z / u.z());
  if (u.z() < 0.0) best = std::min(best, surface.backward_z / u.z());
  return best;
}

ECLIntersection extrapolate_to_ecl(const HelixParams& h, const ECLSurface& surface) {
  const double d0 = h(0), omega = h(2), z0 = h(3), tl = h(4);
  ECLIntersection out;
  // Barrel: |P(s)|^2 = d0^2 + (4/omega^2) sin^2(omega s / 2) (1 + omega d0).
  const double r = surface.barrel_radius;
  double s_r = kInf;
  if (std::abs(d0) < r) {
    if (std::abs(omega) < 1e-12) {
      s_r = std::sqrt(r * r - d0 * d0);
    } else {
      const double k = 1.0 + omega * d0;
      if (k > 0.0) {
        const double x = (r * r - d0 * d0) * omega * omega / (4.0 * k);
        if (x <= 1.0) s_r = 2.0 * std::asin(std::sqrt(x)) / std::abs(omega);
      }
    }
  }
  double s_z = kInf;
  if (tl > 0.0) s_z = (surface.forward_z - z0) / tl;
  if (tl < 0.0) s_z = (surface.backward_z - z0) / tl;
  if (!(s_z > 0.0)) s_z = kInf;
  double s = std::min(s_r, s_z);
  if (!std::isfinite(s)) return out;
  helix_point(h, s, out.position, out.direction);
  out.region = s_r <= s_z ? 1 : (tl > 0.0 ? 0 : 2);
  out.path_length = s * std::sqrt(1.0 + tl * tl);
  return out;
}

MatchResult match_tracks_to_clusters(const TrackColumns& tracks, const core::EventOffsets& track_offsets,
                                     const ClusterPositionColumns& clusters,
                                     const core::EventOffsets& cluster_offsets,
                                     const TrackClusterMatcherOptions& options, int n_threads) {
  if (track_offsets.n_events != cluster_offsets.n_events) {
    throw std::invalid_argument("track and cluster offsets describe different numbers of events");
  }
  MatchResult res;
  res.track_cluster.assign(tracks.n_rows, -1);
  res.track_distance.assign(tracks.n_rows, kInf);
  res.track_region.assign(tracks.n_rows, -1);
  res.track_point.assign(3 * tracks.n_rows, std::numeric_limits<double>::quiet_NaN());
  res.track_path.assign(tracks.n_rows, std::numeric_limits<double>::quiet_NaN());
  res.cluster_track.assign(clusters.n_rows, -1);
  core::parallel_for(track_offsets.n_events, n_threads, [&](std::size_t e0, std::size_t e1) {
    std::vector<double> best_dist;
    for (std::size_t ev = e0; ev < e1; ++ev) {
      const std::size_t c0 = cluster_offsets.begin(ev), c1 = cluster_offsets.end(ev);
      best_dist.assign(c1 - c0, kInf);
      for (std::size_t t = track_offsets.begin(ev); t < track_offsets.end(ev); ++t) {
        const HelixParams h = Eigen::Map<const HelixParams>(tracks.params + 5 * t);
        const ECLIntersection x = extrapolate_to_ecl(h, options.surface);
        res.track_region[t] = x.region;
        if (x.region < 0) continue;
        res.track_path[t] = x.path_length;
        // Matching point: `depth` behind the front face, projected back onto the surface.
        const Eigen::Vector3d deep = x.position + options.depth * x.direction;
        const Eigen::Vector3d u = deep.normalized();
        const Eigen::Vector3d p = front_surface_distance(u, options.surface) * u;
        for (int k = 0; k < 3; ++k) res.track_point[3 * t + static_cast<std::size_t>(k)] = p[k];
        double d_min = kInf;
        std::int64_t best = -1;
        for (std::size_t c = c0; c < c1; ++c) {
          const double d = (Eigen::Vector3d(clusters.x[c], clusters.y[c], clusters.z[c]) - p).norm();
          if (d < d_min) {
            d_min = d;
            best = static_cast<std::int64_t>(c);
          }
        }
        res.track_distance[t] = d_min;
        if (best >= 0 && d_min <= options.max_distance) {
          res.track_cluster[t] = best;
          const std::size_t bi = static_cast<std::size_t>(best) - c0;
          if (d_min < best_dist[bi]) {
            best_dist[bi] = d_min;
            res.cluster_track[static_cast<std::size_t>(best)] = static_cast<std::int64_t>(t);
          }
        }
      }
    }
  });
  return res;
}

}  // namespace darkrecon::ecl
