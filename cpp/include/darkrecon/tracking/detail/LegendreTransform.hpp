// Legendre transform of conformal drift circles and the quad-tree search for its maximum
// (T. Alexopoulos et al., NIM A 592 (2008) 456; O. Frost, Belle II CDC Legendre finder).
//
// A hit is a circle of centre (u, v) and radius r in the conformal plane. Its tangent lines
// u' cos(theta) + v' sin(theta) = rho are the two sinusoids rho = f(theta) +- r with
// f(theta) = u cos(theta) + v sin(theta) = A cos(theta - phi), A = |(u, v)|. A box
// [theta_lo, theta_hi] x [rho_lo, rho_hi] holds the hit when either sinusoid, widened by the
// hit's tolerance, passes through it. Over a theta interval shorter than pi, f is monotonic
// unless its maximum (+A) or minimum (-A) lies inside; which one is told by the signs of the
// derivative f'(theta) = v cos(theta) - u sin(theta) at the two ends (+ then -: the maximum,
// - then +: the minimum), so no angle of the hit is needed.
//
// Cost model. Every box keeps the list of hits that crossed it when it was made (one flat buffer
// for the whole tree). A queued box's count is recounted when it is popped only if hits were
// deactivated since it was queued; the membership test of a box's hits in its four children is
// branch-free.
#pragma once

#include <cmath>
#include <cstdint>
#include <queue>
#include <vector>

namespace darkrecon::tracking::detail {

struct ConformalHit {
  double u = 0.0, v = 0.0;  // conformal centre
  double r = 0.0;           // conformal drift radius
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

  /// Start a search over `hits`, of which those with a non-zero `active` flag take part. Hits
  /// leave the search through deactivate().
  void reset(const std::vector<ConformalHit>& hits, const std::vector<char>& active) {
    const std::size_t n = hits.size();
    hit_.resize(n);
    active_.assign(active.begin(), active.end());
    for (std::size_t i = 0; i < n; ++i) {
      const ConformalHit& h = hits[i];
      hit_[i] = {h.u, h.v, h.r, h.tol, std::sqrt(h.u * h.u + h.v * h.v)};
    }
    buffer_.clear();
    buffer_.reserve(16 * n + 64);
    nodes_.clear();
    queue_ = {};
    sequence_ = 0;
    expansions_ = 0;
    epoch_ = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (active_[i]) buffer_.push_back(static_cast<int>(i));
    }
    nodes_.push_back({0.0, kPi, 1.0, 0.0, -1.0, 0.0, -rho_max_, rho_max_, 0, 0, buffer_.size()});
    queue_.push({static_cast<int>(buffer_.size()), 0, 0, sequence_++, epoch_});
  }

  bool is_active(int hit) const { return active_[static_cast<std::size_t>(hit)] != 0; }

  /// Remove a hit from the search (no-op if it is already out).
  void deactivate(int hit) {
    const auto i = static_cast<std::size_t>(hit);
    if (!active_[i]) return;
    active_[i] = 0;
    ++epoch_;
  }

  /// The leaf crossed by the most active hits (count >= min_count), or count 0 if none.
  /// Successive calls continue the same best-first search: a queued box's count is an upper
  /// bound (its live count when queued); a popped box whose count fell since (hits were
  /// deactivated) is re-queued with the new count, so finding every track of an event costs
  /// about one search.
  LegendreMaximum next(int min_count) {
    LegendreMaximum best;
    while (!queue_.empty()) {
      const Key key = queue_.top();
      queue_.pop();
      if (key.count < min_count) break;
      const Node node = nodes_[key.node];
      int live = key.count;
      if (key.epoch != epoch_) {
        live = 0;
        for (std::size_t k = node.begin; k < node.end; ++k) live += active_[static_cast<std::size_t>(buffer_[k])];
        if (live < key.count) {
          if (live >= min_count) queue_.push({live, key.level, key.node, sequence_++, epoch_});
          continue;
        }
      }
      if (node.level >= max_level_ || ++expansions_ > max_expansions_) {
        best.count = live;
        best.theta = 0.5 * (node.th_lo + node.th_hi);
        best.rho = 0.5 * (node.rho_lo + node.rho_hi);
        best.hits.clear();
        for (std::size_t k = node.begin; k < node.end; ++k) {
          if (active_[static_cast<std::size_t>(buffer_[k])]) best.hits.push_back(buffer_[k]);
        }
        // keep the leaf queued: hits the caller leaves active may still form a track (the
        // caller deactivates at least one hit of every returned leaf, so this terminates)
        queue_.push({live, key.level, key.node, sequence_++, epoch_});
        return best;
      }
      expand(node, min_count);
    }
    return best;
  }

 private:
  static constexpr double kPi = 3.14159265358979323846;
  struct HitData {
    double u, v, r, tol, amp;
  };
  struct Node {
    double th_lo, th_hi;
    double c_lo, s_lo, c_hi, s_hi;  // cos, sin of th_lo and th_hi
    double rho_lo, rho_hi;
    int level;
    std::size_t begin, end;
  };
  struct Key {
    int count;
    int level;
    std::uint32_t node;
    std::uint32_t sequence;
    std::uint32_t epoch;  // deactivations before the box was queued with `count`
    // Most hits first; among equal counts the deepest box, then the first created.
    bool operator<(const Key& o) const {
      if (count != o.count) return count < o.count;
      if (level != o.level) return level < o.level;
      return sequence > o.sequence;
    }
  };

  /// Split a box into 2 x 2 children; queue those crossed by at least min_count active hits.
  void expand(const Node& node, int min_count) {
    const double th_mid = 0.5 * (node.th_lo + node.th_hi);
    const double rho_mid = 0.5 * (node.rho_lo + node.rho_hi);
    const double cm = std::cos(th_mid), sm = std::sin(th_mid);
    const double c[3] = {node.c_lo, cm, node.c_hi}, s[3] = {node.s_lo, sm, node.s_hi};
    const double rb[3] = {node.rho_lo, rho_mid, node.rho_hi};
    const std::size_t n = node.end - node.begin;
    if (child_.size() < 4 * n) child_.resize(4 * n);
    int* out[4] = {child_.data(), child_.data() + n, child_.data() + 2 * n, child_.data() + 3 * n};
    std::size_t count[4] = {0, 0, 0, 0};
    for (std::size_t k = node.begin; k < node.end; ++k) {
      const int id = buffer_[k];
      const auto i = static_cast<std::size_t>(id);
      if (!active_[i]) continue;
      const HitData& h = hit_[i];
      double f[3], g[3];
      for (int j = 0; j < 3; ++j) {
        f[j] = h.u * c[j] + h.v * s[j];
        g[j] = h.v * c[j] - h.u * s[j];  // df/dtheta
      }
      for (int half = 0; half < 2; ++half) {
        const double g0 = g[half], g1 = g[half + 1];
        double lo = std::min(f[half], f[half + 1]), hi = std::max(f[half], f[half + 1]);
        hi = (g0 >= 0.0) & (g1 <= 0.0) ? h.amp : hi;
        lo = (g0 <= 0.0) & (g1 >= 0.0) ? -h.amp : lo;
        lo -= h.tol;
        hi += h.tol;
        for (int rhalf = 0; rhalf < 2; ++rhalf) {
          const double r0 = rb[rhalf], r1 = rb[rhalf + 1];
          // + sinusoid [lo + r, hi + r], - sinusoid [lo - r, hi - r]
          const bool plus = (lo + h.r <= r1) & (hi + h.r >= r0);
          const bool minus = (lo - h.r <= r1) & (hi - h.r >= r0);
          const int q = 2 * half + rhalf;
          out[q][count[q]] = id;
          count[q] += static_cast<std::size_t>(plus | minus);
        }
      }
    }
    for (int q = 0; q < 4; ++q) {
      if (count[q] < static_cast<std::size_t>(min_count)) continue;
      const int half = q / 2, rhalf = q % 2;
      const std::size_t begin = buffer_.size();
      buffer_.insert(buffer_.end(), out[q], out[q] + count[q]);
      nodes_.push_back({half == 0 ? node.th_lo : th_mid, half == 0 ? th_mid : node.th_hi, c[half], s[half],
                        c[half + 1], s[half + 1], rb[rhalf], rb[rhalf + 1], node.level + 1, begin,
                        buffer_.size()});
      queue_.push({static_cast<int>(count[q]), node.level + 1, static_cast<std::uint32_t>(nodes_.size() - 1),
                   sequence_++, epoch_});
    }
  }

  double rho_max_;
  int max_level_;
  int max_expansions_;
  std::vector<HitData> hit_;
  std::vector<char> active_;
  std::priority_queue<Key> queue_;
  std::uint32_t sequence_ = 0;
  int expansions_ = 0;
  std::uint32_t epoch_ = 0;  // deactivations so far
  std::vector<int> buffer_;
  std::vector<Node> nodes_;
  std::vector<int> child_;  // scratch of expand(): the four children's hits
};

}  // namespace darkrecon::tracking::detail
