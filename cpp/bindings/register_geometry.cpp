// Bindings of the detector geometry: CDC wires and cells, ECL crystals and neighbour maps,
// KLM layers and the tracker material. Vectorised: arrays of ids in, NumPy arrays out.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "ArrayChecks.hpp"
#include "darkrecon/geometry/CDCGeometry.hpp"
#include "darkrecon/geometry/ECLGeometry.hpp"
#include "darkrecon/geometry/KLMGeometry.hpp"
#include "darkrecon/geometry/Material.hpp"

namespace darkrecon::bindings {
namespace {

namespace geo = darkrecon::geometry;

/// A 1-D integer array (any integer dtype), as int64.
Int64Array as_int64(py::handle obj, const char* name) {
  py::array arr = as_numeric_array(obj, name, true);
  if (arr.ndim() > 1) {
    throw py::value_error(std::string(name) + " must be 1-D, got shape " + shape_string(arr));
  }
  Int64Array out = Int64Array::ensure(arr.ndim() == 0 ? arr.attr("reshape")(1) : arr);
  if (!out) throw py::type_error(std::string(name) + " could not be converted to int64");
  return out;
}

DoubleArray as_doubles_1d(py::handle obj, const char* name) {
  py::array arr = as_numeric_array(obj, name, false);
  if (arr.ndim() == 0) arr = arr.attr("reshape")(1);
  return as_doubles(arr, name, {-1});
}

void same_length(py::ssize_t a, py::ssize_t b, const char* na, const char* nb) {
  if (a != b) {
    throw py::value_error(std::string(na) + " has " + std::to_string(a) + " entries but " + nb +
                          " has " + std::to_string(b));
  }
}

py::array_t<double> vectors_out(const std::vector<Eigen::Vector3d>& v) {
  py::array_t<double> out({static_cast<py::ssize_t>(v.size()), py::ssize_t{3}});
  double* d = out.mutable_data();
  for (std::size_t i = 0; i < v.size(); ++i) {
    for (int k = 0; k < 3; ++k) d[3 * i + static_cast<std::size_t>(k)] = v[i][k];
  }
  return out;
}

py::dict material_dict(const geo::Material& m) {
  py::dict d;
  d["name"] = m.name;
  d["X0"] = m.X0;
  d["density"] = m.density;
  d["Z_over_A"] = m.Z_over_A;
  d["I_eV"] = m.I_eV;
  d["lambda_I"] = m.lambda_I;
  return d;
}

template <class Fn>
py::array_t<double> map_cdc_ids(const geo::CDCGeometry& g, py::handle layer, py::handle wire,
                                py::handle z, Fn&& fn) {
  const Int64Array l = as_int64(layer, "layer");
  const Int64Array w = as_int64(wire, "wire");
  const DoubleArray zz = as_doubles_1d(z, "z");
  same_length(l.shape(0), w.shape(0), "layer", "wire");
  const bool scalar_z = zz.shape(0) == 1;
  if (!scalar_z) same_length(l.shape(0), zz.shape(0), "layer", "z");
  std::vector<Eigen::Vector3d> out(static_cast<std::size_t>(l.shape(0)));
  for (py::ssize_t i = 0; i < l.shape(0); ++i) {
    out[static_cast<std::size_t>(i)] = fn(g, static_cast<int>(l.data()[i]), static_cast<int>(w.data()[i]),
                                          zz.data()[scalar_z ? 0 : i]);
  }
  return vectors_out(out);
}

}  // namespace

void register_geometry(py::module_& m) {
  py::class_<geo::CDCGeometry>(m, "CDCGeometry",
                               "Belle II CDC sense wires and cells (lengths in cm).")
      .def(py::init([](py::handle superlayer, py::handle radius, py::handle z_backward,
                       py::handle z_forward, py::handle n_holes, py::handle n_shift,
                       py::handle phi_offset) {
             const Int64Array sl = as_int64(superlayer, "superlayer");
             const DoubleArray r = as_doubles(radius, "radius", {-1});
             const DoubleArray zb = as_doubles(z_backward, "z_backward", {-1});
             const DoubleArray zf = as_doubles(z_forward, "z_forward", {-1});
             const Int64Array nh = as_int64(n_holes, "n_holes");
             const Int64Array ns = as_int64(n_shift, "n_shift");
             const DoubleArray po = as_doubles(phi_offset, "phi_offset", {-1});
             const py::ssize_t n = r.shape(0);
             same_length(sl.shape(0), n, "superlayer", "radius");
             same_length(zb.shape(0), n, "z_backward", "radius");
             same_length(zf.shape(0), n, "z_forward", "radius");
             same_length(nh.shape(0), n, "n_holes", "radius");
             same_length(ns.shape(0), n, "n_shift", "radius");
             same_length(po.shape(0), n, "phi_offset", "radius");
             std::vector<geo::CDCLayer> layers;
             for (py::ssize_t i = 0; i < n; ++i) {
               layers.push_back({static_cast<int>(sl.data()[i]), r.data()[i], zb.data()[i], zf.data()[i],
                                 static_cast<int>(nh.data()[i]), static_cast<int>(ns.data()[i]),
                                 po.data()[i]});
             }
             return geo::CDCGeometry(std::move(layers));
           }),
           py::arg("superlayer"), py::arg("radius"), py::arg("z_backward"), py::arg("z_forward"),
           py::arg("n_holes"), py::arg("n_shift"), py::arg("phi_offset"))
      .def_property_readonly("n_layers", &geo::CDCGeometry::n_layers)
      .def_property_readonly("n_wires", &geo::CDCGeometry::n_wires)
      .def_property_readonly("r_min", &geo::CDCGeometry::r_min)
      .def_property_readonly("r_max", &geo::CDCGeometry::r_max)
      .def("n_cells", &geo::CDCGeometry::n_cells, py::arg("layer"))
      .def("first_wire", &geo::CDCGeometry::first_wire, py::arg("layer"))
      .def("cell_width", &geo::CDCGeometry::cell_width, py::arg("layer"))
      .def("cell_height", &geo::CDCGeometry::cell_height, py::arg("layer"))
      .def("stereo_angle", &geo::CDCGeometry::stereo_angle, py::arg("layer"))
      .def("wire_radius", &geo::CDCGeometry::wire_radius, py::arg("layer"), py::arg("z"))
      .def("inner_boundary", &geo::CDCGeometry::inner_boundary, py::arg("layer"), py::arg("z"))
      .def("outer_boundary", &geo::CDCGeometry::outer_boundary, py::arg("layer"), py::arg("z"))
      .def(
          "wire_position",
          [](const geo::CDCGeometry& g, py::handle layer, py::handle wire, py::handle z) {
            return map_cdc_ids(g, layer, wire, z, [](const geo::CDCGeometry& gg, int l, int w, double zz) {
              return gg.wire_position(l, w, zz);
            });
          },
          py::arg("layer"), py::arg("wire"), py::arg("z"), "Wire points at z, shape (n, 3).")
      .def(
          "wire_backward",
          [](const geo::CDCGeometry& g, py::handle layer, py::handle wire) {
            return map_cdc_ids(g, layer, wire, py::float_(0.0),
                               [](const geo::CDCGeometry& gg, int l, int w, double) {
                                 return gg.wire_backward(l, w);
                               });
          },
          py::arg("layer"), py::arg("wire"))
      .def(
          "wire_forward",
          [](const geo::CDCGeometry& g, py::handle layer, py::handle wire) {
            return map_cdc_ids(g, layer, wire, py::float_(0.0),
                               [](const geo::CDCGeometry& gg, int l, int w, double) {
                                 return gg.wire_forward(l, w);
                               });
          },
          py::arg("layer"), py::arg("wire"))
      .def(
          "wire_direction",
          [](const geo::CDCGeometry& g, py::handle layer, py::handle wire) {
            return map_cdc_ids(g, layer, wire, py::float_(0.0),
                               [](const geo::CDCGeometry& gg, int l, int w, double) {
                                 return gg.wire_direction(l, w);
                               });
          },
          py::arg("layer"), py::arg("wire"))
      .def(
          "cell_at",
          [](const geo::CDCGeometry& g, py::handle points) {
            const DoubleArray p = as_doubles(points, "points", {-1, 3});
            const py::ssize_t n = p.shape(0);
            py::array_t<std::int32_t> layer(n), wire(n);
            auto* pl = layer.mutable_data();
            auto* pw = wire.mutable_data();
            for (py::ssize_t i = 0; i < n; ++i) {
              const geo::CDCCell c = g.cell_at(Eigen::Vector3d(p.data()[3 * i], p.data()[3 * i + 1],
                                                               p.data()[3 * i + 2]));
              pl[i] = c.layer;
              pw[i] = c.wire;
            }
            return py::make_tuple(layer, wire);
          },
          py::arg("points"), "(layer, wire) of the cell containing each point; -1 outside.")
      .def(
          "neighbours",
          [](const geo::CDCGeometry& g, int layer, int wire, double z) {
            std::vector<std::pair<int, int>> out;
            for (const auto& c : g.neighbours(layer, wire, z)) out.emplace_back(c.layer, c.wire);
            return out;
          },
          py::arg("layer"), py::arg("wire"), py::arg("z") = 0.0);

  py::class_<geo::ECLGeometry>(m, "ECLGeometry", "Belle II ECL crystals (cm, rad).")
      .def(py::init([](py::handle part, py::handle n_phi, py::handle theta_center, double barrel_radius,
                       double forward_z, double backward_z, double crystal_length) {
             const Int64Array pa = as_int64(part, "part");
             const Int64Array np = as_int64(n_phi, "n_phi");
             const DoubleArray th = as_doubles(theta_center, "theta_center", {-1});
             same_length(pa.shape(0), th.shape(0), "part", "theta_center");
             same_length(np.shape(0), th.shape(0), "n_phi", "theta_center");
             std::vector<geo::ECLRing> rings;
             for (py::ssize_t i = 0; i < th.shape(0); ++i) {
               rings.push_back({static_cast<int>(pa.data()[i]), static_cast<int>(np.data()[i]), th.data()[i]});
             }
             geo::ECLGeometryOptions opt;
             opt.barrel_radius = barrel_radius;
             opt.forward_z = forward_z;
             opt.backward_z = backward_z;
             opt.crystal_length = crystal_length;
             return geo::ECLGeometry(std::move(rings), opt);
           }),
           py::arg("part"), py::arg("n_phi"), py::arg("theta_center"), py::arg("barrel_radius") = 125.0,
           py::arg("forward_z") = 196.0, py::arg("backward_z") = -102.0, py::arg("crystal_length") = 30.0)
      .def_property_readonly("n_cells", &geo::ECLGeometry::n_cells)
      .def_property_readonly("n_rings", &geo::ECLGeometry::n_rings)
      .def_property_readonly("crystal_length", [](const geo::ECLGeometry& g) { return g.options().crystal_length; })
      .def(
          "theta_bounds",
          [](const geo::ECLGeometry& g) {
            py::array_t<double> out({static_cast<py::ssize_t>(g.n_rings()), py::ssize_t{2}});
            double* d = out.mutable_data();
            for (int t = 0; t < g.n_rings(); ++t) {
              d[2 * t] = g.theta_low(t);
              d[2 * t + 1] = g.theta_high(t);
            }
            return out;
          },
          "(n_rings, 2) lower and upper polar edge of each ring [rad].")
      .def(
          "cell_id",
          [](const geo::ECLGeometry& g, py::handle theta_id, py::handle phi_id) {
            const Int64Array t = as_int64(theta_id, "theta_id");
            const Int64Array p = as_int64(phi_id, "phi_id");
            same_length(t.shape(0), p.shape(0), "theta_id", "phi_id");
            py::array_t<std::int32_t> out(t.shape(0));
            for (py::ssize_t i = 0; i < t.shape(0); ++i) {
              out.mutable_data()[i] = g.cell_id(static_cast<int>(t.data()[i]), static_cast<int>(p.data()[i]));
            }
            return out;
          },
          py::arg("theta_id"), py::arg("phi_id"))
      .def(
          "ids",
          [](const geo::ECLGeometry& g, py::handle cell_id) {
            const Int64Array c = as_int64(cell_id, "cell_id");
            py::array_t<std::int32_t> t(c.shape(0)), p(c.shape(0)), part(c.shape(0));
            for (py::ssize_t i = 0; i < c.shape(0); ++i) {
              const int id = static_cast<int>(c.data()[i]);
              t.mutable_data()[i] = g.theta_id(id);
              p.mutable_data()[i] = g.phi_id(id);
              part.mutable_data()[i] = static_cast<int>(g.part(id));
            }
            return py::make_tuple(t, p, part);
          },
          py::arg("cell_id"), "(thetaID, phiID, part) of each cellID; part 0 fwd, 1 barrel, 2 bwd.")
      .def(
          "front_center",
          [](const geo::ECLGeometry& g, py::handle cell_id) {
            const Int64Array c = as_int64(cell_id, "cell_id");
            std::vector<Eigen::Vector3d> v;
            for (py::ssize_t i = 0; i < c.shape(0); ++i) v.push_back(g.front_center(static_cast<int>(c.data()[i])));
            return vectors_out(v);
          },
          py::arg("cell_id"))
      .def(
          "axis",
          [](const geo::ECLGeometry& g, py::handle cell_id) {
            const Int64Array c = as_int64(cell_id, "cell_id");
            std::vector<Eigen::Vector3d> v;
            for (py::ssize_t i = 0; i < c.shape(0); ++i) v.push_back(g.axis(static_cast<int>(c.data()[i])));
            return vectors_out(v);
          },
          py::arg("cell_id"))
      .def(
          "cell_at",
          [](const geo::ECLGeometry& g, py::handle theta, py::handle phi) {
            const DoubleArray t = as_doubles_1d(theta, "theta");
            const DoubleArray p = as_doubles_1d(phi, "phi");
            same_length(t.shape(0), p.shape(0), "theta", "phi");
            py::array_t<std::int32_t> out(t.shape(0));
            for (py::ssize_t i = 0; i < t.shape(0); ++i) out.mutable_data()[i] = g.cell_at(t.data()[i], p.data()[i]);
            return out;
          },
          py::arg("theta"), py::arg("phi"), "cellID seen from the IP along (theta, phi); 0 in gaps.")
      .def("front_distance", &geo::ECLGeometry::front_distance, py::arg("theta"))
      .def(
          "neighbour_map",
          [](const geo::ECLGeometry& g, int half_width) {
            if (half_width != 1 && half_width != 2) throw py::value_error("half_width must be 1 (N8) or 2 (N24)");
            const py::ssize_t width = half_width == 1 ? 8 : 24;
            py::array_t<std::int32_t> out({static_cast<py::ssize_t>(g.n_cells()), width});
            auto* d = out.mutable_data();
            for (int c = 1; c <= g.n_cells(); ++c) {
              const auto& nb = half_width == 1 ? g.n8(c) : g.n24(c);
              for (py::ssize_t k = 0; k < width; ++k) {
                const auto ku = static_cast<std::size_t>(k);
                d[(c - 1) * width + k] = ku < nb.size() ? nb[ku] : 0;
              }
            }
            return out;
          },
          py::arg("half_width"), "(n_cells, 8 or 24) neighbour cellIDs, 0-padded; row i is cellID i+1.");

  py::class_<geo::KLMGeometry>(m, "KLMGeometry", "Belle II KLM layers (cm).")
      .def(py::init<>())
      .def(
          "layer_positions",
          [](const geo::KLMGeometry& g, int section) {
            if (section < 0 || section > 2) throw py::value_error("section must be 0 (barrel), 1 (forward) or 2 (backward)");
            const auto s = static_cast<geo::KLMSection>(section);
            std::vector<double> v;
            for (int i = 0; i < g.n_layers(s); ++i) v.push_back(g.layer_position(s, i));
            return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
          },
          py::arg("section"), "Radius (barrel) or |z| (endcaps) of each detector layer [cm].")
      .def_property_readonly("iron_thickness", [](const geo::KLMGeometry& g) { return g.options().iron_thickness; })
      .def_property_readonly("cryostat_iron", [](const geo::KLMGeometry& g) { return g.options().cryostat_iron; })
      .def_property_readonly("coil_aluminium", [](const geo::KLMGeometry& g) { return g.options().coil_aluminium; })
      .def_property_readonly("detector_glass", [](const geo::KLMGeometry& g) { return g.options().detector_glass; })
      .def_property_readonly("barrel_z_range", [](const geo::KLMGeometry& g) {
        return py::make_tuple(g.barrel_z_min(), g.barrel_z_max());
      });

  m.def(
      "tracker_material",
      []() {
        py::list out;
        for (const auto& s : geo::belle2_tracker_material()) {
          py::dict d = material_dict(s.material);
          d["shell"] = s.name;
          d["radius"] = s.radius;
          d["thickness"] = s.thickness;
          d["x_over_X0"] = s.x_over_X0();
          out.append(d);
        }
        return out;
      },
      "The material shells of the Belle II tracker model, ordered by radius.");
  m.def("material", [](const std::string& name) {
    namespace mat = geo::materials;
    if (name == "Be") return material_dict(mat::beryllium());
    if (name == "Si") return material_dict(mat::silicon());
    if (name == "Au") return material_dict(mat::gold());
    if (name == "CFRP") return material_dict(mat::carbon_fibre());
    if (name == "SiO2") return material_dict(mat::fused_silica());
    if (name == "glass") return material_dict(mat::glass());
    if (name == "Al") return material_dict(mat::aluminium());
    if (name == "CsI") return material_dict(mat::csi());
    if (name == "Fe") return material_dict(mat::iron());
    if (name == "CDC") return material_dict(mat::cdc_gas_and_wires());
    throw py::value_error("unknown material '" + name + "'; known: Be Si Au CFRP SiO2 glass Al CsI Fe CDC");
  }, py::arg("name"));
}

}  // namespace darkrecon::bindings
