// Legendre transform of conformal drift circles and the quad-tree search for its maximum
// (T. Alexopoulos et al., NIM A 592 (2008) 456; O. Frost, Belle II CDC Legendre finder).
//
// A hit is a circle of centre (u, v) and radius r in the conformal plane. Its tangent lines
// u' cos(theta) + v' sin(theta) = rho are the two sinusoids rho = A cos(theta - phi) +- r with
// A = |(u, v)|, phi = atan2(v, u). A box [theta_lo, theta_hi] x [rho_lo, rho_hi] holds the hit
// when either sinusoid, widened by the hit's tolerance, passes through it.
#pragma once

#include <cmath>
#include <cstdint>
#include <queue>
#include <vector>

namespace darkrecon::tracking::detail {

struct ConformalHit {
  double u = 0.0, v = 0.0;  // conformal centre
  double r = 0.0;           // conformal drift radius
  double amp = 0.0, phi = 0.0;  // u cos + v sin = amp cos(theta - phi); phi in [0, 2 pi)
  double tol = 0.0;         // conformal tolerance
};

struct LegendreMaximum {
  double theta = 0.0, rho = 0.0;  // centre of the best leaf
  int count = 0;
  std::vector<int> hits;          // indices into the hit list passed to the search
};

class LegendreQuadTree {
 public:
  LegendreQuadTree(double rho_max, int max_level, int max_expansions = 200000)
      : rho_max_(rho_max), max_level_(max_level), max_expansions_(max_expansions) {}

  /// Start a search over `hits`; `active` (one flag per hit) is read at every step, so the
  /// caller may deactivate hits between calls to next().
  void reset(const std::vector<ConformalHit>& hits, const std::vector<char>& active) {
    hits_ = &hits;
    active_ = &active;
    const std::size_t n = hits.size();
    u_.resize(n);
    v_.resize(n);
    r_.resize(n);
    tol_.resize(n);
    amp_.resize(n);
    phi_.resize(n);
    anti_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      u_[i] = hits[i].u;
      v_[i] = hits[i].v;
      r_[i] = hits[i].r;
      tol_[i] = hits[i].tol;
      amp_[i] = hits[i].amp;
      phi_[i] = hits[i].phi;
      const double a = hits[i].phi + kPi;
      anti_[i] = a >= 2.0 * kPi ? a - 2.0 * kPi : a;
    }
    buffer_.clear();
    buffer_.reserve(16 * n + 64);
    nodes_.clear();
    queue_ = {};
    sequence_ = 0;
    expansions_ = 0;
    for (std::size_t i = 0; i < hits.size(); ++i) {
      if (active[i]) buffer_.push_back(static_cast<int>(i));
    }
    nodes_.push_back({0.0, kPi, -rho_max_, rho_max_, 0, 0, buffer_.size()});
    queue_.push({static_cast<int>(buffer_.size()), 0, 0, sequence_++});
  }

  /// The leaf crossed by the most active hits (count >= min_count), or count 0 if none.
  /// Successive calls continue the same best-first search: a box's count is an upper bound
  /// that is recounted when the box is popped (hits deactivated since are dropped) and the box
  /// re-queued if it fell, so finding every track of an event costs about one search.
  LegendreMaximum next(int min_count) {
    LegendreMaximum best;
    const std::vector<char>& active = *active_;
    while (!queue_.empty()) {
      const Key key = queue_.top();
      queue_.pop();
      if (key.count < min_count) break;
      const Node node = nodes_[key.node];
      int live = 0;
      for (std::size_t k = node.begin; k < node.end; ++k) live += active[static_cast<std::size_t>(buffer_[k])] ? 1 : 0;
      if (live < key.count) {
        if (live >= min_count) queue_.push({live, key.level, key.node, sequence_++});
        continue;
      }
      if (node.level >= max_level_ || ++expansions_ > max_expansions_) {
        best.count = live;
        best.theta = 0.5 * (node.th_lo + node.th_hi);
        best.rho = 0.5 * (node.rho_lo + node.rho_hi);
        best.hits.clear();
        for (std::size_t k = node.begin; k < node.end; ++k) {
          if (active[static_cast<std::size_t>(buffer_[k])]) best.hits.push_back(buffer_[k]);
        }
        // keep the leaf queued: hits the caller leaves active may still form a track (the
        // caller deactivates at least one hit of every returned leaf, so this terminates)
        queue_.push({live, key.level, key.node, sequence_++});
        return best;
      }
      const double th_mid = 0.5 * (node.th_lo + node.th_hi);
      const double rho_mid = 0.5 * (node.rho_lo + node.rho_hi);
      for (int half = 0; half < 2; ++half) {
        const double t0 = half == 0 ? node.th_lo : th_mid;
        const double t1 = half == 0 ? th_mid : node.th_hi;
        const double c0 = std::cos(t0), s0 = std::sin(t0), c1 = std::cos(t1), s1 = std::sin(t1);
        // per hit: range of A cos(theta - phi) over [t0, t1], computed once for both rho halves
        scratch_lo_.clear();
        scratch_hi_.clear();
        scratch_id_.clear();
        for (std::size_t k = node.begin; k < node.end; ++k) {
          const int id = buffer_[k];
          const auto i = static_cast<std::size_t>(id);
          if (!active[i]) continue;
          const double f0 = u_[i] * c0 + v_[i] * s0, f1 = u_[i] * c1 + v_[i] * s1;
          double lo = std::min(f0, f1), hi = std::max(f0, f1);
          if (phi_[i] >= t0 && phi_[i] <= t1) hi = amp_[i];
          if (anti_[i] >= t0 && anti_[i] <= t1) lo = -amp_[i];
          scratch_lo_.push_back(lo - tol_[i]);
          scratch_hi_.push_back(hi + tol_[i]);
          scratch_id_.push_back(id);
        }
        for (int rhalf = 0; rhalf < 2; ++rhalf) {
          const double r0 = rhalf == 0 ? node.rho_lo : rho_mid;
          const double r1 = rhalf == 0 ? rho_mid : node.rho_hi;
          const std::size_t child_begin = buffer_.size();
          for (std::size_t j = 0; j < scratch_id_.size(); ++j) {
            const int id = scratch_id_[j];
            const double r = r_[static_cast<std::size_t>(id)];
            // + sinusoid [lo + r, hi + r], - sinusoid [lo - r, hi - r]
            const bool plus = scratch_lo_[j] + r <= r1 && scratch_hi_[j] + r >= r0;
            const bool minus = scratch_lo_[j] - r <= r1 && scratch_hi_[j] - r >= r0;
            if (plus || minus) buffer_.push_back(id);
          }
          const int count = static_cast<int>(buffer_.size() - child_begin);
          if (count < min_count) {
            buffer_.resize(child_begin);
            continue;
          }
          nodes_.push_back({t0, t1, r0, r1, node.level + 1, child_begin, buffer_.size()});
          queue_.push({count, node.level + 1, static_cast<std::uint32_t>(nodes_.size() - 1), sequence_++});
        }
      }
    }
    return best;
  }

 private:
  static constexpr double kPi = 3.14159265358979323846;
  struct Node {
    double th_lo, th_hi, rho_lo, rho_hi;
    int level;
    std::size_t begin, end;
  };
  struct Key {
    int count;
    int level;
    std::uint32_t node;
    std::uint32_t sequence;
    // Most hits first; among equal counts the deepest box, then the first created.
    bool operator<(const Key& o) const {
      if (count != o.count) return count < o.count;
      if (level != o.level) return level < o.level;
      return sequence > o.sequence;
    }
  };

  double rho_max_;
  int max_level_;
  int max_expansions_;
  const std::vector<ConformalHit>* hits_ = nullptr;
  const std::vector<char>* active_ = nullptr;
  std::priority_queue<Key> queue_;
  std::uint32_t sequence_ = 0;
  int expansions_ = 0;
  std::vector<int> buffer_;
  std::vector<double> u_, v_, r_, tol_, amp_, phi_, anti_;
  std::vector<Node> nodes_;
  std::vector<double> scratch_lo_, scratch_hi_;
  std::vector<int> scratch_id_;
};

}  // namespace darkrecon::tracking::detail
