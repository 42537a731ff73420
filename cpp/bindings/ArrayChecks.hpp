// Input validation shared by every binding: each argument is checked for dtype, shape,
// contiguity and finiteness before the GIL is released, and a failure raises a Python
// TypeError / ValueError that names the argument. Nothing unchecked reaches the core.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "darkrecon/core/Parallel.hpp"

namespace darkrecon::bindings {

namespace py = pybind11;

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Int64Array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

/// A value for a message: %.9g (std::to_string's %f prints -1e-9 as -0.000000).
inline std::string format_double(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", x);
  return buf;
}

/// Whether sigma can weigh a measurement: 1 / sigma^2 a finite non-zero double (sigma within
/// about 1e-154 .. 1e154; 1e-170 would give inf, 1e170 zero).
inline bool usable_sigma(double sigma) {
  const double inv_var = 1.0 / (sigma * sigma);
  return sigma > 0.0 && inv_var > 0.0 && inv_var < std::numeric_limits<double>::infinity();
}

/// The error for a sigma that cannot weigh a measurement (row `row`), or nothing.
inline void require_usable_sigma(double sigma, py::ssize_t row) {
  if (!(sigma > 0.0)) {
    throw py::value_error("sigma must be > 0; row " + std::to_string(row) + " is " + format_double(sigma));
  }
  if (!usable_sigma(sigma)) {
    throw py::value_error("sigma must be within about 1e-154 .. 1e154 (1 / sigma^2 a finite non-zero double); row " +
                          std::to_string(row) + " is " + format_double(sigma));
  }
}

inline std::string shape_string(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    s += std::to_string(a.shape(i));
    if (a.ndim() == 1 || i + 1 < a.ndim()) s += a.ndim() == 1 ? "," : ", ";
  }
  return s + ")";
}

/// The error for a NaN or inf at flat index `index` of the array `name`.
[[noreturn]] inline void raise_non_finite(const char* name, py::ssize_t index) {
  throw py::value_error(std::string(name) + " contains a non-finite value (NaN or inf) at flat index " +
                        std::to_string(index));
}

/// Index of the first NaN or inf in d[0..n), or -1. The scan is a branch-free exponent test
/// that the compiler vectorises, split over threads with the GIL released for large arrays,
/// so that validating costs far less than the kernels it protects.
inline py::ssize_t first_non_finite(const double* d, py::ssize_t n, int n_threads) {
  constexpr std::uint64_t exponent = 0x7ff0000000000000ULL;
  constexpr py::ssize_t parallel_above = 1 << 18;
  auto any_bad = [d](std::size_t begin, std::size_t end) {
    std::uint64_t bad = 0;
    for (std::size_t i = begin; i < end; ++i) {
      std::uint64_t bits;
      std::memcpy(&bits, d + i, sizeof bits);
      bad |= static_cast<std::uint64_t>((bits & exponent) == exponent);
    }
    return bad != 0;
  };
  bool found = false;
  if (n < parallel_above) {
    found = any_bad(0, static_cast<std::size_t>(n));
  } else {
    std::atomic<bool> flag{false};
    py::gil_scoped_release release;
    core::parallel_for(static_cast<std::size_t>(n), n_threads, [&](std::size_t b, std::size_t e) {
      if (any_bad(b, e)) flag.store(true, std::memory_order_relaxed);
    });
    found = flag.load();
  }
  if (!found) return -1;
  for (py::ssize_t i = 0; i < n; ++i) {
    if (!std::isfinite(d[i])) return i;
  }
  return -1;
}

/// Any array-like as a NumPy array; refuses None and objects NumPy cannot read as numbers.
inline py::array as_numeric_array(py::handle obj, const char* name, bool integer_only) {
  if (obj.is_none()) throw py::type_error(std::string(name) + " must be an array, got None");
  py::array arr;
  try {
    arr = py::array::ensure(obj);
  } catch (py::error_already_set&) {
    arr = py::array();
  }
  if (!arr) throw py::type_error(std::string(name) + " must be convertible to a NumPy array");
  const char kind = arr.dtype().kind();
  const bool ok = integer_only ? (kind == 'i' || kind == 'u') : (kind == 'f' || kind == 'i' || kind == 'u');
  if (!ok) {
    throw py::type_error(std::string(name) + " must have " +
                         (integer_only ? "an integer" : "a real numeric") + " dtype, got " +
                         std::string(py::str(arr.dtype())));
  }
  return arr;
}

/// A float64, C-contiguous array of the given shape (-1 = any extent). Other real dtypes
/// and non-contiguous views are converted (one copy); non-finite values are refused.
inline DoubleArray as_doubles(py::handle obj, const char* name, std::vector<py::ssize_t> shape,
                              bool require_finite = true, int n_threads = 1) {
  py::array arr = as_numeric_array(obj, name, false);
  bool match = arr.ndim() == static_cast<py::ssize_t>(shape.size());
  for (std::size_t i = 0; match && i < shape.size(); ++i) {
    match = shape[i] < 0 || arr.shape(static_cast<py::ssize_t>(i)) == shape[i];
  }
  if (!match) {
    std::string want = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
      want += shape[i] < 0 ? std::string("n") : std::to_string(shape[i]);
      want += (shape.size() == 1) ? "," : (i + 1 < shape.size() ? ", " : "");
    }
    want += ")";
    throw py::value_error(std::string(name) + " must have shape " + want + ", got " +
                          shape_string(arr));
  }
  DoubleArray out = DoubleArray::ensure(arr);
  if (!out) throw py::type_error(std::string(name) + " could not be converted to float64");
  if (require_finite) {
    const py::ssize_t bad = first_non_finite(out.data(), out.size(), n_threads);
    if (bad >= 0) raise_non_finite(name, bad);
  }
  return out;
}

/// Event offsets: integer, 1-D, starts at 0, non-decreasing, ends at n_rows.
inline Int64Array as_offsets(py::handle obj, const char* name, py::ssize_t n_rows) {
  py::array arr = as_numeric_array(obj, name, true);
  if (arr.ndim() != 1 || arr.shape(0) < 1) {
    throw py::value_error(std::string(name) + " must be 1-D with at least one entry (n_events + 1), got shape " +
                          shape_string(arr));
  }
  Int64Array out = Int64Array::ensure(arr);
  if (!out) throw py::type_error(std::string(name) + " could not be converted to int64");
  const std::int64_t* o = out.data();
  const py::ssize_t n = out.size();
  if (o[0] != 0) throw py::value_error(std::string(name) + " must start at 0, got " + std::to_string(o[0]));
  for (py::ssize_t i = 1; i < n; ++i) {
    if (o[i] < o[i - 1]) {
      throw py::value_error(std::string(name) + " must be non-decreasing; offsets[" + std::to_string(i) +
                            "] = " + std::to_string(o[i]) + " < offsets[" + std::to_string(i - 1) +
                            "] = " + std::to_string(o[i - 1]));
    }
  }
  if (o[n - 1] != n_rows) {
    throw py::value_error(std::string(name) + " must end at the number of rows (" + std::to_string(n_rows) +
                          "), got " + std::to_string(o[n - 1]));
  }
  return out;
}

/// The same-length check for the columns of one collection.
inline void require_same_length(const DoubleArray& a, const char* name, py::ssize_t n,
                                const char* reference) {
  if (a.shape(0) != n) {
    throw py::value_error(std::string(name) + " has " + std::to_string(a.shape(0)) + " rows but " +
                          reference + " has " + std::to_string(n));
  }
}

}  // namespace darkrecon::bindings
