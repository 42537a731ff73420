// Counter-seeded random numbers for the fast simulation: every event gets its own
// xoshiro256** stream seeded by splitmix64 from (seed, event index), so results do not depend
// on how events are split over threads. Own samplers (not <random> distributions) so that the
// sequences are identical with every standard library.
#pragma once

#include <cmath>
#include <cstdint>

namespace darkrecon::simulation::detail {

inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  /// Stream for work item `index` of a run with `seed`.
  Rng(std::uint64_t seed, std::uint64_t index) {
    std::uint64_t x = seed * 0xD1B54A32D192ED03ULL ^ (index + 0x8CB92BA72F3D8DD7ULL);
    x = splitmix64(x) ^ index;
    for (auto& si : s_) si = splitmix64(x);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in the open interval (0, 1).
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  /// Integer uniform in [0, n).
  std::uint64_t below(std::uint64_t n) { return static_cast<std::uint64_t>(uniform() * static_cast<double>(n)) % n; }

  /// Standard normal (Marsaglia polar method, the spare value is kept).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }
  double normal(double mean, double sigma) { return mean + sigma * normal(); }

  double exponential() { return -std::log(uniform()); }

  /// Gamma(shape, 1) by Marsaglia & Tsang (ACM TOMS 26 (2000) 363), boosted for shape < 1.
  double gamma(double shape) {
    if (shape < 1.0) return gamma(shape + 1.0) * std::pow(uniform(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
  }

  /// Poisson: multiplication method for small means, rounded normal above 50.
  std::int64_t poisson(double mean) {
    if (mean <= 0.0) return 0;
    if (mean > 50.0) {
      const double x = std::floor(normal(mean, std::sqrt(mean)) + 0.5);
      return x < 0.0 ? 0 : static_cast<std::int64_t>(x);
    }
    const double limit = std::exp(-mean);
    std::int64_t k = 0;
    double prod = uniform();
    while (prod > limit) {
      ++k;
      prod *= uniform();
    }
    return k;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace darkrecon::simulation::detail
