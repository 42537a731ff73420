// Cholesky factorisation A = L L^T of a small symmetric positive-definite matrix of fixed size,
// fully unrolled: the normal equations of the helix fit (5x5, the circle prefit 3x3) are solved
// several times per track, where Eigen's general LLT (a loop over blocks of dynamic size) cost
// about 8% of a fit. Reads the lower triangle only, as Eigen::LLT does, and fails (ok() false)
// on a non-finite pivot or one below kRelativePivot times its diagonal element: a matrix that is
// singular in exact arithmetic (e.g. the helix fit of axial hits plus one stereo hit, where z0
// and tanLambda are not both determined) leaves a pivot of rounding noise (~1e-16 relative) of
// either sign, which Eigen::LLT accepts when it happens to be positive (a "solution" with
// variances ~1e14). Well-posed helix fits have pivots above 4e-3 of their diagonal (1000 CDC
// tracks, with and without multiple scattering).
#pragma once

#include <Eigen/Core>

#include <cmath>

namespace darkrecon::tracking::detail {

template <int N>
class SmallCholesky {
 public:
  using Matrix = Eigen::Matrix<double, N, N>;
  using Vector = Eigen::Matrix<double, N, 1>;

  explicit SmallCholesky(const Matrix& a) {
    for (int j = 0; j < N; ++j) {
      double d = a(j, j);
      for (int k = 0; k < j; ++k) d -= l_[j][k] * l_[j][k];
      if (!(d > kRelativePivot * a(j, j)) || !(d > 0.0) || !(d < kHuge)) return;  // also catches NaN
      const double inv = 1.0 / std::sqrt(d);
      l_[j][j] = d * inv;
      inv_diag_[j] = inv;
      for (int i = j + 1; i < N; ++i) {
        double s = a(i, j);
        for (int k = 0; k < j; ++k) s -= l_[i][k] * l_[j][k];
        l_[i][j] = s * inv;
      }
    }
    ok_ = true;
  }

  bool ok() const { return ok_; }

  /// x with A x = b (forward then backward substitution).
  Vector solve(const Vector& b) const {
    Vector y;
    for (int i = 0; i < N; ++i) {
      double s = b[i];
      for (int k = 0; k < i; ++k) s -= l_[i][k] * y[k];
      y[i] = s * inv_diag_[i];
    }
    for (int i = N - 1; i >= 0; --i) {
      double s = y[i];
      for (int k = i + 1; k < N; ++k) s -= l_[k][i] * y[k];
      y[i] = s * inv_diag_[i];
    }
    return y;
  }

  /// A^-1 = L^-T L^-1, exactly symmetric.
  Matrix inverse() const {
    double m[N][N] = {};  // M = L^-1, lower triangular
    for (int j = 0; j < N; ++j) {
      m[j][j] = inv_diag_[j];
      for (int i = j + 1; i < N; ++i) {
        double s = 0.0;
        for (int k = j; k < i; ++k) s -= l_[i][k] * m[k][j];
        m[i][j] = s * inv_diag_[i];
      }
    }
    Matrix out;
    for (int r = 0; r < N; ++r) {
      for (int c = 0; c <= r; ++c) {
        double s = 0.0;
        for (int k = r; k < N; ++k) s += m[k][r] * m[k][c];
        out(r, c) = s;
        out(c, r) = s;
      }
    }
    return out;
  }

 private:
  static constexpr double kHuge = 1e300;
  static constexpr double kRelativePivot = 1e-10;
  double l_[N][N] = {};
  double inv_diag_[N] = {};
  bool ok_ = false;
};

}  // namespace darkrecon::tracking::detail
