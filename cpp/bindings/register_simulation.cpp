// Bindings of the fast simulation: validated particle columns in, hit collections out.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "ArrayChecks.hpp"
#include "darkrecon/geometry/Material.hpp"
#include "darkrecon/simulation/FastSimulation.hpp"
#include "darkrecon/simulation/detail/Physics.hpp"

namespace darkrecon::bindings {
namespace {

namespace sim = darkrecon::simulation;
namespace geo = darkrecon::geometry;
using Int32Array = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>;

Int32Array as_int32(py::handle obj, const char* name, py::ssize_t n) {
  py::array arr = as_numeric_array(obj, name, true);
  if (arr.ndim() != 1) throw py::value_error(std::string(name) + " must be 1-D, got shape " + shape_string(arr));
  Int32Array out = Int32Array::ensure(arr);
  if (!out) throw py::type_error(std::string(name) + " could not be converted to int32");
  if (out.shape(0) != n) {
    throw py::value_error(std::string(name) + " has " + std::to_string(out.shape(0)) + " rows but E has " +
                          std::to_string(n));
  }
  return out;
}

/// Hands the vector's buffer to NumPy without copying.
template <class T>
py::array_t<T> to_numpy(std::vector<T>& v) {
  auto* owner = new std::vector<T>(std::move(v));
  py::capsule free_when_done(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(owner->size()), owner->data(), free_when_done);
}

void set_option(sim::FastSimulationOptions& o, const std::string& key, py::handle value) {
  auto& bg = o.background;
  auto as_d = [&]() { return value.cast<double>(); };
  if (key == "bfield") o.bfield = as_d();
  else if (key == "cdc_resolution") o.cdc_resolution = as_d();
  else if (key == "cdc_resolution_model") o.cdc_resolution_model = value.cast<int>();
  else if (key == "cdc_sigma_at_measured_drift") o.cdc_sigma_at_measured_drift = value.cast<bool>();
  else if (key == "cdc_efficiency") o.cdc_efficiency = as_d();
  else if (key == "cdc_drift_velocity") o.cdc_drift_velocity = as_d();
  else if (key == "max_arc_length") o.max_arc_length = as_d();
  else if (key == "max_turns") o.max_turns = as_d();
  else if (key == "multiple_scattering") o.multiple_scattering = value.cast<bool>();
  else if (key == "energy_loss") o.energy_loss = value.cast<bool>();
  else if (key == "conversions") o.conversions = value.cast<bool>();
  else if (key == "bremsstrahlung") o.bremsstrahlung = value.cast<bool>();
  else if (key == "hadronic_interactions") o.hadronic_interactions = value.cast<bool>();
  else if (key == "ecl_stochastic") o.ecl_stochastic = as_d();
  else if (key == "ecl_constant") o.ecl_constant = as_d();
  else if (key == "ecl_noise") o.ecl_noise = as_d();
  else if (key == "ecl_threshold") o.ecl_threshold = as_d();
  else if (key == "ecl_time_resolution") o.ecl_time_resolution = as_d();
  else if (key == "ecl_max_spots") o.ecl_max_spots = value.cast<int>();
  else if (key == "klm_efficiency") o.klm_efficiency = as_d();
  else if (key == "klm_position_resolution") o.klm_position_resolution = as_d();
  else if (key == "invisible_pdg") o.invisible_pdg = value.cast<std::vector<int>>();
  else if (key == "background_scale") bg.scale = as_d();
  else if (key == "cdc_occupancy_inner") bg.cdc_occupancy_inner = as_d();
  else if (key == "cdc_occupancy_power") bg.cdc_occupancy_power = as_d();
  else if (key == "cdc_time_window") bg.cdc_time_window = as_d();
  else if (key == "ecl_background_digits") bg.ecl_digits = as_d();
  else if (key == "ecl_background_energy_min") bg.ecl_energy_min = as_d();
  else if (key == "ecl_background_energy_index") bg.ecl_energy_index = as_d();
  else if (key == "ecl_background_energy_max") bg.ecl_energy_max = as_d();
  else if (key == "ecl_time_window") bg.ecl_time_window = as_d();
  else if (key == "ecl_endcap_weight") bg.ecl_endcap_weight = as_d();
  else if (key == "klm_background_hits") bg.klm_hits = as_d();
  else if (key == "klm_endcap_weight") bg.klm_endcap_weight = as_d();
  else if (key == "klm_time_window") bg.klm_time_window = as_d();
  else throw py::key_error("unknown simulation option '" + key + "'");
}

void check_options(const sim::FastSimulationOptions& o) {
  auto require = [](bool ok, const char* what) {
    if (!ok) throw py::value_error(std::string("invalid simulation option: ") + what);
  };
  require(o.bfield > 0.0, "bfield must be > 0");
  require(o.cdc_resolution >= 0.0, "cdc_resolution must be >= 0");
  require(o.cdc_resolution_model == 0 || o.cdc_resolution_model == 1,
          "cdc_resolution_model must be 0 (constant) or 1 (drift-distance dependent)");
  require(o.cdc_efficiency >= 0.0 && o.cdc_efficiency <= 1.0, "cdc_efficiency must be in [0, 1]");
  require(o.cdc_drift_velocity > 0.0, "cdc_drift_velocity must be > 0");
  require(o.max_arc_length > 0.0, "max_arc_length must be > 0");
  require(o.max_turns > 0.0, "max_turns must be > 0");
  require(o.ecl_noise >= 0.0 && o.ecl_stochastic >= 0.0 && o.ecl_constant >= 0.0, "ECL resolution terms must be >= 0");
  require(o.klm_efficiency >= 0.0 && o.klm_efficiency <= 1.0, "klm_efficiency must be in [0, 1]");
  const auto& bg = o.background;
  require(bg.scale >= 0.0, "background_scale must be >= 0");
  require(bg.cdc_occupancy_inner >= 0.0 && bg.cdc_occupancy_inner <= 1.0, "cdc_occupancy_inner must be in [0, 1]");
  require(bg.ecl_digits >= 0.0, "ecl_background_digits must be >= 0");
  require(bg.ecl_energy_min > 0.0 && bg.ecl_energy_max > bg.ecl_energy_min, "need 0 < ecl_background_energy_min < max");
  require(bg.ecl_energy_index > 1.0, "ecl_background_energy_index must be > 1");
  require(bg.klm_hits >= 0.0, "klm_background_hits must be >= 0");
  require(bg.klm_endcap_weight >= 0.0, "klm_endcap_weight must be >= 0");
}

}  // namespace

geo::Material material_by_name(const std::string& name) {
  namespace mat = geo::materials;
  if (name == "Be") return mat::beryllium();
  if (name == "Si") return mat::silicon();
  if (name == "Au") return mat::gold();
  if (name == "CFRP") return mat::carbon_fibre();
  if (name == "SiO2") return mat::fused_silica();
  if (name == "glass") return mat::glass();
  if (name == "Al") return mat::aluminium();
  if (name == "CsI") return mat::csi();
  if (name == "Fe") return mat::iron();
  if (name == "CDC") return mat::cdc_gas_and_wires();
  throw py::value_error("unknown material '" + name + "'; known: Be Si Au CFRP SiO2 glass Al CsI Fe CDC");
}

void register_simulation(py::module_& m) {
  m.def(
      "mean_energy_loss",
      [](const std::string& material, py::handle beta_gamma, double mass, double charge) {
        const geo::Material mat = material_by_name(material);
        if (!(mass > 0.0)) throw py::value_error("mass must be > 0");
        const DoubleArray bg = as_doubles(beta_gamma, "beta_gamma", {-1});
        py::array_t<double> out(bg.shape(0));
        auto* o = out.mutable_data();
        for (py::ssize_t i = 0; i < bg.shape(0); ++i) {
          if (!(bg.data()[i] > 0.0)) throw py::value_error("beta_gamma must be > 0");
          o[i] = sim::detail::bethe_bloch(mat, bg.data()[i], mass, charge);
        }
        return out;
      },
      py::arg("material"), py::arg("beta_gamma"), py::arg("mass"), py::arg("charge") = 1.0,
      "Mean collision energy loss -dE/dx [GeV/cm] of the fast simulation (Bethe-Bloch with the "
      "Sternheimer density effect) in a named material.");
  m.def(
      "cdc_hit_sigma",
      [](const geo::CDCGeometry& cdc, py::handle layer, py::handle drift, py::dict options) {
        sim::FastSimulationOptions opt;
        for (auto item : options) set_option(opt, item.first.cast<std::string>(), item.second);
        check_options(opt);
        const DoubleArray d = as_doubles(drift, "drift", {-1});
        const Int32Array l = as_int32(layer, "layer", d.shape(0));
        py::array_t<double> out(d.shape(0));
        auto* o = out.mutable_data();
        for (py::ssize_t i = 0; i < d.shape(0); ++i) {
          const int li = l.data()[i];
          if (li < 0 || li >= cdc.n_layers()) throw py::value_error("layer out of range: " + std::to_string(li));
          if (!(d.data()[i] >= 0.0)) throw py::value_error("drift must be >= 0");
          o[i] = sim::cdc_hit_sigma(cdc, opt, li, d.data()[i]);
        }
        return out;
      },
      py::arg("cdc"), py::arg("layer"), py::arg("drift"), py::arg("options") = py::dict(),
      "CDC single-hit resolution [cm] of the fast simulation at the given drift distances.");

  m.def(
      "simulate",
      [](const geo::CDCGeometry& cdc, const geo::ECLGeometry& ecl, const geo::KLMGeometry& klm, py::handle pdg,
         py::handle status, py::handle E, py::handle px, py::handle py_, py::handle pz, py::handle vx,
         py::handle vy, py::handle vz, py::handle t, py::handle offsets, std::uint64_t seed, int n_threads,
         py::dict options) {
        const DoubleArray aE = as_doubles(E, "E", {-1});
        const py::ssize_t n = aE.shape(0);
        const DoubleArray apx = as_doubles(px, "px", {-1}), apy = as_doubles(py_, "py", {-1}),
                          apz = as_doubles(pz, "pz", {-1}), avx = as_doubles(vx, "vx", {-1}),
                          avy = as_doubles(vy, "vy", {-1}), avz = as_doubles(vz, "vz", {-1}),
                          at = as_doubles(t, "t", {-1});
        require_same_length(apx, "px", n, "E");
        require_same_length(apy, "py", n, "E");
        require_same_length(apz, "pz", n, "E");
        require_same_length(avx, "vx", n, "E");
        require_same_length(avy, "vy", n, "E");
        require_same_length(avz, "vz", n, "E");
        require_same_length(at, "t", n, "E");
        const Int32Array apdg = as_int32(pdg, "pdg", n);
        const Int32Array astatus = as_int32(status, "status", n);
        const Int64Array off = as_offsets(offsets, "offsets", n);
        sim::FastSimulationOptions opt;
        for (auto item : options) set_option(opt, item.first.cast<std::string>(), item.second);
        check_options(opt);
        opt.seed = seed;
        opt.n_threads = n_threads;
        sim::ParticleColumns cols;
        cols.pdg = apdg.data();
        cols.status = astatus.data();
        cols.E = aE.data();
        cols.px = apx.data();
        cols.py = apy.data();
        cols.pz = apz.data();
        cols.vx = avx.data();
        cols.vy = avy.data();
        cols.vz = avz.data();
        cols.t = at.data();
        cols.n_rows = static_cast<std::size_t>(n);
        const core::EventOffsets ev{off.data(), static_cast<std::size_t>(off.shape(0) - 1)};
        sim::SimulationOutput out;
        try {
          py::gil_scoped_release release;
          out = sim::simulate(cdc, ecl, klm, cols, ev, opt);
        } catch (const std::invalid_argument& e) {
          throw py::value_error(e.what());
        }
        py::dict r;
        r["cdc_layer"] = to_numpy(out.cdc_layer);
        r["cdc_wire"] = to_numpy(out.cdc_wire);
        r["cdc_drift"] = to_numpy(out.cdc_drift);
        r["cdc_sigma"] = to_numpy(out.cdc_sigma);
        r["cdc_time"] = to_numpy(out.cdc_time);
        r["cdc_particle"] = to_numpy(out.cdc_particle);
        r["cdc_true_drift"] = to_numpy(out.cdc_true_drift);
        r["cdc_offsets"] = to_numpy(out.cdc_offsets);
        r["ecl_cell_id"] = to_numpy(out.ecl_cell_id);
        r["ecl_energy"] = to_numpy(out.ecl_energy);
        r["ecl_time"] = to_numpy(out.ecl_time);
        r["ecl_particle"] = to_numpy(out.ecl_particle);
        r["ecl_offsets"] = to_numpy(out.ecl_offsets);
        r["klm_section"] = to_numpy(out.klm_section);
        r["klm_layer"] = to_numpy(out.klm_layer);
        r["klm_sector"] = to_numpy(out.klm_sector);
        r["klm_phi"] = to_numpy(out.klm_phi);
        r["klm_z"] = to_numpy(out.klm_z);
        r["klm_r"] = to_numpy(out.klm_r);
        r["klm_time"] = to_numpy(out.klm_time);
        r["klm_particle"] = to_numpy(out.klm_particle);
        r["klm_offsets"] = to_numpy(out.klm_offsets);
        return r;
      },
      py::arg("cdc"), py::arg("ecl"), py::arg("klm"), py::arg("pdg"), py::arg("status"), py::arg("E"),
      py::arg("px"), py::arg("py"), py::arg("pz"), py::arg("vx"), py::arg("vy"), py::arg("vz"), py::arg("t"),
      py::arg("offsets"), py::arg("seed") = 0, py::arg("n_threads") = 0, py::arg("options") = py::dict(),
      "Fast simulation of generated particles: dict of flat hit columns plus offsets per collection.");
}

}  // namespace darkrecon::bindings
