#include "darkrecon/tracking/TrackFinder.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <vector>

#include "darkrecon/core/Parallel.hpp"
#include "darkrecon/tracking/Helix.hpp"
#include "darkrecon/tracking/HelixFitter.hpp"
#include "darkrecon/tracking/detail/LegendreTransform.hpp"

namespace darkrecon::tracking {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSpeedOfLight = 29.9792458;  // cm/ns
constexpr double kOriginSigma = 0.02;          // cm, the interaction point in refit_circle

struct Hit {
  std::size_t row = 0;
  int layer = 0;
  int axial_index = -1;     // position in the axial list (the Legendre search), -1 for stereo
  bool axial = false;
  double x = 0.0, y = 0.0;  // axial: wire position
  Eigen::Vector3d a, d;     // backward end, unit direction
  double drift = 0.0, sigma = 0.0;
  double t0 = kNaN;         // hit time minus drift time (NaN without times)
  double z_lo = 0.0, z_hi = 0.0;
};

/// A circle in the transverse plane with the sense of motion along it: q = +1 clockwise.
struct Circle {
  double cx = 0.0, cy = 0.0, r = 1.0;
  int q = 1;

  double residual(double x, double y, double drift) const {
    const double dx = x - cx, dy = y - cy;
    return std::abs(std::sqrt(dx * dx + dy * dy) - r) - drift;
  }
};

/// A circle with its perigee direction, for the arc-length and half-turn questions of many hits.
struct CircleFrame {
  double cx, cy, r;
  int q;
  double ux, uy;  // unit vector centre -> perigee (the point nearest the origin)

  explicit CircleFrame(const Circle& c) : cx(c.cx), cy(c.cy), r(c.r), q(c.q) {
    const double cn = std::sqrt(cx * cx + cy * cy);
    ux = cn > 0.0 ? -cx / cn : 1.0;
    uy = cn > 0.0 ? -cy / cn : 0.0;
  }
  /// Transverse arc length from the perigee to the projection of (x, y), along the motion, in
  /// [0, 2 pi R).
  double arc_length(double x, double y) const {
    const double bx = x - cx, by = y - cy;
    const double alpha = std::atan2(ux * by - uy * bx, ux * bx + uy * by);  // counter-clockwise angle
    double s = -q * alpha * r;
    if (s < 0.0) s += 2.0 * kPi * r;
    return s;
  }
  /// arc_length(x, y) <= pi R (the outgoing half-turn), from the side of the centre-perigee
  /// line alone: a positive track turns clockwise, so its outgoing half-turn is at
  /// counter-clockwise angles alpha in [-pi, 0] from the perigee.
  bool outgoing(double x, double y) const {
    const double cross = ux * (y - cy) - uy * (x - cx);
    return q > 0 ? cross <= 0.0 : cross >= 0.0;
  }
};

/// Weighted algebraic (Kasa) circle fit to the drift-corrected points: each hit's point is its
/// wire moved by the drift distance towards the current circle. Coordinates are centred on the
/// hits' mean for conditioning. Returns false for a degenerate fit.
/// With origin_sigma > 0 the origin enters as one more point of that error (a track from the
/// interaction point): it fixes the curvature of short arcs (steep tracks that cross only the
/// inner superlayers), whose free fit extrapolates poorly to the stereo layers.
bool refit_circle(const std::vector<Hit>& hits, const std::vector<int>& ids, Circle& c, int iterations,
                  double origin_sigma = 0.0) {
  if (ids.size() < 3) return false;
  for (int it = 0; it < iterations; ++it) {
    double mx = 0.0, my = 0.0;
    for (int i : ids) {
      mx += hits[static_cast<std::size_t>(i)].x;
      my += hits[static_cast<std::size_t>(i)].y;
    }
    mx /= static_cast<double>(ids.size());
    my /= static_cast<double>(ids.size());
    Eigen::Matrix3d m = Eigen::Matrix3d::Zero();
    Eigen::Vector3d b = Eigen::Vector3d::Zero();
    for (int i : ids) {
      const Hit& h = hits[static_cast<std::size_t>(i)];
      double px = h.x, py = h.y;
      const double dx = px - c.cx, dy = py - c.cy;
      const double dist = std::sqrt(dx * dx + dy * dy);
      if (dist > 0.0) {
        const double sgn = dist < c.r ? 1.0 : -1.0;  // towards the circle
        px += sgn * h.drift * dx / dist;
        py += sgn * h.drift * dy / dist;
      }
      px -= mx;
      py -= my;
      const double w = 1.0 / (h.sigma * h.sigma);
      const Eigen::Vector3d row(px, py, 1.0);
      const double rhs = -(px * px + py * py);
      m += w * row * row.transpose();
      b += w * rhs * row;
    }
    if (origin_sigma > 0.0) {
      const double w = 1.0 / (origin_sigma * origin_sigma);
      const Eigen::Vector3d row(-mx, -my, 1.0);
      m += w * row * row.transpose();
      b += w * -(mx * mx + my * my) * row;
    }
    const Eigen::Vector3d sol = m.ldlt().solve(b);
    if (!sol.allFinite()) return false;
    const double cx = -0.5 * sol[0], cy = -0.5 * sol[1];
    const double r2 = cx * cx + cy * cy - sol[2];
    if (!(r2 > 0.0)) return false;
    c.cx = cx + mx;
    c.cy = cy + my;
    c.r = std::sqrt(r2);
  }
  return true;
}

struct Candidate {
  Circle circle;
  std::vector<int> axial, stereo, other_arm;
  double z0 = 0.0, tan_lambda = 0.0;
  Helix seed;
};

/// The tracks of a contiguous range of events (one parallel chunk), appended event by event;
/// the per-hit assignment goes straight into the result's columns.
struct ChunkOutput {
  std::size_t first_event = 0;
  std::vector<std::int64_t> n_tracks;  // per event of the chunk
  std::vector<double> params, seed, cov, chi2;
  std::vector<std::int64_t> ndf;
  std::vector<std::int32_t> n_hits, n_axial, n_stereo;
  std::vector<std::uint8_t> converged;
};

class EventFinder {
 public:
  EventFinder(const geometry::CDCGeometry& cdc, const TrackFinderOptions& opt)
      : cdc_(cdc),
        opt_(opt),
        tree_(0.5 * kCurvatureConstant * opt.bfield / opt.min_pt, opt.max_level) {
    r_close_ = cdc.r_max();
    fit_opt_ = opt.fitter;
    fit_opt_.bfield = opt.bfield;
  }

  /// Find the tracks of the event of rows [begin, end): appends them to `out`, writes the rows'
  /// assignment to hit_track[begin, end) and hit_arm[begin, end).
  void run(const CDCHitColumns& in, std::size_t begin, std::size_t end, ChunkOutput& out,
           std::int32_t* hit_track, std::int8_t* hit_arm) {
    load(in, begin, end);
    const std::size_t n = hits_.size();
    owner_.assign(n, -1);
    arm_.assign(n, 0);
    candidates_.clear();
    // Legendre pool: the axial hits (with a neighbour, if asked).
    active_.assign(axial_.size(), 1);
    if (opt_.min_neighbours > 0) mark_isolated(in, begin, end, active_);
    tree_.reset(conformal_, active_);
    for (int iter = 0; iter < 4 * opt_.max_tracks && static_cast<int>(candidates_.size()) < opt_.max_tracks;
         ++iter) {
      const detail::LegendreMaximum mx = tree_.next(opt_.min_axial_hits);
      if (mx.count < opt_.min_axial_hits) break;
      Candidate cand;
      const bool ok = build_candidate(mx, cand);
      if (!ok) {
        // blocked, not assigned: the hits of the arm that was tried. The other arm of the
        // Legendre circle stays in the search: a track of the opposite charge flying the
        // opposite way (the e+ e- of a Bhabha event, back to back in r-phi) lies on the same
        // circle through the origin and must not be lost with this one.
        const std::vector<int>& tried = tried_arm_.empty() ? mx.hits : tried_arm_;
        for (int k : tried) tree_.deactivate(k);
        continue;
      }
      const int id = static_cast<int>(candidates_.size());
      for (int i : cand.axial) take(i, id, 1);
      for (int i : cand.stereo) take(i, id, 1);
      for (int i : cand.other_arm) take(i, id, 2);
      for (const auto* list : {&cand.axial, &cand.other_arm}) {
        for (int i : *list) tree_.deactivate(hits_[static_cast<std::size_t>(i)].axial_index);
      }
      candidates_.push_back(std::move(cand));
    }
    fit_and_write(out, hit_track + begin, hit_arm + begin);
  }

 private:
  void take(int i, int id, std::int8_t arm) {
    owner_[static_cast<std::size_t>(i)] = id;
    arm_[static_cast<std::size_t>(i)] = arm;
  }

  void load(const CDCHitColumns& in, std::size_t begin, std::size_t end) {
    hits_.clear();
    axial_.clear();
    stereo_.clear();
    conformal_.clear();
    for (std::size_t row = begin; row < end; ++row) {
      Hit h;
      h.row = row;
      h.layer = in.layer[row];
      const geometry::CDCLayer& L = cdc_.layer(h.layer);
      h.axial = L.n_shift == 0;
      cdc_.wire_line(h.layer, in.wire[row], h.a, h.d);
      h.drift = in.drift[row];
      h.sigma = in.sigma[row];
      h.z_lo = L.z_backward;
      h.z_hi = L.z_forward;
      if (in.time) h.t0 = in.time[row] - h.drift / opt_.drift_velocity;
      h.x = h.a.x();
      h.y = h.a.y();
      const int idx = static_cast<int>(hits_.size());
      if (h.axial) {
        h.axial_index = static_cast<int>(axial_.size());
        axial_.push_back(idx);
        const double r2 = h.x * h.x + h.y * h.y;
        const double den = std::max(r2 - h.drift * h.drift, 1e-6);
        detail::ConformalHit c;
        c.u = h.x / den;
        c.v = h.y / den;
        c.r = h.drift / den;
        c.tol = opt_.legendre_tolerance / den;
        conformal_.push_back(c);
      } else {
        stereo_.push_back(idx);
      }
      hits_.push_back(h);
    }
  }

  /// Clears `active` for axial hits without a hit in a neighbouring cell: the same layer
  /// (wire +-1) or the adjacent layers of the same superlayer (wires w-1..w+1, which covers the
  /// half-cell stagger of consecutive layers; an adjacent layer without such a hit is bridged by
  /// the layer beyond it).
  void mark_isolated(const CDCHitColumns& in, std::size_t begin, std::size_t end, std::vector<char>& active) {
    if (occupied_.size() != static_cast<std::size_t>(cdc_.n_wires())) occupied_.assign(static_cast<std::size_t>(cdc_.n_wires()), 0);
    for (std::size_t row = begin; row < end; ++row) {
      occupied_[static_cast<std::size_t>(cdc_.first_wire(in.layer[row]) + in.wire[row])] = 1;
    }
    auto has = [&](int layer, int wire) {
      const int n = cdc_.n_cells(layer);
      wire = (wire % n + n) % n;
      return occupied_[static_cast<std::size_t>(cdc_.first_wire(layer) + wire)] != 0;
    };
    for (std::size_t k = 0; k < axial_.size(); ++k) {
      const Hit& h = hits_[static_cast<std::size_t>(axial_[k])];
      const int l = h.layer, w = in.wire[h.row];
      const int sl = cdc_.layer(l).superlayer;
      int found = (has(l, w - 1) ? 1 : 0) + (has(l, w + 1) ? 1 : 0);
      int layers = 0;
      auto in_sl = [&](int l2) { return l2 >= 0 && l2 < cdc_.n_layers() && cdc_.layer(l2).superlayer == sl; };
      for (int dl = -1; dl <= 1; dl += 2) {
        const int l2 = l + dl;
        if (!in_sl(l2)) continue;
        ++layers;
        // the adjacent layer, or (across one inefficient cell) the next one: a track crossing
        // only part of the chamber (steep tracks leave through an endplate after the first
        // superlayers) must not lose two hits' activation to one missing hit
        const bool next = has(l2, w - 1) || has(l2, w) || has(l2, w + 1);
        const int l3 = l2 + dl;
        found += (next || (in_sl(l3) && (has(l3, w - 1) || has(l3, w) || has(l3, w + 1)))) ? 1 : 0;
      }
      // a hit inside a superlayer needs neighbours on both sides, one at its edge needs one
      const int need = std::min(opt_.min_neighbours, std::max(layers, 1));
      if (found < need) active[k] = 0;
    }
    for (std::size_t row = begin; row < end; ++row) {
      occupied_[static_cast<std::size_t>(cdc_.first_wire(in.layer[row]) + in.wire[row])] = 0;
    }
  }

  bool free_hit(int i) const { return owner_[static_cast<std::size_t>(i)] == -1; }

  /// Free axial hits within assign_distance of the circle, on the outgoing arm (arm = 1) or the
  /// other half-turn (arm = 2).
  void collect_axial(const Circle& c, int arm, std::vector<int>& out, double distance = -1.0) const {
    out.clear();
    if (distance < 0.0) distance = opt_.assign_distance;
    const CircleFrame f(c);
    for (int i : axial_) {
      if (!free_hit(i)) continue;
      const Hit& h = hits_[static_cast<std::size_t>(i)];
      if (std::abs(c.residual(h.x, h.y, h.drift)) > distance) continue;
      if (arm == 0 || (arm == 1) == f.outgoing(h.x, h.y)) out.push_back(i);
    }
  }

  bool build_candidate(const detail::LegendreMaximum& mx, Candidate& cand) {
    // Circle of the Legendre maximum: centre (cos theta, sin theta) / (2 rho).
    double rho = mx.rho;
    const double rho_min = 1e-6;
    if (std::abs(rho) < rho_min) rho = rho < 0.0 ? -rho_min : rho_min;
    Circle c;
    c.cx = std::cos(mx.theta) / (2.0 * rho);
    c.cy = std::sin(mx.theta) / (2.0 * rho);
    c.r = 1.0 / (2.0 * std::abs(rho));
    // Arms: cross(c, p) > 0 is the outgoing half-turn of a positive (clockwise) track.
    std::vector<int>& plus = plus_;
    std::vector<int>& minus = minus_;
    plus.clear();
    minus.clear();
    double t_plus = 0.0, t_minus = 0.0;
    for (int k : mx.hits) {
      const int i = axial_[static_cast<std::size_t>(k)];
      const Hit& h = hits_[static_cast<std::size_t>(i)];
      if (c.cx * h.y - c.cy * h.x > 0.0) {
        plus.push_back(i);
        t_plus += h.t0;
      } else {
        minus.push_back(i);
        t_minus += h.t0;
      }
    }
    const bool closes = std::sqrt(c.cx * c.cx + c.cy * c.cy) + c.r < r_close_;
    int q = plus.size() >= minus.size() ? 1 : -1;
    const auto min_arm = static_cast<std::size_t>(std::max(3, opt_.min_axial_hits / 2));
    if (closes && plus.size() >= min_arm && minus.size() >= min_arm) {
      const double mp = t_plus / static_cast<double>(plus.size());
      const double mm = t_minus / static_cast<double>(minus.size());
      if (std::isfinite(mp) && std::isfinite(mm)) q = mp <= mm ? 1 : -1;
    }
    c.q = q;
    tried_arm_.clear();
    std::vector<int>& ids = ids_;
    ids = q > 0 ? plus : minus;
    tried_arm_.clear();
    const bool other_arm_is_a_track =
        static_cast<int>((q > 0 ? minus : plus).size()) >= opt_.min_axial_hits;
    if (other_arm_is_a_track) {
      for (int i : ids) tried_arm_.push_back(hits_[static_cast<std::size_t>(i)].axial_index);
    }
    if (static_cast<int>(ids.size()) < 3) return false;
    if (!refit_circle(hits_, ids, c, 3)) return false;
    for (int pass = 0; pass < 2; ++pass) {
      collect_axial(c, 1, ids);
      if (static_cast<int>(ids.size()) < opt_.min_axial_hits) return false;
      Circle trial = c;
      if (!refit_circle(hits_, ids, trial, 2)) return false;
      c = trial;
    }
    collect_axial(c, 1, cand.axial);
    if (static_cast<int>(cand.axial.size()) < opt_.min_axial_hits) return false;
    cand.circle = c;
    if (!find_stereo(cand)) {
      // a short arc: retry with the circle through the interaction point
      Circle through = c;
      if (!refit_circle(hits_, cand.axial, through, 2, kOriginSigma)) return false;
      cand.circle = through;
      if (!find_stereo(cand)) return false;
    }
    if (!in_time(cand)) return false;
    if (std::sqrt(c.cx * c.cx + c.cy * c.cy) + c.r < r_close_) {
      // a curler: its other arm and later turns (displaced by scattering and energy loss) join
      // the track unfitted, so that they neither seed new candidates nor cost more searches
      for (int i : cand.axial) owner_[static_cast<std::size_t>(i)] = -2;  // not free meanwhile
      collect_axial(c, 0, cand.other_arm, opt_.curler_distance);
      for (int i : cand.axial) owner_[static_cast<std::size_t>(i)] = -1;
    }
    make_seed(cand);
    return true;
  }

  /// With hit times: the hits of a track from the collision at t = 0 have time - drift time =
  /// time of flight ~ s sqrt(1 + tanLambda^2) / c; a later turn of a curler (or an out-of-time
  /// track) is late. The median over the hits, not the mean: one out-of-time background hit
  /// picked up by the circle (tens of ns late) would otherwise move a 15-hit track past
  /// max_time_offset (the single-hit spread is ~3 ns).
  bool in_time(const Candidate& cand) {
    const double path = std::sqrt(1.0 + cand.tan_lambda * cand.tan_lambda) / kSpeedOfLight;
    const CircleFrame f(cand.circle);
    std::vector<double>& dt = time_scratch_;
    dt.clear();
    for (int i : cand.axial) {
      const Hit& h = hits_[static_cast<std::size_t>(i)];
      if (!std::isfinite(h.t0)) continue;
      dt.push_back(h.t0 - f.arc_length(h.x, h.y) * path);
    }
    if (dt.empty()) return true;
    const auto mid = dt.begin() + static_cast<std::ptrdiff_t>(dt.size() / 2);
    std::nth_element(dt.begin(), mid, dt.end());
    double median = *mid;
    if (dt.size() % 2 == 0) median = 0.5 * (median + *std::max_element(dt.begin(), mid));
    return median <= opt_.max_time_offset;
  }

  /// z where a stereo wire, displaced by +-drift, meets the circle; with the arc length there.
  struct ZCandidate {
    double s, z;
  };
  int z_candidates(const Hit& h, const CircleFrame& c, ZCandidate* out) const {
    const double dz = h.d.z();
    if (std::abs(dz) < 1e-9) return 0;
    const double kx = h.d.x() / dz, ky = h.d.y() / dz;
    const double gx = h.a.x() - h.a.z() * kx - c.cx, gy = h.a.y() - h.a.z() * ky - c.cy;
    const double qa = kx * kx + ky * ky;
    const double qb = 2.0 * (gx * kx + gy * ky);
    const double half = kPi * c.r;
    const double margin = 2.0 * opt_.z_tolerance;
    int n = 0;
    for (int sign = -1; sign <= 1; sign += 2) {
      const double rr = c.r + sign * h.drift;
      if (rr <= 0.0) continue;
      const double qc = gx * gx + gy * gy - rr * rr;
      const double disc = qb * qb - 4.0 * qa * qc;
      if (disc < 0.0) continue;
      const double sq = std::sqrt(disc);
      for (int root = -1; root <= 1; root += 2) {
        const double z = (-qb + root * sq) / (2.0 * qa);
        if (z < h.z_lo - margin || z > h.z_hi + margin) continue;
        const double x = h.a.x() + (z - h.a.z()) * kx, y = h.a.y() + (z - h.a.z()) * ky;
        const double s = c.arc_length(x, y);
        if (s > half) continue;
        out[n++] = {s, z};
      }
    }
    return n;
  }

  bool find_stereo(Candidate& cand) {
    const CircleFrame c(cand.circle);
    entries_.clear();
    for (int i : stereo_) {
      if (!free_hit(i)) continue;
      ZEntry e;
      e.hit = i;
      e.n = z_candidates(hits_[static_cast<std::size_t>(i)], c, e.zc);
      if (e.n > 0) entries_.push_back(e);
    }
    if (static_cast<int>(entries_.size()) < opt_.min_stereo_hits) return false;
    // Hough histogram in (tanLambda, z0): a candidate (s, z) fills the z0 bins of
    // [z - tanL s - tol, z - tanL s + tol] for tanL over each tanL bin.
    const double tol = 0.5 * opt_.z_tolerance;
    const double z_bin = opt_.z_tolerance;
    const int nz = std::max(1, static_cast<int>(std::ceil(2.0 * opt_.z0_max / z_bin)));
    const double t_bin = 0.02;
    const int nt = std::max(1, static_cast<int>(std::ceil((opt_.tan_lambda_max - opt_.tan_lambda_min) / t_bin)));
    const std::size_t cells = static_cast<std::size_t>(nt) * static_cast<std::size_t>(nz);
    hough_count_.assign(cells, 0);
    hough_last_.assign(cells, -1);
    std::size_t best = 0;  // the first cell with the most hits
    int best_count = 0;
    const double inv_z_bin = 1.0 / z_bin;
    for (std::size_t e = 0; e < entries_.size(); ++e) {
      const ZEntry& en = entries_[e];
      for (int k = 0; k < en.n; ++k) {
        const double s = en.zc[k].s, z = en.zc[k].z;
        // only the tanL bins whose lines reach |z0| <= z0_max (+ tol) from this point
        int it_lo = 0, it_hi = nt - 1;
        if (s > 1e-6) {
          const double t_lo = (z - opt_.z0_max - tol) / s, t_hi = (z + opt_.z0_max + tol) / s;
          it_lo = std::max(0, static_cast<int>(std::floor((t_lo - opt_.tan_lambda_min) / t_bin)));
          it_hi = std::min(nt - 1, static_cast<int>(std::floor((t_hi - opt_.tan_lambda_min) / t_bin)));
        }
        // z0 in [z - t1 s - tol, z - t0 s + tol] over the tanL bin [t0, t1], in units of z bins
        // from -z0_max
        const double base_lo = (z - tol + opt_.z0_max) * inv_z_bin, base_hi = (z + tol + opt_.z0_max) * inv_z_bin;
        const double slope = s * inv_z_bin;
        for (int it = it_lo; it <= it_hi; ++it) {
          const double t0 = opt_.tan_lambda_min + it * t_bin, t1 = t0 + t_bin;
          // z0 bins floor(x_lo)..floor(x_hi) clipped to [0, nz): truncation is the floor there
          const double x_lo = base_lo - t1 * slope, x_hi = base_hi - t0 * slope;
          if (x_hi < 0.0 || x_lo >= nz) continue;
          const int b0 = x_lo < 0.0 ? 0 : static_cast<int>(x_lo);
          const int b1 = x_hi >= nz ? nz - 1 : static_cast<int>(x_hi);
          for (int b = b0; b <= b1; ++b) {
            const std::size_t cell = static_cast<std::size_t>(it) * static_cast<std::size_t>(nz) + static_cast<std::size_t>(b);
            if (hough_last_[cell] != static_cast<int>(e)) {
              hough_last_[cell] = static_cast<int>(e);
              const int count = ++hough_count_[cell];
              if (count > best_count || (count == best_count && cell < best)) {
                best = cell;
                best_count = count;
              }
            }
          }
        }
      }
    }
    if (best_count < opt_.min_stereo_hits) return false;
    double tl = opt_.tan_lambda_min + (static_cast<double>(best / static_cast<std::size_t>(nz)) + 0.5) * t_bin;
    double z0 = -opt_.z0_max + (static_cast<double>(best % static_cast<std::size_t>(nz)) + 0.5) * z_bin;
    // Straight-line fit z = z0 + tanL s, each hit's nearest candidate, re-associated per pass.
    std::vector<int>& picked = cand.stereo;
    for (int pass = 0; pass < 3; ++pass) {
      const double cut = pass == 0 ? opt_.z_tolerance + z_bin : opt_.z_tolerance;
      double sw = 0, ss = 0, sz = 0, sss = 0, ssz = 0;
      picked.clear();
      for (const ZEntry& en : entries_) {
        int kb = -1;
        double rb = cut;
        for (int k = 0; k < en.n; ++k) {
          const double r = std::abs(en.zc[k].z - (z0 + tl * en.zc[k].s));
          if (r < rb) {
            rb = r;
            kb = k;
          }
        }
        if (kb < 0) continue;
        picked.push_back(en.hit);
        const double s = en.zc[kb].s, z = en.zc[kb].z;
        sw += 1;
        ss += s;
        sz += z;
        sss += s * s;
        ssz += s * z;
      }
      if (static_cast<int>(picked.size()) < opt_.min_stereo_hits) return false;
      const double det = sw * sss - ss * ss;
      if (!(det > 1e-9 * sw * sss)) break;
      tl = (sw * ssz - ss * sz) / det;
      z0 = (sz - tl * ss) / sw;
    }
    cand.z0 = z0;
    cand.tan_lambda = tl;
    return static_cast<int>(picked.size()) >= opt_.min_stereo_hits;
  }

  void make_seed(Candidate& cand) const {
    const Circle& c = cand.circle;
    const double cn = std::hypot(c.cx, c.cy);
    const double ux = cn > 0.0 ? -c.cx / cn : 1.0, uy = cn > 0.0 ? -c.cy / cn : 0.0;
    const double px = c.cx + c.r * ux, py = c.cy + c.r * uy;  // perigee
    // velocity: clockwise (q > 0) -> rotate (p - c) by -90 degrees
    const double rx = px - c.cx, ry = py - c.cy;
    const double vx = c.q > 0 ? ry : -ry, vy = c.q > 0 ? -rx : rx;
    const double phi0 = std::atan2(vy, vx);
    const double d0 = (px * vy - py * vx) / c.r;
    cand.seed = Helix(d0, phi0, c.q / c.r, cand.z0, cand.tan_lambda);
  }

  void fit_and_write(ChunkOutput& out, std::int32_t* track, std::int8_t* arm) {
    const std::size_t n = hits_.size();
    const std::size_t nc = candidates_.size();
    // Hits of every candidate, axial then stereo (the fitter sorts by arc length itself).
    wp_.clear();
    wd_.clear();
    dr_.clear();
    sg_.clear();
    offs_.assign(1, 0);
    seeds_.clear();
    for (const Candidate& cand : candidates_) {
      for (const auto* list : {&cand.axial, &cand.stereo}) {
        for (int i : *list) {
          const Hit& h = hits_[static_cast<std::size_t>(i)];
          for (int k = 0; k < 3; ++k) {
            wp_.push_back(h.a[k]);
            wd_.push_back(h.d[k]);
          }
          dr_.push_back(h.drift);
          sg_.push_back(h.sigma);
        }
      }
      offs_.push_back(static_cast<std::int64_t>(dr_.size()));
      const HelixParams p = cand.seed.params();
      for (int k = 0; k < 5; ++k) seeds_.push_back(p[k]);
    }
    const std::size_t nh = dr_.size();
    f_params_.assign(5 * nc, kNaN);
    f_cov_.assign(25 * nc, kNaN);
    f_chi2_.assign(nc, kNaN);
    f_ndf_.assign(nc, 0);
    f_conv_.assign(nc, 0);
    f_iter_.assign(nc, 0);
    f_weight_.assign(nh, 1.0);
    f_lr_.assign(nh, 0.0);
    if (opt_.fit && nc > 0) {
      const WireHitColumns cols{wp_.data(), wd_.data(), dr_.data(), sg_.data(), nh};
      const core::EventOffsets toffs{offs_.data(), nc};
      const HelixFitOutput fo{f_params_.data(), f_cov_.data(), f_chi2_.data(), f_ndf_.data(),
                              f_conv_.data(), f_iter_.data(), f_weight_.data(), f_lr_.data()};
      fit_helices(cols, toffs, seeds_.data(), fit_opt_, fo, 1);
    }
    // Keep the candidates with a good fit; number them in order.
    std::vector<int>& new_id = new_id_;
    new_id.assign(nc, -1);
    int kept = 0;
    for (std::size_t t = 0; t < nc; ++t) {
      bool good = true;
      if (opt_.fit) {
        const double chi2_ndf = f_ndf_[t] > 0 ? f_chi2_[t] / static_cast<double>(f_ndf_[t]) : kNaN;
        good = f_conv_[t] != 0 && std::isfinite(chi2_ndf) && chi2_ndf <= opt_.max_chi2_ndf &&
               std::abs(f_params_[5 * t]) <= opt_.max_d0 && std::abs(f_params_[5 * t + 3]) <= opt_.max_z0;
      }
      if (!good) continue;
      new_id[t] = kept++;
      const Candidate& cand = candidates_[t];
      const HelixParams sp = cand.seed.params();
      for (int k = 0; k < 5; ++k) {
        out.seed.push_back(sp[k]);
        out.params.push_back(opt_.fit ? f_params_[5 * t + static_cast<std::size_t>(k)] : sp[k]);
      }
      for (int k = 0; k < 25; ++k) out.cov.push_back(f_cov_[25 * t + static_cast<std::size_t>(k)]);
      out.chi2.push_back(f_chi2_[t]);
      out.ndf.push_back(f_ndf_[t]);
      out.converged.push_back(f_conv_[t]);
      int used = 0;
      for (auto j = static_cast<std::size_t>(offs_[t]); j < static_cast<std::size_t>(offs_[t + 1]); ++j) {
        used += f_weight_[j] > 0.5 ? 1 : 0;
      }
      out.n_hits.push_back(opt_.fit ? used : static_cast<std::int32_t>(offs_[t + 1] - offs_[t]));
      out.n_axial.push_back(static_cast<std::int32_t>(cand.axial.size()));
      out.n_stereo.push_back(static_cast<std::int32_t>(cand.stereo.size()));
    }
    out.n_tracks.push_back(kept);
    // Per-hit assignment: fitted hits the fit rejected are unassigned.
    std::fill(track, track + n, -1);
    std::fill(arm, arm + n, std::int8_t{0});
    for (std::size_t t = 0; t < nc; ++t) {
      if (new_id[t] < 0) continue;
      const Candidate& cand = candidates_[t];
      std::size_t j = static_cast<std::size_t>(offs_[t]);
      for (const auto* list : {&cand.axial, &cand.stereo}) {
        for (int i : *list) {
          if (!opt_.fit || f_weight_[j] > 0.5) {
            track[static_cast<std::size_t>(i)] = new_id[t];
            arm[static_cast<std::size_t>(i)] = 1;
          }
          ++j;
        }
      }
      for (int i : cand.other_arm) {
        track[static_cast<std::size_t>(i)] = new_id[t];
        arm[static_cast<std::size_t>(i)] = 2;
      }
    }
  }

  const geometry::CDCGeometry& cdc_;
  const TrackFinderOptions& opt_;
  detail::LegendreQuadTree tree_;
  HelixFitterOptions fit_opt_;
  double r_close_ = 0.0;
  std::vector<Hit> hits_;
  std::vector<int> axial_, stereo_;
  std::vector<detail::ConformalHit> conformal_;
  std::vector<char> active_;
  std::vector<int> plus_, minus_, ids_;  // scratch of build_candidate
  std::vector<double> time_scratch_;  // scratch of in_time
  std::vector<int> tried_arm_;  // axial indices of the arm build_candidate tried (if the other
                                // arm could be a track), else empty
  std::vector<int> owner_;
  std::vector<char> occupied_;
  std::vector<std::int8_t> arm_;
  std::vector<Candidate> candidates_;
  struct ZEntry {
    int hit;
    int n;
    ZCandidate zc[4];
  };
  std::vector<ZEntry> entries_;
  std::vector<int> hough_count_, hough_last_;
  std::vector<double> wp_, wd_, dr_, sg_, seeds_;
  std::vector<std::int64_t> offs_;
  std::vector<double> f_params_, f_cov_, f_chi2_, f_weight_, f_lr_;
  std::vector<std::int64_t> f_ndf_;
  std::vector<std::uint8_t> f_conv_;
  std::vector<std::int32_t> f_iter_;
  std::vector<int> new_id_;
};

}  // namespace

TrackFinderResult find_tracks(const geometry::CDCGeometry& cdc, const CDCHitColumns& hits,
                              const core::EventOffsets& events, const TrackFinderOptions& options,
                              int n_threads) {
  const std::size_t ne = events.n_events;
  TrackFinderResult r;
  r.hit_track.resize(hits.n_rows);
  r.hit_arm.resize(hits.n_rows);
  std::vector<ChunkOutput> chunks;
  std::mutex chunks_mutex;
  core::parallel_for(ne, n_threads, [&](std::size_t b, std::size_t e) {
    ChunkOutput out;
    out.first_event = b;
    EventFinder finder(cdc, options);
    for (std::size_t ev = b; ev < e; ++ev) {
      finder.run(hits, events.begin(ev), events.end(ev), out, r.hit_track.data(), r.hit_arm.data());
    }
    const std::lock_guard<std::mutex> lock(chunks_mutex);
    chunks.push_back(std::move(out));
  });
  std::sort(chunks.begin(), chunks.end(),
            [](const ChunkOutput& a, const ChunkOutput& b) { return a.first_event < b.first_event; });
  r.track_offsets.assign(1, 0);
  r.track_offsets.reserve(ne + 1);
  for (ChunkOutput& o : chunks) {
    for (std::int64_t n : o.n_tracks) r.track_offsets.push_back(r.track_offsets.back() + n);
    r.params.insert(r.params.end(), o.params.begin(), o.params.end());
    r.seed.insert(r.seed.end(), o.seed.begin(), o.seed.end());
    r.cov.insert(r.cov.end(), o.cov.begin(), o.cov.end());
    r.chi2.insert(r.chi2.end(), o.chi2.begin(), o.chi2.end());
    r.ndf.insert(r.ndf.end(), o.ndf.begin(), o.ndf.end());
    r.n_hits.insert(r.n_hits.end(), o.n_hits.begin(), o.n_hits.end());
    r.n_axial.insert(r.n_axial.end(), o.n_axial.begin(), o.n_axial.end());
    r.n_stereo.insert(r.n_stereo.end(), o.n_stereo.begin(), o.n_stereo.end());
    r.converged.insert(r.converged.end(), o.converged.begin(), o.converged.end());
    o = ChunkOutput();
  }
  return r;
}

}  // namespace darkrecon::tracking
