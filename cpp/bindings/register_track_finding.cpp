// Bindings of the CDC track finder: validated hit columns in, tracks and assignment out.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <string>
#include <vector>

#include "ArrayChecks.hpp"
#include "darkrecon/geometry/CDCGeometry.hpp"
#include "darkrecon/tracking/TrackFinder.hpp"

namespace darkrecon::bindings {
namespace {

namespace trk = darkrecon::tracking;
namespace geo = darkrecon::geometry;
using Int32Array = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>;

Int32Array as_int32_column(py::handle obj, const char* name, py::ssize_t n) {
  py::array arr = as_numeric_array(obj, name, true);
  if (arr.ndim() != 1) throw py::value_error(std::string(name) + " must be 1-D, got shape " + shape_string(arr));
  Int32Array out = Int32Array::ensure(arr);
  if (!out) throw py::type_error(std::string(name) + " could not be converted to int32");
  if (out.shape(0) != n) {
    throw py::value_error(std::string(name) + " has " + std::to_string(out.shape(0)) + " rows but drift has " +
                          std::to_string(n));
  }
  return out;
}

template <class T>
py::array_t<T> to_numpy(std::vector<T>& v, std::vector<py::ssize_t> shape) {
  auto* owner = new std::vector<T>(std::move(v));
  py::capsule free_when_done(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owner->data(), free_when_done);
}

void set_option(trk::TrackFinderOptions& o, const std::string& key, py::handle value) {
  auto d = [&]() { return value.cast<double>(); };
  auto i = [&]() { return value.cast<int>(); };
  auto& f = o.fitter;
  if (key == "min_pt") o.min_pt = d();
  else if (key == "max_level") o.max_level = i();
  else if (key == "legendre_tolerance") o.legendre_tolerance = d();
  else if (key == "min_neighbours") o.min_neighbours = i();
  else if (key == "min_axial_hits") o.min_axial_hits = i();
  else if (key == "assign_distance") o.assign_distance = d();
  else if (key == "max_tracks") o.max_tracks = i();
  else if (key == "min_stereo_hits") o.min_stereo_hits = i();
  else if (key == "z0_max") o.z0_max = d();
  else if (key == "tan_lambda_min") o.tan_lambda_min = d();
  else if (key == "tan_lambda_max") o.tan_lambda_max = d();
  else if (key == "z_tolerance") o.z_tolerance = d();
  else if (key == "curler_distance") o.curler_distance = d();
  else if (key == "drift_velocity") o.drift_velocity = d();
  else if (key == "max_time_offset") o.max_time_offset = d();
  else if (key == "max_d0") o.max_d0 = d();
  else if (key == "max_z0") o.max_z0 = d();
  else if (key == "fit") o.fit = value.cast<bool>();
  else if (key == "max_chi2_ndf") o.max_chi2_ndf = d();
  else if (key == "multiple_scattering") f.multiple_scattering = value.cast<bool>();
  else if (key == "outlier_chi2_cut") f.outlier_chi2_cut = d();
  else if (key == "max_iterations") f.max_iterations = i();
  else if (key == "max_retries") f.max_retries = i();
  else if (key == "annealing") f.annealing = value.cast<bool>();
  else if (key == "start_temperature_factor") f.start_temperature_factor = d();
  else if (key == "anneal_factor") f.anneal_factor = d();
  else if (key == "radiation_length") f.radiation_length = d();
  else if (key == "mass") f.mass = d();
  else throw py::key_error("unknown track finding option '" + key + "'");
}

void check_options(const trk::TrackFinderOptions& o) {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw py::value_error(std::string("invalid track finding option: ") + what);
  };
  require(std::isfinite(o.bfield) && o.bfield > 0.0, "bfield must be a finite positive field in tesla");
  require(std::isfinite(o.min_pt) && o.min_pt > 0.0, "min_pt must be > 0 (GeV)");
  require(o.max_level >= 4 && o.max_level <= 20, "max_level must be in [4, 20]");
  require(std::isfinite(o.legendre_tolerance) && o.legendre_tolerance >= 0.0, "legendre_tolerance must be >= 0 (cm)");
  require(o.min_neighbours >= 0, "min_neighbours must be >= 0");
  require(o.min_axial_hits >= 3, "min_axial_hits must be >= 3");
  require(std::isfinite(o.assign_distance) && o.assign_distance > 0.0, "assign_distance must be > 0 (cm)");
  require(o.max_tracks >= 0, "max_tracks must be >= 0");
  require(o.min_stereo_hits >= 2, "min_stereo_hits must be >= 2");
  require(std::isfinite(o.z0_max) && o.z0_max > 0.0, "z0_max must be > 0 (cm)");
  require(std::isfinite(o.tan_lambda_min) && std::isfinite(o.tan_lambda_max) && o.tan_lambda_min < o.tan_lambda_max,
          "need tan_lambda_min < tan_lambda_max");
  require(std::isfinite(o.z_tolerance) && o.z_tolerance > 0.0, "z_tolerance must be > 0 (cm)");
  require(std::isfinite(o.curler_distance) && o.curler_distance >= 0.0, "curler_distance must be >= 0 (cm)");
  require(std::isfinite(o.drift_velocity) && o.drift_velocity > 0.0, "drift_velocity must be > 0 (cm/ns)");
  require(o.max_time_offset > 0.0, "max_time_offset must be > 0 (ns)");
  require(o.max_d0 > 0.0 && o.max_z0 > 0.0, "max_d0 and max_z0 must be > 0 (cm)");
  require(o.max_chi2_ndf > 0.0, "max_chi2_ndf must be > 0");
  require(o.fitter.max_iterations >= 1, "max_iterations must be >= 1");
  require(o.fitter.outlier_chi2_cut > 0.0, "outlier_chi2_cut must be > 0");
  require(o.fitter.start_temperature_factor > 0.0, "start_temperature_factor must be > 0");
  require(o.fitter.anneal_factor > 0.0 && o.fitter.anneal_factor < 1.0, "anneal_factor must be in (0, 1)");
  require(o.fitter.radiation_length > 0.0, "radiation_length must be > 0 (cm)");
  require(o.fitter.mass >= 0.0, "mass must be >= 0 (GeV)");
}

}  // namespace

void register_track_finding(py::module_& m) {
  m.def(
      "find_tracks",
      [](const geo::CDCGeometry& cdc, py::handle layer, py::handle wire, py::handle drift, py::handle sigma,
         py::handle offsets, py::handle time, double bfield, const py::dict& options, int n_threads) {
        const DoubleArray dr = as_doubles(drift, "drift", {-1});
        const py::ssize_t n = dr.shape(0);
        const DoubleArray sg = as_doubles(sigma, "sigma", {-1});
        require_same_length(sg, "sigma", n, "drift");
        const Int32Array ly = as_int32_column(layer, "layer", n);
        const Int32Array wi = as_int32_column(wire, "wire", n);
        const Int64Array off = as_offsets(offsets, "offsets", n);
        DoubleArray tm;
        if (!time.is_none()) {
          tm = as_doubles(time, "time", {-1});
          require_same_length(tm, "time", n, "drift");
        }
        for (py::ssize_t k = 0; k < n; ++k) {
          const std::int32_t l = ly.data()[k];
          if (l < 0 || l >= cdc.n_layers()) {
            throw py::value_error("layer must be in [0, " + std::to_string(cdc.n_layers()) + "); row " +
                                  std::to_string(k) + " is " + std::to_string(l));
          }
          const std::int32_t w = wi.data()[k];
          if (w < 0 || w >= cdc.n_cells(l)) {
            throw py::value_error("wire must be in [0, n_cells(layer)); row " + std::to_string(k) + " has wire " +
                                  std::to_string(w) + " in layer " + std::to_string(l) + " of " +
                                  std::to_string(cdc.n_cells(l)) + " cells");
          }
          if (!(dr.data()[k] >= 0.0)) {
            throw py::value_error("drift must be >= 0; row " + std::to_string(k) + " is " + format_double(dr.data()[k]));
          }
          require_usable_sigma(sg.data()[k], k);
        }
        trk::TrackFinderOptions opt;
        opt.bfield = bfield;
        for (auto item : options) set_option(opt, py::str(item.first), item.second);
        check_options(opt);

        const trk::CDCHitColumns hits{ly.data(), wi.data(), dr.data(), sg.data(),
                                      time.is_none() ? nullptr : tm.data(), static_cast<std::size_t>(n)};
        const core::EventOffsets events{off.data(), static_cast<std::size_t>(off.shape(0) - 1)};
        trk::TrackFinderResult r;
        {
          py::gil_scoped_release release;
          r = trk::find_tracks(cdc, hits, events, opt, n_threads);
        }
        const auto nt = static_cast<py::ssize_t>(r.chi2.size());
        py::dict out;
        out["hit_track"] = to_numpy(r.hit_track, {n});
        out["hit_arm"] = to_numpy(r.hit_arm, {n});
        out["track_offsets"] = to_numpy(r.track_offsets, {static_cast<py::ssize_t>(r.track_offsets.size())});
        out["params"] = to_numpy(r.params, {nt, py::ssize_t{5}});
        out["seed"] = to_numpy(r.seed, {nt, py::ssize_t{5}});
        out["cov"] = to_numpy(r.cov, {nt, py::ssize_t{5}, py::ssize_t{5}});
        out["chi2"] = to_numpy(r.chi2, {nt});
        out["ndf"] = to_numpy(r.ndf, {nt});
        out["n_hits"] = to_numpy(r.n_hits, {nt});
        out["n_axial"] = to_numpy(r.n_axial, {nt});
        out["n_stereo"] = to_numpy(r.n_stereo, {nt});
        out["converged"] = to_numpy(r.converged, {nt}).attr("astype")("bool");
        return out;
      },
      py::arg("cdc"), py::arg("layer"), py::arg("wire"), py::arg("drift"), py::arg("sigma"), py::arg("offsets"),
      py::arg("time") = py::none(), py::arg("bfield") = 1.5, py::arg("options") = py::dict(),
      py::arg("n_threads") = 0,
      "Find and fit the CDC tracks of every event (see darkrecon.tracking.find_tracks).");
}

}  // namespace darkrecon::bindings
