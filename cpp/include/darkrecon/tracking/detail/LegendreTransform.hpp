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

  /// The leaf crossed by the most active hits (count >= min_count), or count 0 if none.
  LegendreMaximum find_maximum(const std::vector<ConformalHit>& hits, const std::vector<char>& active,
                               int min_count) {
    LegendreMaximum best;
    buffer_.clear();
    nodes_.clear();
    std::priority_queue<Key> queue;
    // Root: all active hits.
    const std::size_t begin = buffer_.size();
    for (std::size_t i = 0; i < hits.size(); ++i) {
      if (active[i]) buffer_.push_back(static_cast<int>(i));
    }
    const int root_count = static_cast<int>(buffer_.size() - begin);
    if (root_count < min_count) return best;
    nodes_.push_back({0.0, kPi, -rho_max_, rho_max_, 0, begin, buffer_.size()});
    queue.push({root_count, 0, 0});
    std::uint32_t sequence = 1;
    int expansions = 0;
    while (!queue.empty()) {
      const Key key = queue.top();
      queue.pop();
      const Node node = nodes_[key.node];
      if (node.level >= max_level_ || ++expansions > max_expansions_) {
        best.count = key.count;
        best.theta = 0.5 * (node.th_lo + node.th_hi);
        best.rho = 0.5 * (node.rho_lo + node.rho_hi);
        best.hits.assign(buffer_.begin() + static_cast<std::ptrdiff_t>(node.begin),
                         buffer_.begin() + static_cast<std::ptrdiff_t>(node.end));
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
          const ConformalHit& h = hits[static_cast<std::size_t>(id)];
          const double f0 = h.u * c0 + h.v * s0, f1 = h.u * c1 + h.v * s1;
          double lo = std::min(f0, f1), hi = std::max(f0, f1);
          if (in_range(h.phi, t0, t1)) hi = h.amp;
          double anti = h.phi + kPi;
          if (anti >= 2.0 * kPi) anti -= 2.0 * kPi;
          if (in_range(anti, t0, t1)) lo = -h.amp;
          scratch_lo_.push_back(lo - h.tol);
          scratch_hi_.push_back(hi + h.tol);
          scratch_id_.push_back(k);
        }
        for (int rhalf = 0; rhalf < 2; ++rhalf) {
          const double r0 = rhalf == 0 ? node.rho_lo : rho_mid;
          const double r1 = rhalf == 0 ? rho_mid : node.rho_hi;
          const std::size_t child_begin = buffer_.size();
          for (std::size_t j = 0; j < scratch_id_.size(); ++j) {
            const int id = buffer_[scratch_id_[j]];
            const double r = hits[static_cast<std::size_t>(id)].r;
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
          queue.push({count, node.level + 1, static_cast<std::uint32_t>(nodes_.size() - 1), sequence++});
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
    std::uint32_t sequence = 0;
    // Most hits first; among equal counts the deepest box, then the first created.
    bool operator<(const Key& o) const {
      if (count != o.count) return count < o.count;
      if (level != o.level) return level < o.level;
      return sequence > o.sequence;
    }
  };
  static bool in_range(double a, double t0, double t1) { return a >= t0 && a <= t1; }

  double rho_max_;
  int max_level_;
  int max_expansions_;
  std::vector<int> buffer_;
  std::vector<Node> nodes_;
  std::vector<double> scratch_lo_, scratch_hi_;
  std::vector<std::size_t> scratch_id_;
};

}  // namespace darkrecon::tracking::detail
