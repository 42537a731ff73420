#include "darkrecon/ecl/ClusterFinder.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "darkrecon/core/Parallel.hpp"

namespace darkrecon::ecl {
namespace {

constexpr double kTwoPi = 6.283185307179586;
constexpr double kSpeedOfLight = 29.9792458;  // [cm/ns]
/// Reference distance r0 of the lateral moment: the typical distance between crystal centres
/// (Drescher et al. 1985; 5 cm in basf2's eclClusterProperties).
constexpr double kLateralR0 = 5.0;

/// One shower of an event before sorting and output.
struct Shower {
  double energy = 0, energy_raw = 0, theta = 0, phi = 0, time = 0;
  Eigen::Vector3d x = Eigen::Vector3d::Zero();
  double e1_e9 = 0, e9_e21 = 0, lateral = 0;
  double sig_e = 0, sig_theta = 0, sig_phi = 0;
  std::int32_t n_crystals = 0, seed_cell = 0, region = 0, n_showers = 0, n_iterations = 0;
  std::size_t member_begin = 0, member_end = 0;  // into Worker::members_
};

}  // namespace

ClusterFinder::ClusterFinder(const geometry::ECLGeometry& g) : n_cells_(g.n_cells()) {
  cells_.resize(static_cast<std::size_t>(n_cells_));
  n20_lists_.resize(static_cast<std::size_t>(n_cells_));
  for (int c = 1; c <= n_cells_; ++c) {
    Cell& cell = cells_[static_cast<std::size_t>(c - 1)];
    cell.pos = g.front_center(c);
    const int ring = g.theta_id(c);
    const double dphi = kTwoPi / g.ring(ring).n_phi;
    cell.theta_lo = g.theta_low(ring);
    cell.theta_hi = g.theta_high(ring);
    cell.phi_lo = dphi * g.phi_id(c);
    cell.phi_hi = cell.phi_lo + dphi;
    cell.t_flight = cell.pos.norm() / kSpeedOfLight;
    const auto& n8 = g.n8(c);
    if (n8.size() > cell.n8.size()) throw std::logic_error("ECL N8 map with more than 8 entries");
    for (int v : n8) cell.n8[static_cast<std::size_t>(cell.n_n8++)] = v;
    // 5x5 minus corners: drop the N24 entries two rings and two crystals away. Offsets in phi
    // are counted from the crystal the geometry matches in the other ring (nearest in phi).
    const int t = g.theta_id(c);
    const double phi = g.phi_center(c);
    auto& list = n20_lists_[static_cast<std::size_t>(c - 1)];
    for (int v : g.n24(c)) {
      const int t2 = g.theta_id(v);
      const int n_phi = g.ring(t2).n_phi;
      const int centre = t2 == t ? g.phi_id(c)
                                 : static_cast<int>(std::floor(phi / kTwoPi * n_phi)) % n_phi;
      int dp = (g.phi_id(v) - centre) % n_phi;
      if (dp > n_phi / 2) dp -= n_phi;
      if (dp < -n_phi / 2) dp += n_phi;
      if (std::abs(t2 - t) == 2 && std::abs(dp) == 2) continue;
      list.push_back(v);
    }
    if (list.size() > cell.n20.size()) throw std::logic_error("ECL N20 list with more than 20 entries");
    for (int v : list) cell.n20[static_cast<std::size_t>(cell.n_n20++)] = v;
  }
}

const std::vector<std::int32_t>& ClusterFinder::n20(int cell_id) const {
  if (cell_id < 1 || cell_id > n_cells_) {
    throw std::out_of_range("ECL cellID " + std::to_string(cell_id) + " out of range");
  }
  return n20_lists_[static_cast<std::size_t>(cell_id - 1)];
}

/// Per-thread scratch space; one event at a time.
class ClusterFinder::Worker {
 public:
  Worker(const ClusterFinder& finder, const ClusterFinderOptions& options)
      : f_(finder), o_(options), map_(static_cast<std::size_t>(finder.n_cells_) + 1, -1) {}

  void event(const DigitColumns& d, std::size_t begin, std::size_t end, std::size_t event_index,
             ClusterColumns& out);

 private:
  static constexpr std::int32_t kAbsent = -1;
  static constexpr std::int32_t kInactive = -2;

  const Eigen::Vector3d& pos(int a) const { return f_.cells_[cell_of(a) - 1].pos; }
  std::size_t cell_of(int a) const { return static_cast<std::size_t>(cell_[static_cast<std::size_t>(a)]); }
  double e(int a) const { return e_[static_cast<std::size_t>(a)]; }
  /// Active index of a cellID, or a negative value.
  std::int32_t lookup(std::int32_t cell) const { return map_[static_cast<std::size_t>(cell)]; }

  Eigen::Vector3d centroid(const int* idx, const double* w, std::size_t n, double e_total) const;
  void split(std::size_t m_begin, std::size_t m_end);
  bool try_two_showers(std::size_t m_begin, std::size_t m_end);
  void make_shower(std::size_t member_begin, std::size_t member_end, int region, int n_showers,
                   int n_iterations);

  const ClusterFinder& f_;
  const ClusterFinderOptions& o_;
  std::vector<std::int32_t> map_;  // cellID -> active digit index, kInactive, or kAbsent

  // Active digits of the event, sorted by cellID.
  std::vector<std::pair<std::int32_t, std::int64_t>> sorted_;
  std::vector<std::int32_t> cell_;
  std::vector<double> e_, t_;
  std::vector<std::int64_t> row_;
  std::vector<std::int32_t> region_;
  std::vector<int> region_members_, stack_;
  std::vector<std::size_t> region_start_;

  // Splitting.
  /// Expected fractions F_k(i) of shower k's energy in the n members of the region.
  void profile_fractions(std::size_t k, std::size_t n);
  std::vector<double> weights_;  // n_showers x n_members
  std::vector<double> frac_;     // n_showers x n_members
  std::vector<Eigen::Vector3d> nodes_;  // 9 Gauss-Legendre directions per member
  std::vector<double> node_w_;          // their solid angles [sr]
  std::vector<double> node_w_sum_;      // solid angle of each member [sr]
  std::vector<Eigen::Vector3d> centres_;
  std::vector<double> shower_e_;
  int n_iter_ = 0;

  // Shower members (active index, weight), one contiguous block per shower.
  std::vector<int> members_;
  std::vector<double> member_w_;
  std::vector<double> wk_;  // per active digit: weight in the current shower
  std::vector<Shower> showers_;
  std::vector<std::size_t> order_;
  std::vector<double> sort_e_;
  std::vector<std::pair<double, double>> lat_;
  std::vector<int> maxima_;
};

Eigen::Vector3d ClusterFinder::Worker::centroid(const int* idx, const double* w, std::size_t n,
                                                double e_total) const {
  Eigen::Vector3d sum = Eigen::Vector3d::Zero(), sum_lin = Eigen::Vector3d::Zero();
  double sw = 0.0, sw_lin = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double ei = w[i] * e(idx[i]);
    if (!(ei > 0.0)) continue;
    const double wl = o_.log_weight_w0 + std::log(ei / e_total);
    sum_lin += ei * pos(idx[i]);
    sw_lin += ei;
    if (wl > 0.0) {
      sum += wl * pos(idx[i]);
      sw += wl;
    }
  }
  if (sw > 0.0) return sum / sw;
  // Very flat deposits (no crystal above e^-w0 of the total): energy-weighted centroid.
  return sw_lin > 0.0 ? Eigen::Vector3d(sum_lin / sw_lin) : Eigen::Vector3d(pos(idx[0]));
}

bool ClusterFinder::Worker::try_two_showers(std::size_t m_begin, std::size_t m_end) {
  const std::size_t n = m_end - m_begin;
  if (o_.two_shower_rms <= 0.0 || n < 3) return false;
  const int* idx = region_members_.data() + m_begin;
  double e_tot = 0.0;
  Eigen::Vector3d mean = Eigen::Vector3d::Zero();
  for (std::size_t i = 0; i < n; ++i) {
    e_tot += e(idx[i]);
    mean += e(idx[i]) * pos(idx[i]);
  }
  if (!(e_tot > o_.two_shower_region_energy)) return false;
  mean /= e_tot;
  Eigen::Matrix3d cov = Eigen::Matrix3d::Zero();
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::Vector3d dv = pos(idx[i]) - mean;
    cov += e(idx[i]) * dv * dv.transpose();
  }
  cov /= e_tot;
  // Remove the component along the shower direction (IP -> centroid).
  const Eigen::Vector3d u = mean.normalized();
  const Eigen::Matrix3d proj = Eigen::Matrix3d::Identity() - u * u.transpose();
  cov = proj * cov * proj;
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> es(cov);
  const double lmax = es.eigenvalues()(2);
  if (!(lmax > o_.two_shower_rms * o_.two_shower_rms)) return false;
  const Eigen::Vector3d axis = es.eigenvectors().col(2);
  const double rms = std::sqrt(lmax);
  centres_.assign({mean + rms * axis, mean - rms * axis});
  shower_e_.assign({0.5 * e_tot, 0.5 * e_tot});
  split(m_begin, m_end);
  if (!(std::min(shower_e_[0], shower_e_[1]) >= o_.two_shower_min_energy)) return false;
  return (centres_[0] - centres_[1]).norm() > o_.two_shower_min_separation;
}

void ClusterFinder::Worker::profile_fractions(std::size_t k, std::size_t n) {
  // Shower axis u from the IP through its centre; profile seen at the front distance plus the
  // mean depth of the longitudinal profile.
  const Eigen::Vector3d& c = centres_[k];
  const double l_front = c.norm();
  const Eigen::Vector3d u = c / l_front;
  const double e_k = std::max(shower_e_[k], 1e-4);
  const double t_max = std::max(0.0, std::log(e_k / o_.critical_energy) + 0.5);
  const double l = l_front + o_.radiation_length * (t_max + 2.0);
  const double a = o_.profile_core_scale * o_.moliere_radius;
  const double b = o_.profile_tail_scale * o_.moliere_radius;
  const double f = o_.profile_core_fraction;
  // Density per solid angle: l^2 rho(r), rho = f/(2 pi a^2) e^(-r/a) + (1-f)/(2 pi b^2) e^(-r/b).
  const double ca = l * l * f / (kTwoPi * a * a), cb = l * l * (1.0 - f) / (kTwoPi * b * b);
  // Crystals farther than this from the axis get nothing (the tail is down by e^-9).
  const double r_cut = 9.0 * b + 2.0 * o_.moliere_radius;
  const double r_far = 5.0 * b;
  const double inv_a = 1.0 / a, inv_b = 1.0 / b;
  double* fk = frac_.data() + k * n;
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::Vector3d* v = nodes_.data() + 9 * i;
    const double* w = node_w_.data() + 9 * i;
    // The crystal's centre node: crystals beyond r_cut get nothing, those beyond r_far (where
    // the core is negligible and the tail varies little over a crystal) one evaluation.
    const double cc = v[4].dot(u);
    const double r4 = l * std::sqrt(std::max(0.0, 1.0 - cc * cc));
    if (cc < 0.0 || r4 > r_cut) {
      fk[i] = 0.0;
      continue;
    }
    if (r4 > r_far) {
      fk[i] = node_w_sum_[i] * cb * std::exp(-r4 * inv_b);
      continue;
    }
    double sum = 0.0;
    for (int q = 0; q < 9; ++q) {
      const double cq = v[q].dot(u);
      const double r = l * std::sqrt(std::max(0.0, 1.0 - cq * cq));  // distance from the axis
      sum += w[q] * (ca * std::exp(-r * inv_a) + cb * std::exp(-r * inv_b));
    }
    fk[i] = sum;
  }
}

void ClusterFinder::Worker::split(std::size_t m_begin, std::size_t m_end) {
  const std::size_t n = m_end - m_begin;
  const std::size_t k_n = centres_.size();
  const int* idx = region_members_.data() + m_begin;
  weights_.assign(k_n * n, 0.0);
  frac_.assign(k_n * n, 0.0);
  // 3x3 Gauss-Legendre nodes over each crystal's (theta, phi) face, weights = solid angles.
  static constexpr double kGlX[3] = {-0.7745966692414834, 0.0, 0.7745966692414834};
  static constexpr double kGlW[3] = {5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0};
  nodes_.resize(9 * n);
  node_w_.resize(9 * n);
  node_w_sum_.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const Cell& cell = f_.cells_[cell_of(idx[i]) - 1];
    const double ht = 0.5 * (cell.theta_hi - cell.theta_lo), hp = 0.5 * (cell.phi_hi - cell.phi_lo);
    const double tc = 0.5 * (cell.theta_hi + cell.theta_lo), pc = 0.5 * (cell.phi_hi + cell.phi_lo);
    for (int a = 0; a < 3; ++a) {
      const double th = tc + ht * kGlX[a];
      const double st = std::sin(th), ct = std::cos(th);
      for (int b = 0; b < 3; ++b) {
        const double ph = pc + hp * kGlX[b];
        const std::size_t q = 9 * i + static_cast<std::size_t>(3 * a + b);
        nodes_[q] = Eigen::Vector3d(st * std::cos(ph), st * std::sin(ph), ct);
        node_w_[q] = st * ht * hp * kGlW[a] * kGlW[b];
        node_w_sum_[i] += node_w_[q];
      }
    }
  }
  n_iter_ = 0;
  for (int it = 0; it < std::max(1, o_.max_iterations); ++it) {
    ++n_iter_;
    for (std::size_t k = 0; k < k_n; ++k) profile_fractions(k, n);
    for (std::size_t i = 0; i < n; ++i) {
      double s = 0.0;
      for (std::size_t k = 0; k < k_n; ++k) {
        const double a = std::max(shower_e_[k], 0.0) * frac_[k * n + i];
        weights_[k * n + i] = a;
        s += a;
      }
      if (s > 0.0) {
        for (std::size_t k = 0; k < k_n; ++k) weights_[k * n + i] /= s;
      } else {  // beyond every profile: to the nearest shower
        const Eigen::Vector3d& p = pos(idx[i]);
        std::size_t nearest = 0;
        double d_min = std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < k_n; ++k) {
          const double dist = (p - centres_[k]).squaredNorm();
          if (dist < d_min) {
            d_min = dist;
            nearest = k;
          }
        }
        for (std::size_t k = 0; k < k_n; ++k) weights_[k * n + i] = k == nearest ? 1.0 : 0.0;
      }
    }
    double shift = 0.0;
    for (std::size_t k = 0; k < k_n; ++k) {
      const double* w = weights_.data() + k * n;
      double ek = 0.0;
      for (std::size_t i = 0; i < n; ++i) ek += w[i] * e(idx[i]);
      if (!(ek > 0.0)) {
        shower_e_[k] = 0.0;
        continue;
      }
      const Eigen::Vector3d c = centroid(idx, w, n, ek);
      shower_e_[k] = ek;
      shift = std::max(shift, (c - centres_[k]).norm());
      centres_[k] = c;
    }
    if (shift < o_.shift_tolerance) break;
  }
  // Drop negligible shares and renormalise each digit's weights to one.
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0.0, w_max = -1.0;
    std::size_t k_max = 0;
    for (std::size_t k = 0; k < k_n; ++k) {
      double& w = weights_[k * n + i];
      if (w > w_max) {
        w_max = w;
        k_max = k;
      }
      if (w < o_.min_weight) w = 0.0;
      s += w;
    }
    if (s > 0.0) {
      for (std::size_t k = 0; k < k_n; ++k) weights_[k * n + i] /= s;
    } else {
      weights_[k_max * n + i] = 1.0;
    }
  }
}

void ClusterFinder::Worker::make_shower(std::size_t mb, std::size_t me, int region, int n_showers,
                                        int n_iterations) {
  const int* idx = members_.data() + mb;
  const double* w = member_w_.data() + mb;
  const std::size_t n = me - mb;
  Shower s;
  s.member_begin = mb;
  s.member_end = me;
  s.region = region;
  s.n_showers = n_showers;
  s.n_iterations = n_iterations;
  s.n_crystals = static_cast<std::int32_t>(n);
  double e_all = 0.0;
  int seed = idx[0];
  double e_seed = -1.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double ei = w[i] * e(idx[i]);
    e_all += ei;
    wk_[static_cast<std::size_t>(idx[i])] = w[i];
    if (ei > e_seed || (ei == e_seed && cell_of(idx[i]) < cell_of(seed))) {
      e_seed = ei;
      seed = idx[i];
    }
  }
  const auto& cell = f_.cells_[cell_of(seed) - 1];
  double e9 = e_seed, e21 = e_seed;
  for (std::int32_t k = 0; k < cell.n_n8; ++k) {
    const std::int32_t b = lookup(cell.n8[static_cast<std::size_t>(k)]);
    if (b >= 0) e9 += wk_[static_cast<std::size_t>(b)] * e(b);
  }
  for (std::int32_t k = 0; k < cell.n_n20; ++k) {
    const std::int32_t b = lookup(cell.n20[static_cast<std::size_t>(k)]);
    if (b >= 0) e21 += wk_[static_cast<std::size_t>(b)] * e(b);
  }
  for (std::size_t i = 0; i < n; ++i) wk_[static_cast<std::size_t>(idx[i])] = 0.0;
  s.seed_cell = cell_[static_cast<std::size_t>(seed)];
  s.time = t_[static_cast<std::size_t>(seed)];
  s.e1_e9 = e9 > 0.0 ? e_seed / e9 : 0.0;
  s.e9_e21 = e21 > 0.0 ? e9 / e21 : 0.0;
  switch (o_.energy_sum) {
    case EnergySum::n21: s.energy_raw = e21; break;
    case EnergySum::n9: s.energy_raw = e9; break;
    case EnergySum::all: default: s.energy_raw = e_all; break;
  }
  s.x = centroid(idx, w, n, e_all);
  s.theta = std::atan2(std::hypot(s.x.x(), s.x.y()), s.x.z());
  s.phi = std::atan2(s.x.y(), s.x.x());

  // Lateral moment: sum_{i>=3} E_i r_i^2 / (sum_{i>=3} E_i r_i^2 + (E_1 + E_2) r0^2), energies
  // in decreasing order, r_i measured from the shower axis (IP -> centroid).
  if (n >= 3) {
    const Eigen::Vector3d u = s.x.normalized();
    lat_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const Eigen::Vector3d dvec = pos(idx[i]) - s.x;
      const double along = dvec.dot(u);
      lat_.emplace_back(w[i] * e(idx[i]), std::max(0.0, dvec.squaredNorm() - along * along));
    }
    std::partial_sort(lat_.begin(), lat_.begin() + 2, lat_.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    double num = 0.0;
    for (std::size_t i = 2; i < n; ++i) num += lat_[i].first * lat_[i].second;
    const double den = num + (lat_[0].first + lat_[1].first) * kLateralR0 * kLateralR0;
    s.lateral = den > 0.0 ? num / den : 0.0;
  }

  // Leakage correction.
  if (s.energy_raw > 0.0) {
    const double l = std::log(s.energy_raw);
    const double corr = std::clamp(o_.leakage_c0 + o_.leakage_c1 * l + o_.leakage_c2 * l * l, 0.5, 1.2);
    s.energy = s.energy_raw / corr;
  }
  // Resolution model.
  const double en = std::max(s.energy, 1e-4);
  const double rel = std::sqrt(std::pow(o_.sigma_e_a / en, 2) + std::pow(o_.sigma_e_b, 2) / std::sqrt(en) +
                               std::pow(o_.sigma_e_c, 2));
  s.sig_e = rel * en;
  s.sig_theta = std::sqrt(o_.sigma_angle_a * o_.sigma_angle_a / en + o_.sigma_angle_c * o_.sigma_angle_c);
  s.sig_phi = s.sig_theta / std::max(std::sin(s.theta), 1e-3);
  showers_.push_back(s);
}

void ClusterFinder::Worker::event(const DigitColumns& d, std::size_t begin, std::size_t end,
                                  std::size_t event_index, ClusterColumns& out) {
  const std::int32_t n_cells = f_.n_cells_;
  // Collect the digits, check them, map cellID -> digit.
  sorted_.clear();
  for (std::size_t r = begin; r < end; ++r) {
    const std::int32_t c = d.cell_id[r];
    const double en = d.energy[r];
    if (c < 1 || c > n_cells) {
      throw std::invalid_argument("cell_id[" + std::to_string(r) + "] = " + std::to_string(c) +
                                  " is not a cellID in [1, " + std::to_string(n_cells) + "]");
    }
    if (!(en >= 0.0) || !std::isfinite(en)) {
      throw std::invalid_argument("energy[" + std::to_string(r) + "] must be finite and >= 0");
    }
    if (map_[static_cast<std::size_t>(c)] != kAbsent) {
      for (std::size_t q = begin; q < r; ++q) map_[static_cast<std::size_t>(d.cell_id[q])] = kAbsent;
      throw std::invalid_argument("cell_id: cellID " + std::to_string(c) + " appears twice in event " +
                                  std::to_string(event_index) + " (one digit per crystal)");
    }
    map_[static_cast<std::size_t>(c)] = kInactive;
    const double dt = d.time[r] - f_.cells_[static_cast<std::size_t>(c - 1)].t_flight;
    bool in_time = o_.max_abs_time <= 0.0 || std::abs(dt) <= o_.max_abs_time;
    if (in_time && o_.max_time_pull > 0.0 && en > 0.0) {
      // |dt| <= pull * sqrt(a^2 + (b/E)^2), squared (no sqrt in the digit loop).
      const double sig_b = o_.time_sigma_b / en;
      const double pull2 = o_.max_time_pull * o_.max_time_pull;
      in_time = dt * dt <= pull2 * (o_.time_sigma_a * o_.time_sigma_a + sig_b * sig_b);
    }
    if (en > o_.digit_threshold && in_time) sorted_.emplace_back(c, static_cast<std::int64_t>(r));
  }
  std::sort(sorted_.begin(), sorted_.end());
  const std::size_t n = sorted_.size();
  cell_.resize(n);
  e_.resize(n);
  t_.resize(n);
  row_.resize(n);
  region_.assign(n, -1);
  wk_.assign(n, 0.0);
  for (std::size_t a = 0; a < n; ++a) {
    cell_[a] = sorted_[a].first;
    row_[a] = sorted_[a].second;
    e_[a] = d.energy[row_[a]];
    t_[a] = d.time[row_[a]];
    map_[static_cast<std::size_t>(cell_[a])] = static_cast<std::int32_t>(a);
  }

  // 1. Connected regions.
  region_members_.clear();
  region_start_.clear();
  int n_regions = 0;
  for (std::size_t a = 0; a < n; ++a) {
    if (!(e_[a] > o_.seed_threshold) || region_[a] >= 0) continue;
    region_start_.push_back(region_members_.size());
    region_[a] = n_regions;
    region_members_.push_back(static_cast<int>(a));
    stack_.assign(1, static_cast<int>(a));
    while (!stack_.empty()) {
      const int cur = stack_.back();
      stack_.pop_back();
      const auto& cell = f_.cells_[cell_of(cur) - 1];
      for (std::int32_t k = 0; k < cell.n_n8; ++k) {
        const std::int32_t b = lookup(cell.n8[static_cast<std::size_t>(k)]);
        if (b < 0 || region_[static_cast<std::size_t>(b)] >= 0) continue;
        region_[static_cast<std::size_t>(b)] = n_regions;
        region_members_.push_back(b);
        if (e(b) > o_.growth_threshold) stack_.push_back(b);
      }
    }
    ++n_regions;
  }
  region_start_.push_back(region_members_.size());

  // 2.-4. Local maxima, splitting, showers.
  showers_.clear();
  members_.clear();
  member_w_.clear();
  std::vector<int>& maxima = maxima_;
  for (int r = 0; r < n_regions; ++r) {
    const std::size_t mb = region_start_[static_cast<std::size_t>(r)];
    const std::size_t me = region_start_[static_cast<std::size_t>(r) + 1];
    std::sort(region_members_.begin() + static_cast<std::ptrdiff_t>(mb),
              region_members_.begin() + static_cast<std::ptrdiff_t>(me));
    maxima.clear();
    int highest = region_members_[mb];
    for (std::size_t m = mb; m < me; ++m) {
      const int a = region_members_[m];
      if (e(a) > e(highest)) highest = a;
      if (!(e(a) > o_.local_max_threshold)) continue;
      const auto& cell = f_.cells_[cell_of(a) - 1];
      bool is_max = true;
      for (std::int32_t k = 0; k < cell.n_n8 && is_max; ++k) {
        const std::int32_t b = lookup(cell.n8[static_cast<std::size_t>(k)]);
        if (b >= 0 && (e(b) > e(a) || (e(b) == e(a) && b < a))) is_max = false;
      }
      if (is_max) maxima.push_back(a);
    }
    if (maxima.empty()) maxima.push_back(highest);
    const std::size_t n_m = me - mb;
    std::size_t n_split = maxima.size();
    if (n_split > 1) {
      centres_.resize(n_split);
      shower_e_.resize(n_split);
      for (std::size_t k = 0; k < n_split; ++k) {
        centres_[k] = pos(maxima[k]);
        shower_e_[k] = e(maxima[k]);
      }
      split(mb, me);
    } else if (try_two_showers(mb, me)) {
      n_split = 2;
    }
    if (n_split == 1) {
      const std::size_t sb = members_.size();
      for (std::size_t m = mb; m < me; ++m) {
        members_.push_back(region_members_[m]);
        member_w_.push_back(1.0);
      }
      make_shower(sb, members_.size(), r, 1, 0);
      continue;
    }
    const int n_it = n_iter_;
    for (std::size_t k = 0; k < n_split; ++k) {
      const std::size_t sb = members_.size();
      for (std::size_t i = 0; i < n_m; ++i) {
        const double w = weights_[k * n_m + i];
        if (w > 0.0) {
          members_.push_back(region_members_[mb + i]);
          member_w_.push_back(w);
        }
      }
      if (members_.size() > sb) {
        make_shower(sb, members_.size(), r, static_cast<int>(n_split), n_it);
      }
    }
  }

  // 5. Energy cut, sort by energy (ties: seed cellID), output.
  order_.clear();
  for (std::size_t k = 0; k < showers_.size(); ++k) {
    if (showers_[k].energy >= o_.min_cluster_energy) order_.push_back(k);
  }
  std::sort(order_.begin(), order_.end(), [this](std::size_t a, std::size_t b) {
    const Shower& sa = showers_[a];
    const Shower& sb = showers_[b];
    return sa.energy != sb.energy ? sa.energy > sb.energy : sa.seed_cell < sb.seed_cell;
  });
  for (std::size_t k : order_) {
    const Shower& s = showers_[k];
    out.energy.push_back(s.energy);
    out.energy_raw.push_back(s.energy_raw);
    out.theta.push_back(s.theta);
    out.phi.push_back(s.phi);
    out.time.push_back(s.time);
    out.x.push_back(s.x.x());
    out.y.push_back(s.x.y());
    out.z.push_back(s.x.z());
    out.e1_e9.push_back(s.e1_e9);
    out.e9_e21.push_back(s.e9_e21);
    out.lateral.push_back(s.lateral);
    const double cov[9] = {s.sig_e * s.sig_e, 0, 0, 0, s.sig_theta * s.sig_theta, 0, 0, 0, s.sig_phi * s.sig_phi};
    out.cov.insert(out.cov.end(), cov, cov + 9);
    out.n_crystals.push_back(s.n_crystals);
    out.seed_cell.push_back(s.seed_cell);
    out.region.push_back(s.region);
    out.n_showers_in_region.push_back(s.n_showers);
    out.n_iterations.push_back(s.n_iterations);
    for (std::size_t m = s.member_begin; m < s.member_end; ++m) {
      out.member_digit.push_back(row_[static_cast<std::size_t>(members_[m])]);
      out.member_weight.push_back(member_w_[m]);
    }
    out.member_offsets.push_back(static_cast<std::int64_t>(out.member_digit.size()));
  }
  out.offsets.push_back(static_cast<std::int64_t>(out.energy.size()));

  for (std::size_t r = begin; r < end; ++r) map_[static_cast<std::size_t>(d.cell_id[r])] = kAbsent;
}

namespace {

template <class T>
void append(std::vector<T>& dst, const std::vector<T>& src, std::size_t skip = 0) {
  dst.insert(dst.end(), src.begin() + static_cast<std::ptrdiff_t>(skip), src.end());
}

}  // namespace

ClusterColumns ClusterFinder::find(const DigitColumns& digits, const core::EventOffsets& offsets,
                                   const ClusterFinderOptions& options, int n_threads) const {
  if (!(options.moliere_radius > 0.0)) throw std::invalid_argument("moliere_radius must be > 0");
  if (!(options.log_weight_w0 > 0.0)) throw std::invalid_argument("log_weight_w0 must be > 0");
  if (!(options.profile_core_fraction >= 0.0 && options.profile_core_fraction <= 1.0)) {
    throw std::invalid_argument("profile_core_fraction must be in [0, 1]");
  }
  if (!(options.profile_core_scale > 0.0) || !(options.profile_tail_scale > 0.0)) {
    throw std::invalid_argument("profile_core_scale and profile_tail_scale must be > 0");
  }
  if (!(options.radiation_length >= 0.0) || !(options.critical_energy > 0.0)) {
    throw std::invalid_argument("radiation_length must be >= 0 and critical_energy > 0");
  }
  if (options.seed_threshold < options.growth_threshold || options.growth_threshold < options.digit_threshold) {
    throw std::invalid_argument("thresholds must satisfy seed >= growth >= digit");
  }
  const std::size_t n_events = offsets.n_events;
  const int threads = core::resolve_threads(n_threads);
  // Fixed blocks of events, each with its own output, concatenated in order: the result is the
  // same for every thread count.
  const std::size_t n_blocks = std::max<std::size_t>(1, std::min<std::size_t>(n_events, 64));
  std::vector<ClusterColumns> parts(n_blocks);
  core::parallel_for(n_blocks, threads, [&](std::size_t b0, std::size_t b1) {
    Worker worker(*this, options);
    for (std::size_t b = b0; b < b1; ++b) {
      ClusterColumns& part = parts[b];
      part.offsets.push_back(0);
      part.member_offsets.push_back(0);
      const std::size_t e0 = n_events * b / n_blocks, e1 = n_events * (b + 1) / n_blocks;
      for (std::size_t ev = e0; ev < e1; ++ev) {
        worker.event(digits, offsets.begin(ev), offsets.end(ev), ev, part);
      }
    }
  });
  if (parts.size() == 1) {
    if (n_events == 0) {
      parts[0].offsets.assign(1, 0);
      parts[0].member_offsets.assign(1, 0);
    }
    return std::move(parts[0]);
  }
  ClusterColumns out;
  out.offsets.push_back(0);
  out.member_offsets.push_back(0);
  for (const ClusterColumns& p : parts) {
    const std::int64_t c0 = static_cast<std::int64_t>(out.energy.size());
    const std::int64_t m0 = static_cast<std::int64_t>(out.member_digit.size());
    for (std::size_t i = 1; i < p.offsets.size(); ++i) out.offsets.push_back(p.offsets[i] + c0);
    for (std::size_t i = 1; i < p.member_offsets.size(); ++i) out.member_offsets.push_back(p.member_offsets[i] + m0);
    append(out.energy, p.energy);
    append(out.energy_raw, p.energy_raw);
    append(out.theta, p.theta);
    append(out.phi, p.phi);
    append(out.time, p.time);
    append(out.x, p.x);
    append(out.y, p.y);
    append(out.z, p.z);
    append(out.e1_e9, p.e1_e9);
    append(out.e9_e21, p.e9_e21);
    append(out.lateral, p.lateral);
    append(out.cov, p.cov);
    append(out.n_crystals, p.n_crystals);
    append(out.seed_cell, p.seed_cell);
    append(out.region, p.region);
    append(out.n_showers_in_region, p.n_showers_in_region);
    append(out.n_iterations, p.n_iterations);
    append(out.member_digit, p.member_digit);
    append(out.member_weight, p.member_weight);
  }
  return out;
}

}  // namespace darkrecon::ecl
