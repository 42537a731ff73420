// Bindings of the ECL reconstruction: the cluster finder on batches of digits.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "ArrayChecks.hpp"
#include "darkrecon/ecl/ClusterFinder.hpp"
#include "darkrecon/ecl/TrackClusterMatcher.hpp"

namespace darkrecon::bindings {
namespace {

namespace ecl = darkrecon::ecl;

template <class T>
py::array_t<T> to_array(std::vector<T>&& v) {
  auto* holder = new std::vector<T>(std::move(v));
  py::capsule owner(holder, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(holder->size()), holder->data(), owner);
}

/// cellIDs: 1-D integers in [1, n_cells], as int32.
py::array_t<std::int32_t, py::array::c_style | py::array::forcecast> cell_ids(py::handle obj, int n_cells) {
  py::array arr = as_numeric_array(obj, "cell_id", true);
  if (arr.ndim() != 1) throw py::value_error("cell_id must be 1-D, got shape " + shape_string(arr));
  Int64Array wide = Int64Array::ensure(arr);
  if (!wide) throw py::type_error("cell_id could not be converted to int64");
  const std::int64_t* c = wide.data();
  py::array_t<std::int32_t, py::array::c_style | py::array::forcecast> out(wide.shape(0));
  std::int32_t* o = out.mutable_data();
  for (py::ssize_t i = 0; i < wide.shape(0); ++i) {
    if (c[i] < 1 || c[i] > n_cells) {
      throw py::value_error("cell_id[" + std::to_string(i) + "] = " + std::to_string(c[i]) +
                            " is not a cellID in [1, " + std::to_string(n_cells) + "]");
    }
    o[i] = static_cast<std::int32_t>(c[i]);
  }
  return out;
}

ecl::ECLSurface surface(double barrel_radius, double forward_z, double backward_z) {
  if (!(barrel_radius > 0.0) || !(forward_z > 0.0) || !(backward_z < 0.0)) {
    throw py::value_error("the ECL surface needs barrel_radius > 0, forward_z > 0 and backward_z < 0");
  }
  return {barrel_radius, forward_z, backward_z};
}

py::array_t<double> matrix_out(std::vector<double>&& v, py::ssize_t cols) {
  const auto rows = static_cast<py::ssize_t>(v.size()) / cols;
  return to_array(std::move(v)).reshape({rows, cols});
}

}  // namespace

void register_ecl(py::module_& m) {
  py::enum_<ecl::EnergySum>(m, "ECLEnergySum")
      .value("all", ecl::EnergySum::all)
      .value("n21", ecl::EnergySum::n21)
      .value("n9", ecl::EnergySum::n9);

  py::class_<ecl::ClusterFinderOptions>(m, "ECLClusterFinderOptions",
                                        "Options of the ECL cluster finder (GeV, cm, ns).")
      .def(py::init<>())
      .def_readwrite("seed_threshold", &ecl::ClusterFinderOptions::seed_threshold)
      .def_readwrite("growth_threshold", &ecl::ClusterFinderOptions::growth_threshold)
      .def_readwrite("digit_threshold", &ecl::ClusterFinderOptions::digit_threshold)
      .def_readwrite("max_abs_time", &ecl::ClusterFinderOptions::max_abs_time)
      .def_readwrite("max_time_pull", &ecl::ClusterFinderOptions::max_time_pull)
      .def_readwrite("time_sigma_a", &ecl::ClusterFinderOptions::time_sigma_a)
      .def_readwrite("time_sigma_b", &ecl::ClusterFinderOptions::time_sigma_b)
      .def_readwrite("local_max_threshold", &ecl::ClusterFinderOptions::local_max_threshold)
      .def_readwrite("moliere_radius", &ecl::ClusterFinderOptions::moliere_radius)
      .def_readwrite("profile_core_fraction", &ecl::ClusterFinderOptions::profile_core_fraction)
      .def_readwrite("profile_core_scale", &ecl::ClusterFinderOptions::profile_core_scale)
      .def_readwrite("profile_tail_scale", &ecl::ClusterFinderOptions::profile_tail_scale)
      .def_readwrite("radiation_length", &ecl::ClusterFinderOptions::radiation_length)
      .def_readwrite("critical_energy", &ecl::ClusterFinderOptions::critical_energy)
      .def_readwrite("max_iterations", &ecl::ClusterFinderOptions::max_iterations)
      .def_readwrite("shift_tolerance", &ecl::ClusterFinderOptions::shift_tolerance)
      .def_readwrite("min_weight", &ecl::ClusterFinderOptions::min_weight)
      .def_readwrite("two_shower_rms", &ecl::ClusterFinderOptions::two_shower_rms)
      .def_readwrite("two_shower_min_energy", &ecl::ClusterFinderOptions::two_shower_min_energy)
      .def_readwrite("two_shower_min_separation", &ecl::ClusterFinderOptions::two_shower_min_separation)
      .def_readwrite("two_shower_region_energy", &ecl::ClusterFinderOptions::two_shower_region_energy)
      .def_readwrite("log_weight_w0", &ecl::ClusterFinderOptions::log_weight_w0)
      .def_readwrite("energy_sum", &ecl::ClusterFinderOptions::energy_sum)
      .def_readwrite("leakage_c0", &ecl::ClusterFinderOptions::leakage_c0)
      .def_readwrite("leakage_c1", &ecl::ClusterFinderOptions::leakage_c1)
      .def_readwrite("leakage_c2", &ecl::ClusterFinderOptions::leakage_c2)
      .def_readwrite("min_cluster_energy", &ecl::ClusterFinderOptions::min_cluster_energy)
      .def_readwrite("sigma_e_a", &ecl::ClusterFinderOptions::sigma_e_a)
      .def_readwrite("sigma_e_b", &ecl::ClusterFinderOptions::sigma_e_b)
      .def_readwrite("sigma_e_c", &ecl::ClusterFinderOptions::sigma_e_c)
      .def_readwrite("sigma_angle_a", &ecl::ClusterFinderOptions::sigma_angle_a)
      .def_readwrite("sigma_angle_c", &ecl::ClusterFinderOptions::sigma_angle_c);

  py::class_<ecl::ClusterFinder, std::shared_ptr<ecl::ClusterFinder>>(
      m, "ECLClusterFinder", "ECL cluster finder bound to a geometry (tables precomputed once).")
      .def(py::init<const darkrecon::geometry::ECLGeometry&>(), py::arg("geometry"))
      .def("n20", &ecl::ClusterFinder::n20, py::arg("cell_id"),
           "The 20 neighbours of the 5x5 minus corners around a crystal.")
      .def(
          "find",
          [](const ecl::ClusterFinder& finder, py::handle cell_id, py::handle energy, py::handle time,
             py::handle offsets, const ecl::ClusterFinderOptions& options, int n_threads) {
            auto cells = cell_ids(cell_id, finder.n_cells());
            const DoubleArray e = as_doubles(energy, "energy", {-1}, true, n_threads);
            const DoubleArray t = as_doubles(time, "time", {-1}, true, n_threads);
            const py::ssize_t n = cells.shape(0);
            require_same_length(e, "energy", n, "cell_id");
            require_same_length(t, "time", n, "cell_id");
            for (py::ssize_t i = 0; i < n; ++i) {
              if (e.data()[i] < 0.0) {
                throw py::value_error("energy[" + std::to_string(i) + "] = " + std::to_string(e.data()[i]) +
                                      " is negative; digit energies must be >= 0");
              }
            }
            const Int64Array off = as_offsets(offsets, "offsets", n);
            ecl::ClusterColumns out;
            {
              py::gil_scoped_release release;
              out = finder.find({cells.data(), e.data(), t.data(), static_cast<std::size_t>(n)},
                                {off.data(), static_cast<std::size_t>(off.shape(0) - 1)}, options, n_threads);
            }
            py::dict d;
            const auto n_clusters = static_cast<py::ssize_t>(out.n_clusters());
            d["offsets"] = to_array(std::move(out.offsets));
            d["energy"] = to_array(std::move(out.energy));
            d["energy_raw"] = to_array(std::move(out.energy_raw));
            d["theta"] = to_array(std::move(out.theta));
            d["phi"] = to_array(std::move(out.phi));
            d["time"] = to_array(std::move(out.time));
            d["x"] = to_array(std::move(out.x));
            d["y"] = to_array(std::move(out.y));
            d["z"] = to_array(std::move(out.z));
            d["e1_e9"] = to_array(std::move(out.e1_e9));
            d["e9_e21"] = to_array(std::move(out.e9_e21));
            d["lateral"] = to_array(std::move(out.lateral));
            d["cov"] = to_array(std::move(out.cov)).reshape({n_clusters, py::ssize_t{3}, py::ssize_t{3}});
            d["n_crystals"] = to_array(std::move(out.n_crystals));
            d["seed_cell"] = to_array(std::move(out.seed_cell));
            d["region"] = to_array(std::move(out.region));
            d["n_showers_in_region"] = to_array(std::move(out.n_showers_in_region));
            d["n_iterations"] = to_array(std::move(out.n_iterations));
            d["member_offsets"] = to_array(std::move(out.member_offsets));
            d["member_digit"] = to_array(std::move(out.member_digit));
            d["member_weight"] = to_array(std::move(out.member_weight));
            return d;
          },
          py::arg("cell_id"), py::arg("energy"), py::arg("time"), py::arg("offsets"), py::arg("options"),
          py::arg("n_threads") = 0,
          "Clusters of every event as a dict of flat arrays (offsets per event, member_offsets "
          "per cluster for the digit sharing weights).");

  m.def(
      "extrapolate_to_ecl",
      [](py::handle params, double barrel_radius, double forward_z, double backward_z) {
        const DoubleArray p = as_doubles(params, "params", {-1, 5});
        const ecl::ECLSurface surf = surface(barrel_radius, forward_z, backward_z);
        const auto n = static_cast<std::size_t>(p.shape(0));
        std::vector<double> pos(3 * n), dir(3 * n), path(n);
        std::vector<std::int32_t> region(n);
        {
          py::gil_scoped_release release;
          for (std::size_t i = 0; i < n; ++i) {
            const ecl::ECLIntersection x =
                ecl::extrapolate_to_ecl(Eigen::Map<const ecl::HelixParams>(p.data() + 5 * i), surf);
            region[i] = x.region;
            path[i] = x.region < 0 ? std::nan("") : x.path_length;
            for (std::size_t k = 0; k < 3; ++k) {
              pos[3 * i + k] = x.region < 0 ? std::nan("") : x.position[static_cast<Eigen::Index>(k)];
              dir[3 * i + k] = x.region < 0 ? std::nan("") : x.direction[static_cast<Eigen::Index>(k)];
            }
          }
        }
        py::dict d;
        d["position"] = matrix_out(std::move(pos), 3);
        d["direction"] = matrix_out(std::move(dir), 3);
        d["path_length"] = to_array(std::move(path));
        d["region"] = to_array(std::move(region));
        return d;
      },
      py::arg("params"), py::arg("barrel_radius") = 125.0, py::arg("forward_z") = 196.0,
      py::arg("backward_z") = -102.0,
      "First intersection of each helix (d0, phi0, omega, z0, tanLambda) with the ECL front surface.");

  m.def(
      "match_tracks_to_clusters",
      [](py::handle params, py::handle track_offsets, py::handle x, py::handle y, py::handle z,
         py::handle cluster_offsets, double depth, double max_distance, double barrel_radius,
         double forward_z, double backward_z, int n_threads) {
        const DoubleArray p = as_doubles(params, "params", {-1, 5}, true, n_threads);
        const DoubleArray cx = as_doubles(x, "x", {-1}, true, n_threads);
        const DoubleArray cy = as_doubles(y, "y", {-1}, true, n_threads);
        const DoubleArray cz = as_doubles(z, "z", {-1}, true, n_threads);
        require_same_length(cy, "y", cx.shape(0), "x");
        require_same_length(cz, "z", cx.shape(0), "x");
        const Int64Array to = as_offsets(track_offsets, "track_offsets", p.shape(0));
        const Int64Array co = as_offsets(cluster_offsets, "cluster_offsets", cx.shape(0));
        if (to.shape(0) != co.shape(0)) {
          throw py::value_error("track_offsets has " + std::to_string(to.shape(0) - 1) +
                                " events but cluster_offsets has " + std::to_string(co.shape(0) - 1));
        }
        if (!(max_distance >= 0.0)) throw py::value_error("max_distance must be >= 0");
        ecl::TrackClusterMatcherOptions opt;
        opt.surface = surface(barrel_radius, forward_z, backward_z);
        opt.depth = depth;
        opt.max_distance = max_distance;
        ecl::MatchResult r;
        {
          py::gil_scoped_release release;
          r = ecl::match_tracks_to_clusters(
              {p.data(), static_cast<std::size_t>(p.shape(0))},
              {to.data(), static_cast<std::size_t>(to.shape(0) - 1)},
              {cx.data(), cy.data(), cz.data(), static_cast<std::size_t>(cx.shape(0))},
              {co.data(), static_cast<std::size_t>(co.shape(0) - 1)}, opt, n_threads);
        }
        py::dict d;
        d["track_cluster"] = to_array(std::move(r.track_cluster));
        d["track_distance"] = to_array(std::move(r.track_distance));
        d["track_region"] = to_array(std::move(r.track_region));
        d["track_point"] = matrix_out(std::move(r.track_point), 3);
        d["track_path"] = to_array(std::move(r.track_path));
        d["cluster_track"] = to_array(std::move(r.cluster_track));
        return d;
      },
      py::arg("params"), py::arg("track_offsets"), py::arg("x"), py::arg("y"), py::arg("z"),
      py::arg("cluster_offsets"), py::arg("depth") = 10.0, py::arg("max_distance") = 15.0,
      py::arg("barrel_radius") = 125.0, py::arg("forward_z") = 196.0, py::arg("backward_z") = -102.0,
      py::arg("n_threads") = 0,
      "Nearest cluster of each track on the ECL front surface (global rows, -1 if none within the cut).");
}

}  // namespace darkrecon::bindings
