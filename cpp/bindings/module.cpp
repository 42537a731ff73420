// darkrecon._core: the compiled core. One register_<concept>() per exposed concept.
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace darkrecon::bindings {
void register_kinematics(py::module_& m);
void register_geometry(py::module_& m);
void register_ecl(py::module_& m);
void register_simulation(py::module_& m);
void register_tracking(py::module_& m);
void register_track_finding(py::module_& m);
}  // namespace darkrecon::bindings

PYBIND11_MODULE(_core, m) {
  m.doc() = "darkrecon compiled core (C++17, Eigen). Use the public darkrecon API instead.";
  darkrecon::bindings::register_kinematics(m);
  darkrecon::bindings::register_geometry(m);
  darkrecon::bindings::register_ecl(m);
  darkrecon::bindings::register_simulation(m);
  darkrecon::bindings::register_tracking(m);
  darkrecon::bindings::register_track_finding(m);
}
