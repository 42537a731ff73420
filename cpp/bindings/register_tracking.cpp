// Bindings of the helix fitter: validated NumPy in, NumPy out, GIL released.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <limits>
#include <string>

#include "ArrayChecks.hpp"
#include "darkrecon/tracking/Helix.hpp"
#include "darkrecon/tracking/HelixFitter.hpp"

namespace darkrecon::bindings {
namespace {

namespace trk = darkrecon::tracking;

void require(bool ok, const std::string& message) {
  if (!ok) throw py::value_error(message);
}

}  // namespace

void register_tracking(py::module_& m) {
  m.def(
      "fit_helices",
      [](py::handle wire_point, py::handle wire_dir, py::handle drift, py::handle sigma,
         py::handle offsets, py::handle seed, double bfield, int max_iterations, double tolerance,
         bool annealing, int max_retries, double start_temperature_factor, double max_temperature, double anneal_factor, double outlier_chi2_cut,
         bool multiple_scattering, double radiation_length, double mass, int n_threads) {
        // NaN and inf of the per-hit arrays are found by the per-hit scan below (one pass over
        // them instead of two).
        const DoubleArray wp = as_doubles(wire_point, "wire_point", {-1, 3}, false);
        const py::ssize_t n = wp.shape(0);
        const DoubleArray wd = as_doubles(wire_dir, "wire_dir", {-1, 3}, false);
        require_same_length(wd, "wire_dir", n, "wire_point");
        const DoubleArray dr = as_doubles(drift, "drift", {-1}, false);
        require_same_length(dr, "drift", n, "wire_point");
        const DoubleArray sg = as_doubles(sigma, "sigma", {-1}, false);
        require_same_length(sg, "sigma", n, "wire_point");
        const Int64Array off = as_offsets(offsets, "offsets", n);
        const py::ssize_t n_tracks = off.shape(0) - 1;
        // Per-hit checks: a branch-free scan first (|norm^2 - 1| < 1.999e-6 flags every row with
        // |norm - 1| >= 1e-6; NaN and inf are flagged too), then, only if a row is flagged, the
        // exact tests with the message (formatting it for every row cost as much as the fit).
        constexpr double kInf = std::numeric_limits<double>::infinity();
        bool flagged = false;
        for (py::ssize_t i = 0; i < n; ++i) {
          const double* u = wd.data() + 3 * i;
          const double norm2 = u[0] * u[0] + u[1] * u[1] + u[2] * u[2];
          const double* p = wp.data() + 3 * i;
          const double d = dr.data()[i];
          // (the fitter weighs a hit by 1 / sigma^2: it must be a finite non-zero double too)
          flagged |= !(std::abs(p[0]) + std::abs(p[1]) + std::abs(p[2]) < kInf) |
                     !(std::abs(norm2 - 1.0) < 1.999e-6) | !(d >= 0.0 && d < kInf) | !usable_sigma(sg.data()[i]);
        }
        const auto require_finite = [](const double* v, py::ssize_t count, py::ssize_t row, const char* name) {
          for (py::ssize_t k = 0; k < count; ++k) {
            if (!std::isfinite(v[k])) raise_non_finite(name, row * count + k);
          }
        };
        for (py::ssize_t i = 0; flagged && i < n; ++i) {
          const double* u = wd.data() + 3 * i;
          require_finite(wp.data() + 3 * i, 3, i, "wire_point");
          require_finite(u, 3, i, "wire_dir");
          require_finite(dr.data() + i, 1, i, "drift");
          require_finite(sg.data() + i, 1, i, "sigma");
          const double norm = std::sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
          if (!(std::abs(norm - 1.0) < 1e-6)) {
            require(false, "wire_dir must hold unit vectors; row " + std::to_string(i) + " has norm " +
                               format_double(norm));
          }
          if (!(dr.data()[i] >= 0.0)) {
            require(false, "drift must be >= 0; row " + std::to_string(i) + " is " + format_double(dr.data()[i]));
          }
          require_usable_sigma(sg.data()[i], i);
        }
        DoubleArray sd;
        if (!seed.is_none()) {
          sd = as_doubles(seed, "seed", {n_tracks, 5});
        }
        require(std::isfinite(bfield) && bfield > 0.0, "bfield must be a finite positive field in tesla");
        require(max_iterations >= 1, "max_iterations must be >= 1");
        require(std::isfinite(tolerance) && tolerance > 0.0, "tolerance must be > 0");
        require(std::isfinite(max_temperature) && max_temperature >= 1.0, "max_temperature must be >= 1");
        require(std::isfinite(start_temperature_factor) && start_temperature_factor > 0.0,
                "start_temperature_factor must be > 0");
        require(anneal_factor > 0.0 && anneal_factor < 1.0, "anneal_factor must be in (0, 1)");
        require(std::isfinite(outlier_chi2_cut) && outlier_chi2_cut > 0.0, "outlier_chi2_cut must be > 0");
        require(std::isfinite(radiation_length) && radiation_length > 0.0, "radiation_length must be > 0 (cm)");
        require(std::isfinite(mass) && mass >= 0.0, "mass must be >= 0 (GeV)");

        trk::HelixFitterOptions opt;
        opt.bfield = bfield;
        opt.max_iterations = max_iterations;
        opt.tolerance = tolerance;
        opt.annealing = annealing;
        opt.max_retries = max_retries;
        opt.max_temperature = max_temperature;
        opt.start_temperature_factor = start_temperature_factor;
        opt.anneal_factor = anneal_factor;
        opt.outlier_chi2_cut = outlier_chi2_cut;
        opt.multiple_scattering = multiple_scattering;
        opt.radiation_length = radiation_length;
        opt.mass = mass;

        py::array_t<double> params({n_tracks, py::ssize_t{5}});
        py::array_t<double> cov({n_tracks, py::ssize_t{5}, py::ssize_t{5}});
        py::array_t<double> chi2(n_tracks);
        py::array_t<std::int64_t> ndf(n_tracks);
        py::array_t<std::uint8_t> converged(n_tracks);
        py::array_t<std::int32_t> iterations(n_tracks);
        py::array_t<double> weight(n);
        py::array_t<double> lr_sign(n);
        trk::HelixFitOutput out{params.mutable_data(), cov.mutable_data(), chi2.mutable_data(),
                                ndf.mutable_data(),    converged.mutable_data(), iterations.mutable_data(),
                                weight.mutable_data(), lr_sign.mutable_data()};
        const trk::WireHitColumns hits{wp.data(), wd.data(), dr.data(), sg.data(), static_cast<std::size_t>(n)};
        const core::EventOffsets tracks{off.data(), static_cast<std::size_t>(n_tracks)};
        const double* seed_ptr = seed.is_none() ? nullptr : sd.data();
        {
          py::gil_scoped_release release;
          trk::fit_helices(hits, tracks, seed_ptr, opt, out, n_threads);
        }
        py::dict result;
        result["params"] = params;
        result["cov"] = cov;
        result["chi2"] = chi2;
        result["ndf"] = ndf;
        result["converged"] = converged.attr("astype")("bool");
        result["iterations"] = iterations;
        result["weight"] = weight;
        result["lr_sign"] = lr_sign;
        return result;
      },
      py::arg("wire_point"), py::arg("wire_dir"), py::arg("drift"), py::arg("sigma"), py::arg("offsets"),
      py::arg("seed") = py::none(), py::arg("bfield") = 1.5, py::arg("max_iterations") = 30,
      py::arg("tolerance") = 0.1, py::arg("annealing") = true, py::arg("max_retries") = 2,
      py::arg("start_temperature_factor") = 30.0, py::arg("max_temperature") = 1e5,
      py::arg("anneal_factor") = 0.1, py::arg("outlier_chi2_cut") = 16.0,
      py::arg("multiple_scattering") = false, py::arg("radiation_length") = 64000.0,
      py::arg("mass") = 0.13957039, py::arg("n_threads") = 0,
      "Least-squares helix fit of each track's wire hits (see darkrecon.tracking.fit_helices).");

  m.def(
      "seed_helices",
      [](py::handle wire_point, py::handle wire_dir, py::handle offsets, py::handle drift) {
        const DoubleArray wp = as_doubles(wire_point, "wire_point", {-1, 3});
        const py::ssize_t n = wp.shape(0);
        const DoubleArray wd = as_doubles(wire_dir, "wire_dir", {-1, 3});
        require_same_length(wd, "wire_dir", n, "wire_point");
        DoubleArray dr;
        if (!drift.is_none()) {
          dr = as_doubles(drift, "drift", {-1});
          require_same_length(dr, "drift", n, "wire_point");
        }
        const Int64Array off = as_offsets(offsets, "offsets", n);
        const py::ssize_t n_tracks = off.shape(0) - 1;
        py::array_t<double> params({n_tracks, py::ssize_t{5}});
        double* p = params.mutable_data();
        const trk::WireHitColumns hits{wp.data(), wd.data(), drift.is_none() ? nullptr : dr.data(), nullptr,
                                       static_cast<std::size_t>(n)};
        {
          py::gil_scoped_release release;
          for (py::ssize_t t = 0; t < n_tracks; ++t) {
            trk::Helix h;
            trk::seed_helix(hits, static_cast<std::size_t>(off.data()[t]), static_cast<std::size_t>(off.data()[t + 1]), &h);
            const trk::HelixParams hp = h.params();
            for (int k = 0; k < 5; ++k) p[5 * t + k] = hp[k];
          }
        }
        return params;
      },
      py::arg("wire_point"), py::arg("wire_dir"), py::arg("offsets"), py::arg("drift") = py::none(),
      "Circle (Karimaki) + stereo seed of each track's wires; NaN where undefined.");

  m.def(
      "helix_from_state",
      [](py::handle position, py::handle momentum, py::handle charge, double bfield) {
        const DoubleArray pos = as_doubles(position, "position", {-1, 3});
        const py::ssize_t n = pos.shape(0);
        const DoubleArray mom = as_doubles(momentum, "momentum", {-1, 3});
        require_same_length(mom, "momentum", n, "position");
        const DoubleArray q = as_doubles(charge, "charge", {-1});
        require_same_length(q, "charge", n, "position");
        require(std::isfinite(bfield) && bfield > 0.0, "bfield must be a finite positive field in tesla");
        py::array_t<double> params({n, py::ssize_t{5}});
        double* p = params.mutable_data();
        for (py::ssize_t i = 0; i < n; ++i) {
          const double* x = pos.data() + 3 * i;
          const double* m3 = mom.data() + 3 * i;
          const trk::Helix h = trk::helix_from_state({x[0], x[1], x[2]}, {m3[0], m3[1], m3[2]}, q.data()[i], bfield);
          const trk::HelixParams hp = h.params();
          for (int k = 0; k < 5; ++k) p[5 * i + k] = hp[k];
        }
        return params;
      },
      py::arg("position"), py::arg("momentum"), py::arg("charge"), py::arg("bfield") = 1.5,
      "Perigee parameters of the helices through the given points with the given momenta.");
}

}  // namespace darkrecon::bindings
