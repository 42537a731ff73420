#include "darkrecon/tracking/HelixFitter.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "darkrecon/core/Parallel.hpp"
#include "darkrecon/tracking/detail/SmallCholesky.hpp"
#include "darkrecon/tracking/detail/WireDoca.hpp"

namespace darkrecon::tracking {

namespace {

using Vector5 = Eigen::Matrix<double, 5, 1>;
using Matrix5 = Eigen::Matrix<double, 5, 5>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTaylorStep = 0.05;  // cm, see evaluate()
constexpr double kNewtonTolerance = 1e-9;  // cm, the DOCA Newton iteration's convergence
// cm: the annealing re-evaluates the hits when a linearised step moved a DOCA by more than this
constexpr double kRelinearise = 0.05;
// The circle prefit starts 10x cooler than the main annealing: above T ~ (d_max / sigma)^2 the
// annealed fit is a fit to the wire positions, i.e. the Karimaki seed it starts from.
constexpr double kPrefitScale = 0.1;

inline double square(double x) { return x * x; }

/// Per-hit geometry of one fit with multiple scattering, where every hit needs its closest point,
/// arc length and normal (the scattering covariance): the scalar DOCA of detail::doca.
struct HitState {
  detail::Wire wire;
  double inv_var = 0.0;  // 1 / sigma^2
  double lr = 1.0;       // left/right sign frozen with the scattering covariance
  double s = 0.0;        // arc length of the closest approach (warm start of the next Newton)
  double doca = 0.0;     // signed DOCA
  Vector5 jac;           // dD/dp
  Vector3 pos;           // closest helix point
  Vector3 normal;
  bool ok = false;       // DOCA converged
};

inline bool is_axial(double ux, double uy) { return ux * ux + uy * uy < 1e-24; }
inline std::size_t round_up4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

/// The hits of one track as columns (structure of arrays): their DOCAs, gradients, annealing
/// weights and normal equations are computed four hits at a time, and every stage of the fit
/// reads and writes them in place. Rows [0, axial_end) hold the axial wires (closed-form DOCA),
/// rows [axial_end, stride) the others; each part is padded to a multiple of 4 with rows of
/// inverse variance 0 and finite geometry. hit[row] is the hit's index in the track (-1 for
/// padding), row[hit] its row.
struct HitColumns {
  enum Column : int {
    kDoca = 0, kJac = 1, kDrift = 6,
    kInvVar,    // inverse variance as used: kInvVar0 where the DOCA is defined, else 0
    kW, kC,     // annealing_weights / hard_weights: weight / variance and the right-hand side
    kInvVar0,   // 1 / (sigma^2 + scattering variance)
    kUsed,      // 1 where kept by the outlier decision
    kPx, kPy, kPz, kUx, kUy, kUz,  // the wire: a point and the unit direction
    kS,         // stereo: arc length of the closest approach (warm start of the next Newton)
    kPosX, kPosY, kPosZ, kNx, kNy, kNz, kDone,            // evaluate_stereo_columns
    kCrossS, kCrossZ, kCrossDz, kCrossValid, kCrossWarm,  // stereo_crossings
    kCrossChosen,  // fit_z_line: the candidate z +- dz nearer the line
    kColumns
  };
  std::size_t n = 0, n_axial = 0, axial_end = 0, stride = 0;
  std::vector<double> data;
  std::vector<std::ptrdiff_t> hit;
  std::vector<std::size_t> row;
  double* col(int k) { return data.data() + static_cast<std::size_t>(k) * stride; }
  const double* col(int k) const { return data.data() + static_cast<std::size_t>(k) * stride; }

  /// Rows begin..end of the input, the axial wires first; no warm starts yet (kS = NaN).
  /// Rows [0, n_axial) and [axial_end, axial_end + n - n_axial) hold hits, the rest is padding.
  void load(const WireHitColumns& in, std::size_t begin, std::size_t end) {
    n = end - begin;
    row.resize(n);
    n_axial = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const bool axial = is_axial(in.wire_dir[3 * (begin + i)], in.wire_dir[3 * (begin + i) + 1]);
      row[i] = axial ? 1 : 0;  // for now: the axial flag
      n_axial += row[i];
    }
    axial_end = round_up4(n_axial);
    stride = axial_end + round_up4(n - n_axial);
    if (data.size() < kColumns * stride) data.resize(kColumns * stride);
    hit.assign(stride, -1);
    double* c[kColumns];
    for (int j = 0; j < kColumns; ++j) c[j] = col(j);
    std::size_t next_axial = 0, next_stereo = axial_end;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t r = begin + i;
      const std::size_t k = row[i] ? next_axial++ : next_stereo++;
      hit[k] = static_cast<std::ptrdiff_t>(i);
      row[i] = k;
      // (the seeding API may come without drift distances and resolutions)
      set_row(c, k, in.wire_point + 3 * r, in.wire_dir + 3 * r, in.drift ? in.drift[r] : 0.0,
              in.sigma ? 1.0 / (in.sigma[r] * in.sigma[r]) : 1.0);
    }
    // Padding: an axial wire through the origin, and a wire along y through (1, 0, 0).
    constexpr double kOrigin[3] = {0.0, 0.0, 0.0}, kAlongZ[3] = {0.0, 0.0, 1.0};
    constexpr double kX1[3] = {1.0, 0.0, 0.0}, kAlongY[3] = {0.0, 1.0, 0.0};
    for (std::size_t k = next_axial; k < axial_end; ++k) set_row(c, k, kOrigin, kAlongZ, 0.0, 0.0);
    for (std::size_t k = next_stereo; k < stride; ++k) set_row(c, k, kX1, kAlongY, 0.0, 0.0);
  }

  detail::Wire wire(std::size_t k) const {
    detail::Wire w;
    w.point = Vector3(col(kPx)[k], col(kPy)[k], col(kPz)[k]);
    w.direction = Vector3(col(kUx)[k], col(kUy)[k], col(kUz)[k]);
    return w;
  }

  bool ok(std::size_t k) const { return col(kInvVar)[k] > 0.0; }

 private:
  /// The wire, drift and variance of row k (c: the column pointers). The DOCA, gradient, inverse
  /// variance and kept flag are written by every evaluation and attempt, except the z gradient
  /// of the axial rows (always 0) and a padding row's.
  static void set_row(double* const* c, std::size_t k, const double* p, const double* u, double drift,
                      double inv_var) {
    const bool padding = inv_var == 0.0;
    c[kPx][k] = p[0], c[kPy][k] = p[1], c[kPz][k] = p[2];
    c[kUx][k] = u[0], c[kUy][k] = u[1], c[kUz][k] = u[2];
    c[kDrift][k] = drift;
    c[kInvVar0][k] = inv_var;
    c[kS][k] = padding ? 0.0 : kNaN;
    c[kJac + 3][k] = c[kJac + 4][k] = 0.0;
    if (padding) {
      for (int j = 0; j < 3; ++j) c[kJac + j][k] = 0.0;
      c[kDoca][k] = c[kInvVar][k] = c[kUsed][k] = 0.0;
    }
  }

};

/// The Karimaki circle of seed_helix alone (z0 = tanLambda = 0), from the wire positions in the
/// columns.
bool seed_circle(const HitColumns& hc, Helix* out);

/// A stereo hit's crossing with a circle: arc length, z and the drift half-width in z (ransac_z_seed).
struct StereoPoint {
  double s, z, dz;
};

/// Scratch reused across the tracks of one thread.
struct Workspace {
  HitColumns cols;
  std::vector<StereoPoint> stereo_points;
  // Multiple scattering only: every hit's geometry.
  std::vector<HitState> hits;
  std::vector<int> order;
  Eigen::MatrixXd g, v, jw;
  Eigen::VectorXd rw;
  Eigen::LLT<Eigen::MatrixXd> llt;
  bool v_valid = false;  // the multiple-scattering hit covariance is current
  bool geometry = false;  // multiple scattering: hits evaluated one by one into `hits`
};

/// The scalar DOCA of a hit (detail::doca: Newton from hs.s, then a second-order move along the
/// helix once a step is below 0.05 cm; the DOCA error is then O(step^3 omega^2) < 1e-7 cm for
/// omega < 0.03/cm, and vanishes as the fit converges), with its gradient dD/dp.
void evaluate(const Helix& h, double c0, double s0, HitState& hs) {
  const detail::DocaResult r = detail::doca(h, c0, s0, hs.wire, hs.s, 12, kNewtonTolerance, kTaylorStep);
  hs.s = r.s;
  hs.ok = r.ok;
  hs.doca = r.doca;
  hs.pos = r.position;
  hs.normal = r.normal;
  if (!r.ok) return;
  const Vector3& n = r.normal;
  hs.jac[0] = n.x() * s0 - n.y() * c0;
  hs.jac[1] = -n.x() * r.position.y() + n.y() * r.position.x();
  hs.jac[2] = n.dot(r.dpos_domega);
  hs.jac[3] = n.z();
  hs.jac[4] = n.z() * r.s;
}

/// Row k of the columns from a scalar evaluation (0 and inverse variance 0 where it failed).
void store_row(HitColumns& hc, std::size_t k, const HitState& hs) {
  hc.col(HitColumns::kDoca)[k] = hs.ok ? hs.doca : 0.0;
  for (int j = 0; j < 5; ++j) hc.col(HitColumns::kJac + j)[k] = hs.ok ? hs.jac[j] : 0.0;
  hc.col(HitColumns::kInvVar)[k] = hs.ok ? hc.col(HitColumns::kInvVar0)[k] : 0.0;
}

// Four lanes of doubles (GCC/Clang vector extensions; two SSE2 registers in the portable build,
// one AVX register in the AVX2 clone of annealing_weights).
// The helpers are always inlined (into each clone, with its own register width), and their
// vector arguments never cross a call: hence no ABI concern. GCC still notes the AVX argument
// passing of such types (-Wpsabi, reported at the end of the file): silenced for this file.
using V4d = double __attribute__((vector_size(32)));
using V4l = std::int64_t __attribute__((vector_size(32)));
using V4u = std::uint64_t __attribute__((vector_size(32)));
#define DARKRECON_V4_INLINE inline __attribute__((always_inline))
// An AVX2 clone next to the SSE2 default of the column kernels and of the per-track stages that
// call them (their scalar code gains from the VEX encoding too), chosen at load time (GNU ifunc:
// GCC on x86-64 glibc; elsewhere just the portable build). Out-of-line copies of inline
// functions stay portable, so no AVX2 instruction can leak into the default path.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define DARKRECON_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DARKRECON_AVX2_CLONES
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

DARKRECON_V4_INLINE V4d load4(const double* p) {
  V4d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
DARKRECON_V4_INLINE void store4(double* p, V4d v) { std::memcpy(p, &v, sizeof v); }
DARKRECON_V4_INLINE V4d select4(V4l mask, V4d a, V4d b) { return (V4d)((mask & (V4l)a) | (~mask & (V4l)b)); }
DARKRECON_V4_INLINE V4d splat4(double x) { return V4d{x, x, x, x}; }

DARKRECON_V4_INLINE V4d abs4(V4d x) { return select4(x < 0.0, -x, x); }
inline double abs4(double x) { return std::abs(x); }

/// The hard-decision chi2 of a hit (double or four lanes): the nearer side of its drift circle (0
/// where the inverse variance is 0: padding or an undefined DOCA).
template <class T>
DARKRECON_V4_INLINE T best_side_chi2(T doca, T drift, T inv_var) {
  const T r = abs4(doca) - drift;
  return r * r * inv_var;
}

/// exp(-x) on four lanes for 0 <= x <= 700, to 1e-11 relative: x = (k + f) ln 2 with |f| <= 1/2,
/// a degree-9 Taylor polynomial of e^(-f ln 2) (truncation < 7e-12: ample for weights that only
/// steer the annealing; the fit itself ends on hard decisions), 2^-k put into the exponent
/// bits. k = round(x / ln 2) is read from the low mantissa bits of x / ln 2 + 1.5 * 2^52 (SSE2
/// and AVX2 have no 64-bit float-to-integer conversion). A fraction of the cost of std::exp (no
/// special cases), for the annealing weights.
DARKRECON_V4_INLINE V4d exp_neg4(V4d x) {
  constexpr double kLog2e = 1.4426950408889634, kLn2Hi = 0.6931471803691238, kLn2Lo = 1.9082149292705877e-10;
  constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52
  const V4d t = x * kLog2e + kShifter;
  const V4d k = t - kShifter;
  const V4d r = (k * kLn2Hi - x) + k * kLn2Lo;  // -x + k ln 2, |r| <= ln2 / 2
  const V4d r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const V4d p01 = 1.0 + r, p23 = 0.5 + r * (1.0 / 6.0);
  const V4d p45 = 1.0 / 24.0 + r * (1.0 / 120.0), p67 = 1.0 / 720.0 + r * (1.0 / 5040.0);
  const V4d p89 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
  const V4d q0 = p01 + r2 * p23, q1 = p45 + r2 * p67;
  const V4d p = (q0 + r4 * q1) + r8 * p89;
  V4d shifter_v = splat4(kShifter);
  const V4l ki = (V4l)t - (V4l)shifter_v;
  const V4l e = (1023 - ki) << 52;
  return p * (V4d)e;
}

/// The annealing weights of every hit at the linearised DOCA D + J . dp (see anneal_step), four
/// hits at a time: w = W / sigma^2 (W = w+ + w-, the weight of the hit) and c = (d (w+ - w-) -
/// W D) / sigma^2, the right-hand side of the normal equations per unit gradient. k = 1 / (2 T),
/// ec = exp(-cut / (2 T)). A hit with inverse variance 0 (failed or padding), or with both
/// exponentials 0, gets w = c = 0.
/// Returns the largest |J . dp|: how far the linearised step moved any DOCA. Results do not depend
/// on which clone runs beyond rounding (no fused multiply-add is used).
DARKRECON_AVX2_CLONES
double annealing_weights(HitColumns& lh, std::size_t begin, std::size_t end, const double* dp, double k, double ec) {
  const double* dd = lh.col(HitColumns::kDoca);
  const double* j0 = lh.col(HitColumns::kJac);
  const double* j1 = lh.col(HitColumns::kJac + 1);
  const double* j2 = lh.col(HitColumns::kJac + 2);
  const double* j3 = lh.col(HitColumns::kJac + 3);
  const double* j4 = lh.col(HitColumns::kJac + 4);
  const double* dr = lh.col(HitColumns::kDrift);
  const double* iv = lh.col(HitColumns::kInvVar);
  double* wo = lh.col(HitColumns::kW);
  double* co = lh.col(HitColumns::kC);
  const V4d dp0 = splat4(dp[0]), dp1 = splat4(dp[1]), dp2 = splat4(dp[2]), dp3 = splat4(dp[3]), dp4 = splat4(dp[4]);
  const V4d vmax = splat4(700.0);
  V4d max_shift = splat4(0.0);
  for (std::size_t i = begin; i < end; i += 4) {
    const V4d shift = load4(j0 + i) * dp0 + load4(j1 + i) * dp1 + load4(j2 + i) * dp2 + load4(j3 + i) * dp3 +
                      load4(j4 + i) * dp4;
    const V4d d = load4(dr + i), inv_var = load4(iv + i);
    // (padding rows carry the gradient of their dummy wire: they must not ask for re-evaluations)
    const V4d abs_shift = select4(inv_var > 0.0, abs4(shift), splat4(0.0));
    max_shift = select4(abs_shift > max_shift, abs_shift, max_shift);
    const V4d doca = load4(dd + i) + shift;
    const V4d kk = k * inv_var;
    const V4d rp = doca - d, rm = doca + d;
    const V4d x = kk * rp * rp, y = kk * rm * rm;
    const V4l x_low = x <= y;
    const V4d lo = select4(x_low, x, y), hi = select4(x_low, y, x);
    // The smaller exponential is dropped below e^-40 of the larger, and beyond 700 (as mirror_exps).
    const V4d elo = select4(lo < vmax, exp_neg4(select4(lo < vmax, lo, vmax)), splat4(0.0));
    const V4d ehi = select4((hi - lo < 40.0) & (hi < vmax), exp_neg4(select4(hi < vmax, hi, vmax)), splat4(0.0));
    const V4d ep = select4(x_low, elo, ehi), em = select4(x_low, ehi, elo);
    const V4d sum = ep + em;
    // Both mirrors beyond e^-700 (a hit far from the helix) with ec = 0 (a cut above ~1490 at
    // T = 1): no weight, rather than inv_var / 0 and 0 * inf = NaN in every sum.
    const V4l any = sum > 0.0;
    const V4d inv = select4(any, inv_var / select4(any, sum + ec, splat4(1.0)), splat4(0.0));
    const V4d w = sum * inv;
    store4(wo + i, w);
    store4(co + i, d * (ep - em) * inv - w * doca);
  }
  return std::max(std::max(max_shift[0], max_shift[1]), std::max(max_shift[2], max_shift[3]));
}
/// The normal equations sum_i w_i J_i J_i^T (lower triangle, column by column: NP (NP + 1) / 2
/// values) and sum_i c_i J_i (NP values) of the first NP parameters from the columns of lh, four
/// hits per lane; the lanes are added at the end in a fixed order (deterministic, independent of
/// threads).
template <int NP>
DARKRECON_V4_INLINE void sum_normal_equations(const HitColumns& lh, std::size_t begin, std::size_t end, double* out) {
  constexpr int kMatrix = NP * (NP + 1) / 2;
  V4d acc[kMatrix + NP];
  for (auto& v : acc) v = splat4(0.0);
  for (std::size_t i = begin; i < end; i += 4) {
    V4d j[NP];
    for (int k = 0; k < NP; ++k) j[k] = load4(lh.col(HitColumns::kJac + k) + i);
    const V4d w = load4(lh.col(HitColumns::kW) + i), c = load4(lh.col(HitColumns::kC) + i);
    int m = 0;
    for (int col = 0; col < NP; ++col) {
      const V4d wj = w * j[col];
      for (int r = col; r < NP; ++r) acc[m++] += wj * j[r];
    }
    for (int k = 0; k < NP; ++k) acc[kMatrix + k] += c * j[k];
  }
  for (int m = 0; m < kMatrix + NP; ++m) out[m] = (acc[m][0] + acc[m][1]) + (acc[m][2] + acc[m][3]);
}
/// All five helix parameters (20 values).
DARKRECON_AVX2_CLONES
void normal_equations(const HitColumns& lh, double* out) { sum_normal_equations<5>(lh, 0, lh.stride, out); }
/// d0, phi0, omega of the axial rows only (9 values): the circle prefit (axial hits do not see z).
DARKRECON_AVX2_CLONES
void normal_equations_circle(const HitColumns& lh, double* out) { sum_normal_equations<3>(lh, 0, lh.axial_end, out); }

/// The weights of the hard (left/right resolved) fit with a diagonal hit covariance (see
/// accumulate_diagonal), four hits at a time and without branches (the left/right sign is a coin
/// flip for the branch predictor): w = 1 / sigma^2 for a used hit with a defined DOCA, else 0;
/// c = -s r w with s = sign D and r = s D - d. Returns chi2 = sum w r^2 (lanes added in a fixed
/// order) and in n_used the number of hits with w > 0.
DARKRECON_AVX2_CLONES
double hard_weights(HitColumns& hc, int& n_used) {
  const V4d zero = splat4(0.0), one = splat4(1.0), minus_one = splat4(-1.0);
  V4d chi2 = zero;
  V4l count = V4l{0, 0, 0, 0};
  for (std::size_t i = 0; i < hc.stride; i += 4) {
    const V4d doca = load4(hc.col(HitColumns::kDoca) + i), drift = load4(hc.col(HitColumns::kDrift) + i);
    const V4d w = select4(load4(hc.col(HitColumns::kUsed) + i) > 0.0, load4(hc.col(HitColumns::kInvVar) + i), zero);
    const V4d sgn = select4(doca >= 0.0, one, minus_one);
    const V4d r = sgn * doca - drift;
    store4(hc.col(HitColumns::kW) + i, w);
    store4(hc.col(HitColumns::kC) + i, -(w * r) * sgn);
    chi2 += w * r * r;
    count -= (w > 0.0);  // a true lane is -1
  }
  n_used = static_cast<int>(count[0] + count[1] + count[2] + count[3]);
  return (chi2[0] + chi2[1]) + (chi2[2] + chi2[3]);
}

/// The outlier decision, four hits at a time: a hit is kept (kUsed = 1) when its DOCA is defined
/// and its best-side chi2 is below the cut. Returns whether any hit changed.
DARKRECON_AVX2_CLONES
bool decide_kept_hits(HitColumns& hc, double cut) {
  const V4d zero = splat4(0.0), one = splat4(1.0);
  V4l changed = V4l{0, 0, 0, 0};
  for (std::size_t i = 0; i < hc.stride; i += 4) {
    const V4d inv_var = load4(hc.col(HitColumns::kInvVar) + i);  // 0 for padding and undefined DOCAs
    const V4d chi2 = best_side_chi2(load4(hc.col(HitColumns::kDoca) + i), load4(hc.col(HitColumns::kDrift) + i), inv_var);
    const V4d keep = select4((inv_var > 0.0) & (chi2 < cut), one, zero);
    changed |= keep != load4(hc.col(HitColumns::kUsed) + i);
    store4(hc.col(HitColumns::kUsed) + i, keep);
  }
  return (changed[0] | changed[1] | changed[2] | changed[3]) != 0;
}

/// DOCA of the axial wires (u = (0, 0, uz), rows [0, axial_end)) in closed form, without
/// trigonometry or iteration, four at a time. Relative to the perigee P = d0 e
/// (e = (sin phi0, -cos phi0)), the circle is G(q) = omega/2 |q|^2 - q . e = 0 with its centre at
/// q_c = e / omega, and omega^2 |q - q_c|^2 = 1 + 2 omega G =: S^2, so the distance of q from the
/// circle (outwards times sign omega) is F = (S - 1) / omega = 2 G / (1 + S), regular for
/// omega -> 0 (the Karimaki form, NIM A305 (1991) 187). With n = u x t the signed DOCA is
/// D = -uz F, and dF/dG = 1 / S, dF/domega|_G = -F^2 / (2 S); G's derivatives:
/// dG/dd0 = 1 - omega q.e, dG/dphi0 = -(1 + omega d0) q.f (f = (cos phi0, sin phi0)),
/// dG/domega = |q|^2 / 2. Fills the DOCA, the gradient (its z columns stay 0) and the inverse
/// variance (0 where S = 0: the DOCA is undefined).
DARKRECON_AVX2_CLONES
void evaluate_axial_columns(const Helix& h, double c0, double s0, HitColumns& lh) {
  const double om = h.omega;
  const V4d px = splat4(h.d0 * s0), py = splat4(-h.d0 * c0), vc0 = splat4(c0), vs0 = splat4(s0);
  const V4d one_om_d0 = splat4(1.0 + om * h.d0), zero = splat4(0.0);
  for (std::size_t i = 0; i < lh.axial_end; i += 4) {
    const V4d uz = load4(lh.col(HitColumns::kUz) + i);
    const V4d qx = load4(lh.col(HitColumns::kPx) + i) - px, qy = load4(lh.col(HitColumns::kPy) + i) - py;
    const V4d qe = qx * vs0 - qy * vc0, qf = qx * vc0 + qy * vs0;
    const V4d q2 = qx * qx + qy * qy;
    const V4d g = 0.5 * om * q2 - qe;
    const V4d s2 = 1.0 + 2.0 * om * g;
    const V4d s2p = select4(s2 > 0.0, s2, zero);
    const V4d sq = V4d{std::sqrt(s2p[0]), std::sqrt(s2p[1]), std::sqrt(s2p[2]), std::sqrt(s2p[3])};
    const V4l ok = sq > 1e-12;
    const V4d sq_safe = select4(ok, sq, splat4(1.0));
    const V4d f = 2.0 * g / (1.0 + sq);
    const V4d k = -uz / sq_safe;
    store4(lh.col(HitColumns::kDoca) + i, select4(ok, -uz * f, zero));
    store4(lh.col(HitColumns::kJac) + i, select4(ok, k * (1.0 - om * qe), zero));
    store4(lh.col(HitColumns::kJac + 1) + i, select4(ok, -k * one_om_d0 * qf, zero));
    store4(lh.col(HitColumns::kJac + 2) + i, select4(ok, k * 0.5 * (q2 - f * f), zero));
    store4(lh.col(HitColumns::kInvVar) + i, select4(ok, load4(lh.col(HitColumns::kInvVar0) + i), zero));
  }
}

/// sin and cos on four lanes (|x| up to ~1e5): x = q pi/2 + r with |r| <= pi/4 (two-part pi/2,
/// Cody & Waite), then the fdlibm kernel polynomials of sin r and cos r (about 1 ulp) and the
/// quadrant's swap and signs.
DARKRECON_V4_INLINE void sincos4(V4d x, V4d& sin_x, V4d& cos_x) {
  constexpr double kTwoOverPi = 0.63661977236758134308, kPio2Hi = 1.57079632673412561417e+00,
                   kPio2Lo = 6.07710050650619224932e-11, kShifter = 6755399441055744.0;
  const V4d t = x * kTwoOverPi + kShifter;
  const V4d q = t - kShifter;
  V4d shifter_v = splat4(kShifter);
  const V4l qi = (V4l)t - (V4l)shifter_v;
  const V4d r = (x - q * kPio2Hi) - q * kPio2Lo;
  const V4d z = r * r;
  const V4d ps = -1.66666666666666324348e-01 +
                 z * (8.33333333332248946124e-03 +
                      z * (-1.98412698298579493134e-04 +
                           z * (2.75573137070700676789e-06 + z * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10))));
  const V4d pc = 4.16666666666666019037e-02 +
                 z * (-1.38888888888741095749e-03 +
                      z * (2.48015872894767294178e-05 +
                           z * (-2.75573143513906633035e-07 + z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11))));
  const V4d sr = r + r * z * ps;
  const V4d cr = (1.0 - 0.5 * z) + z * z * pc;
  const V4l swap = (qi & 1) != 0;
  const V4d s = select4(swap, cr, sr), c = select4(swap, sr, cr);
  // bit 1 of the quadrant (of the quadrant + 1) is the sign of the sine (the cosine)
  sin_x = (V4d)((V4u)s ^ ((V4u)(qi & 2) << 62));
  cos_x = (V4d)((V4u)c ^ ((V4u)((qi + 1) & 2) << 62));
}

/// The Newton iteration of detail::doca for four stereo hits at a time, from the arc lengths in
/// kS, for up to kStereoVectorIterations iterations: a hit is settled where detail::doca would
/// stop (a step below the Taylor threshold, moved to second order, or below the tolerance) with
/// a defined normal; its DOCA, gradient, closest point and normal are filled and kDone = 1.
/// Elsewhere (no convergence yet, or a degenerate geometry) kDone = 0 and the caller runs
/// detail::doca on that hit from the same start (evaluate_rows). Every hit thus gets the result
/// of detail::doca up to rounding.
constexpr int kStereoVectorIterations = 4;
DARKRECON_AVX2_CLONES
void evaluate_stereo_columns(const Helix& h, double c0_, double s0_, double taylor_step, double tolerance,
                             HitColumns& st) {
  const V4d c0 = splat4(c0_), s0 = splat4(s0_), om = splat4(h.omega), tl = splat4(h.tan_lambda);
  const V4d d0 = splat4(h.d0), z0 = splat4(h.z0), zero = splat4(0.0), one = splat4(1.0);
  for (std::size_t i = st.axial_end; i < st.stride; i += 4) {
    const V4d wx = load4(st.col(HitColumns::kPx) + i), wy = load4(st.col(HitColumns::kPy) + i),
              wz = load4(st.col(HitColumns::kPz) + i);
    const V4d ux = load4(st.col(HitColumns::kUx) + i), uy = load4(st.col(HitColumns::kUy) + i),
              uz = load4(st.col(HitColumns::kUz) + i);
    const V4d s_start = load4(st.col(HitColumns::kS) + i);
    V4d s = s_start;
    V4l done = V4l{0, 0, 0, 0}, failed = V4l{0, 0, 0, 0};
    for (int it = 0; it < kStereoVectorIterations; ++it) {
      // ChiFunctions (Helix.hpp) of chi = omega s: series below |chi| = 0.05, closed form above
      const V4d chi = om * s;
      V4d sin_chi, cos_chi;
      sincos4(chi, sin_chi, cos_chi);
      const V4l small = (chi < 0.05) & (chi > -0.05);
      const V4d inv = 1.0 / select4(small, one, chi);
      const V4d a_l = sin_chi * inv, b_l = (1.0 - cos_chi) * inv;
      V4d fa = a_l, fb = b_l, fda = (cos_chi - a_l) * inv, fdb = (sin_chi - b_l) * inv;
      if (small[0] | small[1] | small[2] | small[3]) {  // rare: the first centimetres of a stiff track
        const V4d c2 = chi * chi;
        fa = select4(small, 1.0 - c2 / 6.0 * (1.0 - c2 / 20.0 * (1.0 - c2 / 42.0)), fa);
        fb = select4(small, chi / 2.0 * (1.0 - c2 / 12.0 * (1.0 - c2 / 30.0)), fb);
        fda = select4(small, -chi / 3.0 * (1.0 - c2 / 10.0 * (1.0 - c2 / 28.0)), fda);
        fdb = select4(small, 0.5 - c2 / 8.0 * (1.0 - c2 / 18.0 * (1.0 - c2 / 40.0)), fdb);
      }
      V4d px = d0 * s0 + s * (c0 * fa + s0 * fb), py = -d0 * c0 + s * (s0 * fa - c0 * fb), pz = z0 + tl * s;
      V4d tx = c0 * cos_chi + s0 * sin_chi, ty = s0 * cos_chi - c0 * sin_chi;
      const V4d s2 = s * s;
      const V4d dwx = s2 * (c0 * fda + s0 * fdb), dwy = s2 * (s0 * fda - c0 * fdb);
      const V4d dx = px - wx, dy = py - wy, dz = pz - wz;
      const V4d ud = ux * dx + uy * dy + uz * dz;
      const V4d qx = dx - ux * ud, qy = dy - uy * ud, qz = dz - uz * ud;
      const V4d ut = ux * tx + uy * ty + uz * tl;
      const V4d g = qx * tx + qy * ty + qz * tl;
      const V4d gn = tx * tx + ty * ty + tl * tl - ut * ut;
      const V4l gn_ok = gn > 1e-300;
      const V4d t2x = om * ty, t2y = -om * tx;
      V4d gpp = gn + qx * t2x + qy * t2y;
      gpp = select4(gpp > 0.25 * gn, gpp, gn);
      const V4d step = -g / select4(gn_ok, gpp, one);
      const V4d abs_step = select4(step < 0.0, -step, step);
      const V4l tiny = abs_step < tolerance;
      const V4l moved = ~tiny & (abs_step < taylor_step);
      const V4d mstep = select4(moved, step, zero);  // 0 where converged without a move
      const V4d s_end = s + mstep;
      px = px + mstep * tx + (0.5 * mstep * mstep) * t2x;
      py = py + mstep * ty + (0.5 * mstep * mstep) * t2y;
      pz = pz + mstep * tl;
      tx = tx + mstep * t2x;
      ty = ty + mstep * t2y;
      // n = u x t
      const V4d nx = uy * tl - uz * ty, ny = uz * tx - ux * tl, nz = ux * ty - uy * tx;
      const V4d nn2 = nx * nx + ny * ny + nz * nz;
      const V4d nn = V4d{std::sqrt(nn2[0]), std::sqrt(nn2[1]), std::sqrt(nn2[2]), std::sqrt(nn2[3])};
      const V4l settles = gn_ok & (tiny | moved);
      const V4l now = ~done & ~failed & settles & (nn > 1e-12);
      // a degenerate iteration (no curvature, no normal, or a non-finite step) goes to the scalar code
      failed = failed | (~done & ~gn_ok) | (~done & settles & ~(nn > 1e-12)) | ~(abs_step == abs_step);
      const V4d inv_nn = 1.0 / select4(now, nn, one);
      const V4d ex = nx * inv_nn, ey = ny * inv_nn, ez = nz * inv_nn;
      // The outputs of the hits settled now (the first iteration writes every lane: the others
      // are marked not done and ignored, or overwritten when they settle later).
      const auto put = [&](int column, V4d v) {
        double* q = st.col(column) + i;
        store4(q, it == 0 ? v : select4(now, v, load4(q)));
      };
      put(HitColumns::kS, s_end);
      put(HitColumns::kDoca, ex * (px - wx) + ey * (py - wy) + ez * (pz - wz));
      put(HitColumns::kJac, ex * s0 - ey * c0);
      put(HitColumns::kJac + 1, -ex * py + ey * px);
      put(HitColumns::kJac + 2, ex * dwx + ey * dwy);
      put(HitColumns::kJac + 3, ez);
      put(HitColumns::kJac + 4, ez * s_end);
      put(HitColumns::kPosX, px);
      put(HitColumns::kPosY, py);
      put(HitColumns::kPosZ, pz);
      put(HitColumns::kNx, ex);
      put(HitColumns::kNy, ey);
      put(HitColumns::kNz, ez);
      done = done | now;
      const V4l active = ~done & ~failed;
      if (!(active[0] | active[1] | active[2] | active[3])) break;
      s = select4(active, s + step, s);  // a full Newton step, as detail::doca takes
    }
    store4(st.col(HitColumns::kDone) + i, select4(done, one, zero));
  }
}

/// atan2(y, x) on four lanes (finite arguments), to 1e-11 relative (the seed's arc lengths need
/// far less): the octant by swaps, then atan t = pi/6 + atan((t sqrt3 - 1) / (t + sqrt3)) for
/// t > tan(pi/12), then the Taylor series of atan u for |u| <= tan(pi/12) to u^17 (truncation
/// < 1e-11 relative).
DARKRECON_V4_INLINE V4d atan2_4(V4d y, V4d x) {
  constexpr double kPi = 3.14159265358979323846, kSqrt3 = 1.7320508075688772, kTanPi12 = 0.2679491924311227;
  const V4d zero = splat4(0.0), one = splat4(1.0);
  const V4d ax = select4(x < 0.0, -x, x), ay = select4(y < 0.0, -y, y);
  const V4l swap = ay > ax;
  const V4d num = select4(swap, ax, ay), den = select4(swap, ay, ax);
  const V4d t = num / select4(den == 0.0, one, den);
  const V4l big = t > kTanPi12;
  const V4d u = select4(big, (t * kSqrt3 - 1.0) / (t + kSqrt3), t);
  const V4d z = u * u;
  // p = sum_k (-1)^k z^k / (2k + 1), k <= 8, by Horner
  V4d p = splat4(1.0 / 17.0);
  for (int k = 7; k >= 0; --k) p = (k % 2 == 0 ? 1.0 : -1.0) / (2.0 * k + 1.0) + z * p;
  V4d a = u * p + select4(big, splat4(kPi / 6.0), zero);
  a = select4(swap, kPi / 2.0 - a, a);
  a = select4(x < 0.0, kPi - a, a);
  return select4(y < 0.0, -a, a);
}

/// z of the stereo hits on the circle of h (rows [axial_end, stride), four at a time). A stereo
/// wire's xy position moves with z; where its xy line d + t u (relative to the perigee P) meets
/// the circle gives z for a hit on the wire. It is solved on the implicit circle
/// G(q) = omega/2 |q|^2 - q . e = 0 (e = (sin phi0, -cos phi0)), regular for omega -> 0: the
/// root t nearest the given wire point (a line that misses the circle gets its point of closest
/// approach). The drift circle moves the crossing by +-d / |grad G . u_xy| along the wire
/// (|grad G| = 1 on the circle). Fills the arc length kCrossS, z kCrossZ and the drift
/// half-width in z kCrossDz of the crossing, kCrossValid = 1 where they are defined (hits
/// only), and kCrossWarm = 1 where the crossing is at a clear angle: a warm start for Newton
/// (near a tangential crossing, the apex of a curler, the nearer root may lie on the other
/// branch).
DARKRECON_AVX2_CLONES
void stereo_crossings(const Helix& h, HitColumns& st) {
  const double e_x_ = std::sin(h.phi0), e_y_ = -std::cos(h.phi0);
  const V4d om = splat4(h.omega), e_x = splat4(e_x_), e_y = splat4(e_y_);
  const V4d px = splat4(h.d0 * e_x_), py = splat4(h.d0 * e_y_);
  const V4d zero = splat4(0.0), one = splat4(1.0);
  const V4d inf = splat4(std::numeric_limits<double>::infinity()), nan = splat4(kNaN);
  const V4u sign = V4u{0x8000000000000000ULL, 0x8000000000000000ULL, 0x8000000000000000ULL, 0x8000000000000000ULL};
  for (std::size_t i = st.axial_end; i < st.stride; i += 4) {
    const V4d ux = load4(st.col(HitColumns::kUx) + i), uy = load4(st.col(HitColumns::kUy) + i),
              uz = load4(st.col(HitColumns::kUz) + i);
    const V4d dx = load4(st.col(HitColumns::kPx) + i) - px, dy = load4(st.col(HitColumns::kPy) + i) - py;
    const V4d uxy2 = ux * ux + uy * uy;
    const V4d qa = 0.5 * om * uxy2;
    const V4d qb = om * (dx * ux + dy * uy) - (ux * e_x + uy * e_y);
    const V4d qc = 0.5 * om * (dx * dx + dy * dy) - (dx * e_x + dy * e_y);
    const V4d disc = qb * qb - 4.0 * qa * qc;
    const V4l miss = disc < 0.0;
    const V4d dpos = select4(miss, zero, disc);
    const V4d sq = V4d{std::sqrt(dpos[0]), std::sqrt(dpos[1]), std::sqrt(dpos[2]), std::sqrt(dpos[3])};
    const V4d q = -0.5 * (qb + (V4d)(((V4u)sq & ~sign) | ((V4u)qb & sign)));
    const V4l q0 = q == 0.0, qa0 = qa == 0.0;
    const V4d t1 = select4(q0, inf, qc / select4(q0, one, q));
    const V4d t2 = select4(qa0, inf, q / select4(qa0, one, qa));
    const V4d abs_t1 = select4(t1 < 0.0, -t1, t1), abs_t2 = select4(t2 < 0.0, -t2, t2);
    const V4d t_hit = select4(abs_t1 < abs_t2, t1, t2);
    const V4d t_miss = select4(qa0, nan, -qb / (2.0 * select4(qa0, one, qa)));
    const V4d t = select4(miss, t_miss, t_hit);
    const V4l t_ok = (t - t) == 0.0;  // finite
    const V4d tt = select4(t_ok, t, zero);
    const V4d qx = dx + tt * ux, qy = dy + tt * uy;
    const V4d slope = (om * qx - e_x) * ux + (om * qy - e_y) * uy;
    // Helix::arc_length_to(px + qx, py + qy) with (c0, s0) = (-e_y, e_x)
    const V4d a = qx * -e_y + qy * e_x;
    const V4d b = 1.0 + om * (-qx * e_x + qy * -e_y);
    const V4d wa = om * a;
    const V4d abs_wa = select4(wa < 0.0, -wa, wa), abs_b = select4(b < 0.0, -b, b);
    const V4l line = (abs_wa < 1e-12 * abs_b) & (b > 0.0);
    const V4d s = select4(line, a / select4(line, b, one), atan2_4(wa, b) / select4(line, one, om));
    const V4d z = load4(st.col(HitColumns::kPz) + i) + tt * uz;
    const V4d abs_slope = select4(slope < 0.0, -slope, slope);
    const V4l steep = abs_slope > 1e-9;
    V4d dz = load4(st.col(HitColumns::kDrift) + i) / select4(steep, slope, one) * uz;
    dz = select4(steep, select4(dz < 0.0, -dz, dz), zero);
    const V4l stereo = ~(uxy2 < 1e-12);
    const V4l hit = load4(st.col(HitColumns::kInvVar0) + i) > 0.0;  // not padding
    const V4l valid = hit & stereo & t_ok & ((s - s) == 0.0) & ((z - z) == 0.0) & ((dz - dz) == 0.0);
    const V4d uxy = V4d{std::sqrt(uxy2[0]), std::sqrt(uxy2[1]), std::sqrt(uxy2[2]), std::sqrt(uxy2[3])};
    const V4l warm = hit & stereo & t_ok & (abs_slope > 0.3 * uxy);
    store4(st.col(HitColumns::kCrossS) + i, s);
    store4(st.col(HitColumns::kCrossZ) + i, z);
    store4(st.col(HitColumns::kCrossDz) + i, dz);
    store4(st.col(HitColumns::kCrossValid) + i, select4(valid, one, zero));
    store4(st.col(HitColumns::kCrossWarm) + i, select4(warm, one, zero));
  }
}
/// z0 and tanLambda of h from the straight-line fit z(s) to the crossings of stereo_crossings
/// (rows with kCrossValid), each hit's candidate z +- dz resolved by iterating the fit from the
/// midpoints and taking the candidate nearer the line (until no choice changes, at most 4
/// times); four hits at a time.
DARKRECON_AVX2_CLONES
void fit_z_line(HitColumns& hc, Helix& h) {
  const V4d zero = splat4(0.0), one = splat4(1.0);
  V4d vw = zero, vs = zero, vss = zero;  // do not depend on the choice
  for (std::size_t i = hc.axial_end; i < hc.stride; i += 4) {
    const V4l valid = load4(hc.col(HitColumns::kCrossValid) + i) > 0.0;
    const V4d s = select4(valid, load4(hc.col(HitColumns::kCrossS) + i), zero);
    vw += select4(valid, one, zero);
    vs += s;
    vss += s * s;
    store4(hc.col(HitColumns::kCrossChosen) + i, select4(valid, load4(hc.col(HitColumns::kCrossZ) + i), zero));
  }
  const auto lanes = [](V4d v) { return (v[0] + v[1]) + (v[2] + v[3]); };
  const double tw = lanes(vw), ts = lanes(vs), tss = lanes(vss);
  const double det = tw * tss - ts * ts;
  const bool sloped = tw >= 2 && det > 1e-9 * tw * tss;
  const auto line_fit = [&]() {
    V4d vz = zero, vsz = zero;
    for (std::size_t i = hc.axial_end; i < hc.stride; i += 4) {
      const V4d z = load4(hc.col(HitColumns::kCrossChosen) + i);  // 0 where not valid
      vz += z;
      vsz += load4(hc.col(HitColumns::kCrossS) + i) * z;
    }
    const double tz = lanes(vz), tsz = lanes(vsz);
    if (sloped) {
      h.tan_lambda = (tw * tsz - ts * tz) / det;
      h.z0 = (tz - h.tan_lambda * ts) / tw;
    } else if (tw >= 1) {
      h.tan_lambda = 0.0;
      h.z0 = tz / tw;
    }
  };
  line_fit();
  for (int iteration = 0; iteration < 4 && tw >= 2; ++iteration) {
    V4l changed = V4l{0, 0, 0, 0};
    const V4d z0 = splat4(h.z0), tl = splat4(h.tan_lambda);
    for (std::size_t i = hc.axial_end; i < hc.stride; i += 4) {
      const V4l valid = load4(hc.col(HitColumns::kCrossValid) + i) > 0.0;
      const V4d z = load4(hc.col(HitColumns::kCrossZ) + i), dz = load4(hc.col(HitColumns::kCrossDz) + i);
      // z + dz is nearer the line than z - dz exactly when the line is above z (dz >= 0)
      const V4d line = z0 + tl * load4(hc.col(HitColumns::kCrossS) + i);
      const V4d chosen = select4(valid, z + select4(line - z > 0.0, dz, -dz), zero);
      changed |= chosen != load4(hc.col(HitColumns::kCrossChosen) + i);
      store4(hc.col(HitColumns::kCrossChosen) + i, chosen);
    }
    if (!(changed[0] | changed[1] | changed[2] | changed[3])) break;  // the same line again: converged
    line_fit();
  }
}

#undef DARKRECON_V4_INLINE

/// Evaluate rows [0, end) of the columns at h (end = axial_end: the axial hits alone, or stride).
/// Without multiple scattering the axial rows in closed form and the stereo rows by the
/// vectorised Newton iteration, four at a time, with detail::doca from the same start for a hit
/// whose iteration did not settle; with it every hit one by one into its state (the geometry the
/// scattering covariance needs) and then into the columns.
DARKRECON_AVX2_CLONES
void evaluate_rows(const Helix& h, Workspace& ws, std::size_t end) {
  HitColumns& hc = ws.cols;
  const double c0 = std::cos(h.phi0), s0 = std::sin(h.phi0);
  if (ws.geometry) {
    for (std::size_t k = 0; k < end; ++k) {
      if (hc.hit[k] < 0) continue;
      HitState& hs = ws.hits[static_cast<std::size_t>(hc.hit[k])];
      evaluate(h, c0, s0, hs);
      store_row(hc, k, hs);
    }
    return;
  }
  evaluate_axial_columns(h, c0, s0, hc);
  if (end <= hc.axial_end) return;
  evaluate_stereo_columns(h, c0, s0, kTaylorStep, kNewtonTolerance, hc);
  const double* done = hc.col(HitColumns::kDone);
  double* inv_var = hc.col(HitColumns::kInvVar);
  const double* inv_var0 = hc.col(HitColumns::kInvVar0);
  for (std::size_t k = hc.axial_end; k < hc.stride; ++k) {
    if (done[k] > 0.0) {
      inv_var[k] = inv_var0[k];
    } else if (hc.hit[k] >= 0) {
      HitState hs;
      hs.wire = hc.wire(k);
      hs.s = hc.col(HitColumns::kS)[k];
      evaluate(h, c0, s0, hs);
      hc.col(HitColumns::kS)[k] = hs.s;
      store_row(hc, k, hs);
    } else {  // padding whose iteration did not settle: keep it finite
      hc.col(HitColumns::kDoca)[k] = 0.0;
      for (int j = 0; j < 5; ++j) hc.col(HitColumns::kJac + j)[k] = 0.0;
      inv_var[k] = 0.0;
    }
  }
}

void evaluate_all(const Helix& h, Workspace& ws) { evaluate_rows(h, ws, ws.cols.stride); }

Helix step(const Helix& h, const Vector5& dp) { return Helix(h.params() + dp); }

/// normal_equations unpacked into A (lower triangle) and b.
void normal_equations(const HitColumns& hc, Matrix5& a, Vector5& b) {
  double out[20];
  normal_equations(hc, out);
  a.setZero();
  int m = 0;
  for (int c = 0; c < 5; ++c) {
    for (int r = c; r < 5; ++r) a(r, c) = out[m++];
  }
  for (int k = 0; k < 5; ++k) b[k] = out[15 + k];
}

/// One annealing Gauss-Newton step on the weights of annealing_weights at temperature T, the
/// hits linearised at the helix of their last evaluation: D_i(p0 + dp) ~ D_i + J_i . dp, with dp
/// (accumulated over the steps) updated in place. The hits are evaluated again by the caller only after the last temperature: between
/// the steps of the schedule the helix moves by little compared with the drift-circle scale on
/// which the weights change, and the Gauss-Newton iterations that follow the annealing work on
/// exact DOCAs. Returns false if the normal matrix is singular (too few effective hits).
bool anneal_step(HitColumns& hc, Vector5& dp_total) {
  Matrix5 a;
  Vector5 b;
  normal_equations(hc, a, b);
  // A whisper of Levenberg-Marquardt damping keeps a nearly singular step finite.
  a.diagonal() *= 1.0 + 1e-9;
  const detail::SmallCholesky<5> llt(a);
  if (!llt.ok()) return false;
  const Vector5 dp = llt.solve(b);
  if (!dp.allFinite()) return false;
  dp_total += dp;
  return true;
}

/// Normal equations of the hard (left/right resolved) fit with a diagonal hit covariance. With
/// s = sign D the residual is r = s D - d and its gradient s J, so a hit adds J J^T / sigma^2 (s^2
/// = 1) to A and -s r J / sigma^2 to b: the columns get w = 1 / sigma^2 and c = -s r / sigma^2
/// (0 for hits not used or undefined) and normal_equations sums them.
double accumulate_diagonal(HitColumns& hc, Matrix5& a, Vector5& b, int& n_used) {
  const double chi2 = hard_weights(hc, n_used);
  normal_equations(hc, a, b);
  return chi2;
}

/// The same with the full hit covariance including multiple scattering (see the header).
double accumulate_scattering(const Helix& h, Workspace& ws, const HelixFitterOptions& opt, Matrix5& a, Vector5& b,
                             int& n_used) {
  // The hit covariance V (and its Cholesky factor) is built at the first call after ws.v_valid
  // was cleared and then kept fixed, so that Gauss-Newton iterates on a fixed metric; the caller
  // refreshes it at the optimum and iterates again. V is built without the left/right signs:
  // with S = diag(sign D), chi2 = (S D - d)^T (S V S)^-1 (S D - d) = (D - S d)^T V^-1 (D - S d).
  auto& hits = ws.hits;
  const HitColumns& hc = ws.cols;
  auto& order = ws.order;
  a.setZero();
  b.setZero();
  if (!ws.v_valid) {
    order.clear();
    for (int i = 0; i < static_cast<int>(hits.size()); ++i) {
      const std::size_t k = hc.row[static_cast<std::size_t>(i)];
      if (hc.col(HitColumns::kUsed)[k] > 0.0 && hc.ok(k)) order.push_back(i);
    }
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
      return hits[static_cast<std::size_t>(x)].s < hits[static_cast<std::size_t>(y)].s;
    });
  }
  const auto n = static_cast<Eigen::Index>(order.size());
  n_used = static_cast<int>(n);
  if (n == 0) return 0.0;
  const auto hit = [&](Eigen::Index k) -> HitState& {
    return hits[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])];
  };
  for (Eigen::Index k = 0; k < n; ++k) {
    if (!hit(k).ok) return kNaN;  // a DOCA failed at this point: reject the step
  }
  if (!ws.v_valid) {
    const double tl = h.tan_lambda;
    const double sec2 = 1.0 + tl * tl;
    const double pt = h.pt(opt.bfield);
    const double p = pt * std::sqrt(sec2);
    const double beta = p / std::sqrt(p * p + opt.mass * opt.mass);
    const double path_scale = std::sqrt(sec2);  // 3D path per unit transverse arc length
    const double x_total = (hit(n - 1).s - hit(0).s) * path_scale;
    ws.v.setZero(n, n);
    if (x_total > 0.0 && std::isfinite(p) && opt.radiation_length > 0.0) {
      // Highland (PDG RPP, Passage of particles through matter, eq. 34.15).
      const double log_term = 1.0 + 0.038 * std::log(x_total / (opt.radiation_length * beta * beta));
      const double theta_total2 = std::pow(0.0136 / (beta * p), 2) * log_term * log_term;
      ws.g.setZero(n, 2 * n);
      for (Eigen::Index k = 1; k < n; ++k) {
        const double xk = (hit(k).s - hit(k - 1).s) * path_scale;
        const double theta2 = theta_total2 * xk / opt.radiation_length;
        const double sphi = std::sqrt(theta2 * sec2), slam = std::sqrt(theta2);
        const HitState& hk = hit(k);
        for (Eigen::Index j = k + 1; j < n; ++j) {
          const HitState& hj = hit(j);
          const Vector3 d = hj.pos - hk.pos;
          const double aj = hj.normal.x() * (-d.y()) + hj.normal.y() * d.x();
          const double bj = -tl * (hj.normal.x() * d.x() + hj.normal.y() * d.y()) + hj.normal.z() * (hj.s - hk.s);
          ws.g(j, 2 * k) = sphi * aj;
          ws.g(j, 2 * k + 1) = slam * bj;
        }
      }
      ws.v.noalias() = ws.g * ws.g.transpose();
    }
    for (Eigen::Index k = 0; k < n; ++k) ws.v(k, k) += 1.0 / hit(k).inv_var;
    // Left/right signs are frozen together with V: with correlated residuals a sign flip of a
    // hit at the wire would make chi2 jump; they are re-decided when V is refreshed.
    for (Eigen::Index k = 0; k < n; ++k) {
      HitState& hk = hit(k);
      hk.lr = hk.doca >= 0.0 ? 1.0 : -1.0;
    }
    ws.llt.compute(ws.v);
    if (ws.llt.info() != Eigen::Success) return kNaN;
    ws.v_valid = true;
  }
  ws.jw.resize(n, 5);
  ws.rw.resize(n);
  for (Eigen::Index k = 0; k < n; ++k) {
    const HitState& hk = hit(k);
    ws.jw.row(k) = hk.jac.transpose();
    ws.rw[k] = hk.doca - hk.lr * hc.col(HitColumns::kDrift)[hc.row[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])]];
  }
  ws.llt.matrixL().solveInPlace(ws.jw);
  ws.llt.matrixL().solveInPlace(ws.rw);
  a.noalias() = ws.jw.transpose() * ws.jw;
  b.noalias() = -ws.jw.transpose() * ws.rw;
  return ws.rw.squaredNorm();
}

/// With multiple scattering, the per-hit variance used by the annealing and the outlier decision
/// is sigma^2 plus the diagonal of the scattering covariance (the same model as V), so that hits
/// displaced by scattering are not mistaken for outliers (kInvVar0; kInvVar follows where the
/// DOCA is defined). Without it, sigma^2 (as loaded).
void set_effective_variances(const Helix& h, Workspace& ws, const HelixFitterOptions& opt) {
  if (!opt.multiple_scattering) return;
  auto& hits = ws.hits;
  HitColumns& hc = ws.cols;
  auto& order = ws.order;
  double* inv_var0 = hc.col(HitColumns::kInvVar0);
  double* inv_var = hc.col(HitColumns::kInvVar);
  const auto set = [&](std::size_t i, double value) {
    const std::size_t k = hc.row[i];
    inv_var0[k] = value;
    if (inv_var[k] > 0.0) inv_var[k] = value;
  };
  for (std::size_t i = 0; i < hits.size(); ++i) set(i, hits[i].inv_var);
  order.clear();
  for (int i = 0; i < static_cast<int>(hits.size()); ++i) {
    if (hits[static_cast<std::size_t>(i)].ok) order.push_back(i);
  }
  if (order.size() < 2) return;
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
    return hits[static_cast<std::size_t>(x)].s < hits[static_cast<std::size_t>(y)].s;
  });
  const auto hit = [&](std::size_t k) -> HitState& { return hits[static_cast<std::size_t>(order[k])]; };
  const std::size_t n = order.size();
  const double tl = h.tan_lambda, sec2 = 1.0 + tl * tl;
  const double p = h.pt(opt.bfield) * std::sqrt(sec2);
  const double beta = p / std::sqrt(p * p + opt.mass * opt.mass);
  const double path_scale = std::sqrt(sec2);
  const double x_total = (hit(n - 1).s - hit(0).s) * path_scale;
  if (!(x_total > 0.0) || !std::isfinite(p)) return;
  const double log_term = 1.0 + 0.038 * std::log(x_total / (opt.radiation_length * beta * beta));
  const double theta_total2 = std::pow(0.0136 / (beta * p), 2) * log_term * log_term;
  for (std::size_t j = 2; j < n; ++j) {
    HitState& hj = hit(j);
    double var = 0.0;
    for (std::size_t k = 1; k < j; ++k) {
      const HitState& hk = hit(k);
      const double theta2 = theta_total2 * (hk.s - hit(k - 1).s) * path_scale / opt.radiation_length;
      const Vector3 d = hj.pos - hk.pos;
      const double aj = hj.normal.x() * (-d.y()) + hj.normal.y() * d.x();
      const double bj = -tl * (hj.normal.x() * d.x() + hj.normal.y() * d.y()) + hj.normal.z() * (hj.s - hk.s);
      var += theta2 * (sec2 * aj * aj + bj * bj);
    }
    set(static_cast<std::size_t>(order[j]), 1.0 / (1.0 / hj.inv_var + var));
  }
}

struct TrackFit {
  Helix helix;
  Matrix5 cov;
  double chi2 = kNaN;
  int ndf = 0;
  bool converged = false;
  int iterations = 0;
};

/// The mean hard-decision chi2 per defined hit of rows [0, end), and how many there are.
DARKRECON_AVX2_CLONES
double mean_best_side_chi2(const HitColumns& hc, std::size_t end, int& m) {
  double sum = 0.0;
  m = 0;
  const double* doca = hc.col(HitColumns::kDoca);
  const double* drift = hc.col(HitColumns::kDrift);
  const double* inv_var = hc.col(HitColumns::kInvVar);
  for (std::size_t k = 0; k < end; ++k) {
    sum += best_side_chi2(doca[k], drift[k], inv_var[k]);
    m += inv_var[k] > 0.0 ? 1 : 0;
  }
  return m > 0 ? sum / m : 1.0;
}

/// The per-hit result of the current columns (hit order, hc.n values): weight 1 for a kept hit
/// whose DOCA is defined, and the left/right sign (0 where undefined).
DARKRECON_AVX2_CLONES
void hit_results(const HitColumns& hc, double* weight, double* lr_sign) {
  const double* inv_var = hc.col(HitColumns::kInvVar);
  const double* used = hc.col(HitColumns::kUsed);
  const double* doca = hc.col(HitColumns::kDoca);
  for (std::size_t i = 0; i < hc.n; ++i) {
    const std::size_t k = hc.row[i];
    const double ok = inv_var[k] > 0.0 ? 1.0 : 0.0;
    weight[i] = ok * used[k];
    lr_sign[i] = ok * (2.0 * static_cast<double>(doca[k] >= 0.0) - 1.0);  // no branch: a coin flip
  }
}

/// One fit from the start helix: annealing (optional) then Gauss-Newton on the kept hits.
/// Leaves the hits of the result in ws.cols (and ws.hits).
DARKRECON_AVX2_CLONES
TrackFit run_attempt(Helix h, const HelixFitterOptions& opt, double start_factor, double anneal_factor,
                     Workspace& ws, bool warm = false) {
  TrackFit out;
  out.cov.setConstant(kNaN);
  HitColumns& hc = ws.cols;
  for (std::size_t k = 0; k < hc.stride; ++k) hc.col(HitColumns::kUsed)[k] = hc.hit[k] >= 0 ? 1.0 : 0.0;
  // Newton start points. After the circle prefit the axial hits' arc lengths are already those
  // of (almost) this circle, and the stereo hits' crossing arc lengths from the z seed are one
  // as well: warm starts that save the start-point trigonometry. Without multiple scattering
  // the axial hits need none (closed form).
  if (ws.geometry) {
    for (auto& hs : ws.hits) {
      const bool axial = is_axial(hs.wire.direction.x(), hs.wire.direction.y());
      if (!(warm && std::isfinite(hs.s) && (hs.ok || !axial))) hs.s = detail::doca_start(h, hs.wire);
    }
  } else {
    double* s = hc.col(HitColumns::kS);
    for (std::size_t k = hc.axial_end; k < hc.stride; ++k) {
      if (hc.hit[k] >= 0 && !(warm && std::isfinite(s[k]))) s[k] = detail::doca_start(h, hc.wire(k));
    }
  }
  evaluate_all(h, ws);
  int evaluations = 1;
  const double cut = opt.outlier_chi2_cut;
  set_effective_variances(h, ws, opt);

  if (opt.annealing) {
    int m = 0;
    const double mean = mean_best_side_chi2(hc, hc.stride, m);
    double t = std::clamp(mean * start_factor, 1.0, opt.max_temperature);
    Vector5 dp_total = Vector5::Zero();
    while (true) {
      const double k = 0.5 / t, ec = std::exp(-0.5 * cut / t);
      // Re-linearise when the steps so far moved some hit's DOCA by more than kRelinearise:
      // beyond that the second-order terms (the closest point sliding along a stereo wire, the
      // curvature) could bias the weights of this temperature.
      if (annealing_weights(hc, 0, hc.stride, dp_total.data(), k, ec) > kRelinearise) {
        h = step(h, dp_total);
        dp_total.setZero();
        evaluate_all(h, ws);
        ++evaluations;
        annealing_weights(hc, 0, hc.stride, dp_total.data(), k, ec);
      }
      if (!anneal_step(hc, dp_total)) {
        // No fit: no hit is kept (weight 0, consistent with ndf = -5).
        std::fill(hc.col(HitColumns::kUsed), hc.col(HitColumns::kUsed) + hc.stride, 0.0);
        out.helix = step(h, dp_total);
        out.iterations = evaluations;
        out.ndf = -5;
        return out;
      }
      if (t <= 1.0) break;
      t = std::max(1.0, t * anneal_factor);
    }
    h = step(h, dp_total);
    evaluate_all(h, ws);
    ++evaluations;
    set_effective_variances(h, ws, opt);
    decide_kept_hits(hc, cut);
  }

  Matrix5 a;
  Vector5 b;
  int n_used = 0;
  const auto accumulate = [&](const Helix& hh) {
    return opt.multiple_scattering ? accumulate_scattering(hh, ws, opt, a, b, n_used)
                                   : accumulate_diagonal(hc, a, b, n_used);
  };
  ws.v_valid = false;
  double chi2 = accumulate(h);
  bool converged = false;
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    converged = false;
    for (int it = 0; it < opt.max_iterations && std::isfinite(chi2); ++it) {
      const detail::SmallCholesky<5> llt(a);
      if (!llt.ok() || n_used < 5) break;
      Vector5 dp = llt.solve(b);
      if (!dp.allFinite()) break;
      const double distance = dp.dot(b);  // dp^T A dp
      if (distance < opt.tolerance) {
        // Converged: take the last (small) step without another evaluation of the hits; A (hence
        // the covariance) changes by O(dp) relative, chi2 by the predicted decrease dp^T A dp.
        h = step(h, dp);
        // (>= 0 in exact arithmetic; an exact fit, e.g. 5 hits, would round below 0)
        chi2 = std::max(0.0, chi2 - distance);
        converged = true;
        break;
      }
      const Helix h0 = h;
      double chi2_new = kNaN;
      for (int halving = 0; halving < 8; ++halving) {
        h = step(h0, dp);
        evaluate_all(h, ws);
        ++evaluations;
        chi2_new = accumulate(h);
        if (chi2_new <= chi2 * (1.0 + 1e-10) + 1e-10) break;
        dp *= 0.5;
      }
      chi2 = chi2_new;
    }
    if (!converged) break;
    // Re-decide the kept hits at the optimum (with annealing); refit if the set changed or, with
    // multiple scattering, once more with V evaluated at the optimum. Not after the last round:
    // there would be no refit, and the result would mix the optimum of one set with another.
    const bool changed = opt.annealing && round + 1 < kRounds && decide_kept_hits(hc, cut);
    const bool refresh_v = opt.multiple_scattering && round < 2;
    if (!changed && !refresh_v) break;
    evaluate_all(h, ws);
    ++evaluations;
    ws.v_valid = false;
    chi2 = accumulate(h);
  }
  out.helix = h;
  out.chi2 = chi2;
  out.ndf = n_used - 5;
  out.iterations = evaluations;
  const detail::SmallCholesky<5> llt(a);
  if (llt.ok() && n_used >= 5) out.cov = llt.inverse();
  out.converged = converged && n_used >= 5 && out.cov.allFinite() && std::isfinite(chi2);
  return out;
}

/// The robust objective that ranks attempts: chi2 of the kept hits plus the outlier cut for
/// every rejected hit (what the annealing minimises at T = 1); non-converged attempts last.
double robust_objective(const TrackFit& fit, std::size_t n_hits, double cut) {
  if (!fit.converged) return std::numeric_limits<double>::infinity();
  return fit.chi2 + cut * static_cast<double>(n_hits - static_cast<std::size_t>(fit.ndf + 5));
}

/// Circle prefit: annealing of d0, phi0, omega on the axial hits alone (rows [0, axial_end); z
/// does not enter their DOCA), so that the stereo z seed is computed from a circle at the
/// drift-circle precision. It starts 10x cooler than the main annealing and stops after its
/// first step at T = 1 unless chi2 still fell by > 1000 (far from converged): this circle only
/// seeds z and the main annealing, which starts hot again and refines it.
DARKRECON_AVX2_CLONES
void prefit_circle(Helix& h, const HelixFitterOptions& opt, Workspace& ws) {
  HitColumns& hc = ws.cols;
  if (hc.n_axial < 5) return;
  const double cut = opt.outlier_chi2_cut;
  if (ws.geometry) {
    for (std::size_t k = 0; k < hc.n_axial; ++k) {
      HitState& hs = ws.hits[static_cast<std::size_t>(hc.hit[k])];
      hs.s = detail::doca_start(h, hs.wire);
    }
  }
  evaluate_rows(h, ws, hc.axial_end);
  int m = 0;
  const double mean = mean_best_side_chi2(hc, hc.axial_end, m);
  if (m < 5) return;
  double t = std::clamp(mean * opt.start_temperature_factor * kPrefitScale, 1.0, opt.max_temperature);
  constexpr double kNoStep[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
  for (int k = 0; k < 40; ++k) {
    annealing_weights(hc, 0, hc.axial_end, kNoStep, 0.5 / t, std::exp(-0.5 * cut / t));
    double sums[9];
    normal_equations_circle(hc, sums);
    Eigen::Matrix3d a;
    a(0, 0) = sums[0], a(1, 0) = sums[1], a(2, 0) = sums[2], a(1, 1) = sums[3], a(2, 1) = sums[4], a(2, 2) = sums[5];
    const Eigen::Vector3d b(sums[6], sums[7], sums[8]);
    a.diagonal() *= 1.0 + 1e-9;
    const detail::SmallCholesky<3> llt(a);
    if (!llt.ok()) return;
    const Eigen::Vector3d dp = llt.solve(b);
    if (!dp.allFinite()) return;
    h.d0 += dp[0];
    h.phi0 += dp[1];
    h.omega += dp[2];
    if (t <= 1.0 && dp.dot(b) < 1e3) break;  // (the fit that follows evaluates the hits itself)
    evaluate_rows(h, ws, hc.axial_end);
    t = std::max(1.0, t * opt.anneal_factor);
  }
}

/// z0 and tanLambda of the line z(s) through the most stereo drift-circle candidates (a small
/// RANSAC over pairs from the inner and outer thirds of the hits), for retries.

bool ransac_z_seed(Workspace& ws, Helix* h);
void seed_z(HitColumns& hc, Helix* out);

/// Fit rows begin..end; writes the per-hit weight and left/right sign of the best attempt to
/// weight[0..n) and lr_sign[0..n) (0 where there is no fit).
DARKRECON_AVX2_CLONES
TrackFit fit_one(const WireHitColumns& in, std::size_t begin, std::size_t end, const double* seed,
                 const HelixFitterOptions& opt, Workspace& ws, double* weight, double* lr_sign) {
  TrackFit out;
  out.cov.setConstant(kNaN);
  const std::size_t n = end - begin;
  const auto no_hit_results = [&]() {
    std::fill(weight, weight + n, 0.0);
    std::fill(lr_sign, lr_sign + n, 0.0);
  };
  out.ndf = static_cast<int>(n) - 5;
  ws.cols.load(in, begin, end);
  Helix h;
  if (seed) {
    h = Helix(seed[0], seed[1], seed[2], seed[3], seed[4]);
  } else {
    const bool circle = seed_circle(ws.cols, &h);
    if (circle && !opt.annealing) seed_z(ws.cols, &h);  // with annealing: after the prefit
    if (!circle) {
      out.helix = h;
      no_hit_results();
      return out;
    }
  }
  out.helix = h;
  if (n < 5) {
    no_hit_results();
    return out;
  }

  ws.geometry = opt.multiple_scattering;
  if (ws.geometry) {
    ws.hits.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t r = begin + i;
      HitState& hs = ws.hits[i];
      hs.wire.point = Vector3(in.wire_point[3 * r], in.wire_point[3 * r + 1], in.wire_point[3 * r + 2]);
      hs.wire.direction = Vector3(in.wire_dir[3 * r], in.wire_dir[3 * r + 1], in.wire_dir[3 * r + 2]);
      hs.inv_var = 1.0 / (in.sigma[r] * in.sigma[r]);
      hs.ok = false;
      hs.lr = 1.0;
      hs.s = kNaN;
    }
  }
  if (!seed && opt.annealing) {
    // Self-seeded: refine the circle on the axial drift circles, then redo z from the stereo
    // hits with it (the wire-position circle is too coarse for the stereo z).
    prefit_circle(h, opt, ws);
    seed_z(ws.cols, &h);
    if (ws.geometry) {  // the warm starts of the stereo hits
      for (std::size_t k = ws.cols.axial_end; k < ws.cols.stride; ++k) {
        if (ws.cols.hit[k] >= 0) ws.hits[static_cast<std::size_t>(ws.cols.hit[k])].s = ws.cols.col(HitColumns::kS)[k];
      }
    }
  }
  TrackFit best = run_attempt(h, opt, opt.start_temperature_factor, opt.anneal_factor, ws, !seed);
  hit_results(ws.cols, weight, lr_sign);
  int evaluations = best.iterations;
  if (!opt.annealing || opt.max_retries <= 0) return best;
  double best_objective = robust_objective(best, n, opt.outlier_chi2_cut);
  if (best.converged && best.ndf + 5 == static_cast<int>(n)) return best;
  // Some hits were rejected (or no convergence): a local minimum is possible (typically a wrong
  // left/right pattern of the stereo hits). Retry from the seed with a hotter, slower
  // annealing, then from a RANSAC z seed, and keep the attempt with the best robust objective.
  for (int retry = 0; retry < opt.max_retries && retry < 2; ++retry) {
    Helix start = h;
    if (retry == 1 && !ransac_z_seed(ws, &start)) continue;
    TrackFit fit = run_attempt(start, opt, 10.0 * opt.start_temperature_factor,
                               std::sqrt(opt.anneal_factor), ws);
    evaluations += fit.iterations;
    const double objective = robust_objective(fit, n, opt.outlier_chi2_cut);
    if (objective < best_objective) {
      best = fit;
      best_objective = objective;
      hit_results(ws.cols, weight, lr_sign);
      if (best.ndf + 5 == static_cast<int>(n)) break;
    }
  }
  best.iterations = evaluations;
  return best;
}

bool ransac_z_seed(Workspace& ws, Helix* h) {
  HitColumns& hc = ws.cols;
  stereo_crossings(*h, hc);
  std::vector<StereoPoint>& pts = ws.stereo_points;
  pts.clear();
  for (std::size_t k = hc.axial_end; k < hc.stride; ++k) {
    if (hc.col(HitColumns::kCrossValid)[k] > 0.0) {
      pts.push_back({hc.col(HitColumns::kCrossS)[k], hc.col(HitColumns::kCrossZ)[k], hc.col(HitColumns::kCrossDz)[k]});
    }
  }
  const std::size_t m = pts.size();
  if (m < 4) return false;
  std::sort(pts.begin(), pts.end(), [](const StereoPoint& a, const StereoPoint& b) { return a.s < b.s; });
  const std::size_t third = std::max<std::size_t>(1, m / 3);
  constexpr double kWindow = 1.0;  // cm
  int best_count = -1;
  double best_sum = 0.0, best_z0 = h->z0, best_tl = h->tan_lambda;
  for (std::size_t i = 0; i < third; ++i) {
    for (std::size_t j = m - third; j < m; ++j) {
      if (pts[j].s - pts[i].s < 1.0) continue;
      for (int c = 0; c < 4; ++c) {
        const double zi = pts[i].z + ((c & 1) ? pts[i].dz : -pts[i].dz);
        const double zj = pts[j].z + ((c & 2) ? pts[j].dz : -pts[j].dz);
        const double tl = (zj - zi) / (pts[j].s - pts[i].s);
        const double z0 = zi - tl * pts[i].s;
        int count = 0;
        double sum = 0.0;
        for (const auto& p : pts) {
          const double zl = z0 + tl * p.s;
          const double dev = std::min(std::abs(p.z + p.dz - zl), std::abs(p.z - p.dz - zl));
          if (dev < kWindow) {
            ++count;
            sum += dev;
          }
        }
        if (count > best_count || (count == best_count && sum < best_sum)) {
          best_count = count, best_sum = sum, best_z0 = z0, best_tl = tl;
        }
      }
    }
  }
  h->z0 = best_z0;
  h->tan_lambda = best_tl;
  return best_count >= 3;
}

}  // namespace

bool seed_helix(const WireHitColumns& in, std::size_t begin, std::size_t end, Helix* out) {
  HitColumns hc;
  hc.load(in, begin, end);
  if (!seed_circle(hc, out)) return false;
  seed_z(hc, out);
  return std::isfinite(out->d0) && std::isfinite(out->phi0) && std::isfinite(out->omega);
}


namespace {


DARKRECON_AVX2_CLONES
bool seed_circle(const HitColumns& hc, Helix* out) {
  *out = Helix(kNaN, kNaN, kNaN, kNaN, kNaN);
  // Karimaki circle fit (NIM A305 (1991) 187) on the axial wire positions, or on every wire's
  // given point if fewer than 3 wires are axial.
  const double* px = hc.col(HitColumns::kPx);
  const double* py = hc.col(HitColumns::kPy);
  const std::size_t stereo_end = hc.axial_end + (hc.n - hc.n_axial);
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, sxr = 0, syr = 0, srr = 0, sr = 0;
  const auto add = [&](std::size_t first, std::size_t last) {
    for (std::size_t k = first; k < last; ++k) {
      const double x = px[k], y = py[k];
      const double r2 = x * x + y * y;
      sw += 1;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
      syy += y * y;
      sxr += x * r2;
      syr += y * r2;
      srr += r2 * r2;
      sr += r2;
    }
  };
  add(0, hc.n_axial);
  if (hc.n_axial < 3) add(hc.axial_end, stereo_end);
  if (sw < 3) return false;
  sx /= sw, sy /= sw, sxx /= sw, sxy /= sw, syy /= sw, sxr /= sw, syr /= sw, srr /= sw, sr /= sw;
  const double cxx = sxx - sx * sx, cxy = sxy - sx * sy, cyy = syy - sy * sy;
  const double cxr = sxr - sx * sr, cyr = syr - sy * sr, crr = srr - sr * sr;
  if (!(crr > 0.0)) return false;
  const double q1 = crr * cxy - cxr * cyr;
  const double q2 = crr * (cxx - cyy) - cxr * cxr + cyr * cyr;
  // Two stationary angles, pi/2 apart: keep the one with the smaller algebraic chi2.
  double best_phi = 0.0, best_kappa = 0.0, best_delta = 0.0, best_chi2 = std::numeric_limits<double>::infinity();
  for (int k = 0; k < 2; ++k) {
    const double phi = 0.5 * std::atan2(2.0 * q1, q2) + k * 1.5707963267948966;
    const double sp = std::sin(phi), cp = std::cos(phi);
    const double kappa = (sp * cxr - cp * cyr) / crr;
    const double delta = -kappa * sr + sp * sx - cp * sy;
    // chi2 / sw = variance of (kappa r^2 - x sin + y cos)
    const double chi2 = kappa * kappa * crr + sp * sp * cxx + cp * cp * cyy - 2 * kappa * sp * cxr +
                        2 * kappa * cp * cyr - 2 * sp * cp * cxy;
    if (chi2 < best_chi2) best_chi2 = chi2, best_phi = phi, best_kappa = kappa, best_delta = delta;
  }
  const double root = std::sqrt(std::max(0.0, 1.0 - 4.0 * best_delta * best_kappa));
  Helix h(2.0 * best_delta / (1.0 + root), best_phi, root > 0 ? 2.0 * best_kappa / root : 0.0, 0.0, 0.0);
  // Orient the circle so that the hits lie at positive arc length (a track leaving the origin).
  // sign(s) = sign(a), a = (q . (cos phi0, sin phi0)) for q from the perigee: the arc lengths
  // themselves (atan2) are only needed when the hits are on both sides.
  const double hc0 = std::cos(h.phi0), hs0 = std::sin(h.phi0);
  std::size_t n_pos = 0, n_neg = 0;
  const auto count_sides = [&](std::size_t first, std::size_t last) {
    for (std::size_t k = first; k < last; ++k) {
      const double a = (px[k] - h.d0 * hs0) * hc0 + (py[k] + h.d0 * hc0) * hs0;
      n_pos += a > 0.0 ? 1 : 0;
      n_neg += a < 0.0 ? 1 : 0;
    }
  };
  count_sides(0, hc.n_axial);
  count_sides(hc.axial_end, stereo_end);
  double s_sum = 0.0;
  if (n_neg == 0) {
    s_sum = n_pos > 0 ? 1.0 : 0.0;
  } else if (n_pos == 0) {
    s_sum = -1.0;
  } else {
    const auto add_arcs = [&](std::size_t first, std::size_t last) {
      for (std::size_t k = first; k < last; ++k) s_sum += h.arc_length_to(px[k], py[k], hc0, hs0);
    };
    add_arcs(0, hc.n_axial);
    add_arcs(hc.axial_end, stereo_end);
  }
  if (s_sum < 0.0) h = Helix(-h.d0, wrap_angle(h.phi0 + 3.141592653589793), -h.omega, 0.0, 0.0);
  *out = h;
  return std::isfinite(out->d0) && std::isfinite(out->phi0) && std::isfinite(out->omega);
}

/// z0 and tanLambda from the stereo hits for the circle already in *out (stereo_crossings and
/// fit_z_line), and the crossings' arc lengths as the warm starts (kS) of the stereo hits' first
/// DOCA where they are clear.
void seed_z(HitColumns& hc, Helix* out) {
  stereo_crossings(*out, hc);
  fit_z_line(hc, *out);
  for (std::size_t k = hc.axial_end; k < hc.stride; ++k) {
    if (hc.col(HitColumns::kCrossWarm)[k] > 0.0) hc.col(HitColumns::kS)[k] = hc.col(HitColumns::kCrossS)[k];
  }
}

}  // namespace

void fit_helices(const WireHitColumns& hits, const core::EventOffsets& tracks, const double* seed,
                 const HelixFitterOptions& options, const HelixFitOutput& out, int n_threads) {
  // Tracks are handed out in blocks from a shared counter rather than in one contiguous range per
  // thread: fits differ in cost (retries) and a core may be busy with other work. Every track is
  // fitted on its own with the thread's own workspace, so the schedule cannot change a result.
  constexpr std::size_t kBlock = 32;
  const std::size_t n_blocks = (tracks.n_events + kBlock - 1) / kBlock;
  const auto workers = std::min<std::size_t>(static_cast<std::size_t>(core::resolve_threads(n_threads)), n_blocks);
  std::atomic<std::size_t> next_block{0};
  core::parallel_for(workers, static_cast<int>(workers), [&](std::size_t, std::size_t) {
    Workspace ws;
    for (std::size_t block = next_block.fetch_add(1); block < n_blocks; block = next_block.fetch_add(1)) {
      const std::size_t first = block * kBlock, last = std::min(tracks.n_events, first + kBlock);
      for (std::size_t t = first; t < last; ++t) {
        const std::size_t begin = tracks.begin(t), end = tracks.end(t);
        const TrackFit fit = fit_one(hits, begin, end, seed ? seed + 5 * t : nullptr, options, ws,
                                     out.weight + begin, out.lr_sign + begin);
        HelixParams p = fit.helix.params();
        if (std::isfinite(p[1])) p[1] = wrap_angle(p[1]);
        for (int k = 0; k < 5; ++k) out.params[5 * t + static_cast<std::size_t>(k)] = p[k];
        for (int r = 0; r < 5; ++r)
          for (int c = 0; c < 5; ++c) out.cov[25 * t + static_cast<std::size_t>(5 * r + c)] = fit.cov(r, c);
        out.chi2[t] = fit.chi2;
        out.ndf[t] = fit.ndf;
        out.converged[t] = fit.converged ? 1 : 0;
        if (out.iterations) out.iterations[t] = fit.iterations;
      }
    }
  });
}

}  // namespace darkrecon::tracking
