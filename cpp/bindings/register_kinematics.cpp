// Bindings of the event kinematics: validated NumPy in, NumPy out, GIL released.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "ArrayChecks.hpp"
#include "darkrecon/kinematics/EventKinematics.hpp"
#include "darkrecon/kinematics/Thrust.hpp"

namespace darkrecon::bindings {
namespace {

namespace kin = darkrecon::kinematics;

/// The four momentum columns of one collection, validated together.
struct MomentumInput {
  DoubleArray E, px, py, pz;
  core::FourMomentumColumns view() const {
    return {E.data(), px.data(), py.data(), pz.data(), static_cast<std::size_t>(E.shape(0))};
  }
};

MomentumInput momentum_input(py::handle E, py::handle px, py::handle py_, py::handle pz,
                             int n_threads) {
  MomentumInput in{as_doubles(E, "E", {-1}, true, n_threads),
                   as_doubles(px, "px", {-1}, true, n_threads),
                   as_doubles(py_, "py", {-1}, true, n_threads),
                   as_doubles(pz, "pz", {-1}, true, n_threads)};
  const py::ssize_t n = in.E.shape(0);
  require_same_length(in.px, "px", n, "E");
  require_same_length(in.py, "py", n, "E");
  require_same_length(in.pz, "pz", n, "E");
  return in;
}

core::EventOffsets offsets_view(const Int64Array& o) {
  return {o.data(), static_cast<std::size_t>(o.shape(0) - 1)};
}

kin::LorentzMatrix lorentz_matrix(py::handle obj, const char* name) {
  DoubleArray m = as_doubles(obj, name, {4, 4});
  return Eigen::Map<const Eigen::Matrix<double, 4, 4, Eigen::RowMajor>>(m.data());
}

kin::FourMomentum four_vector(py::handle obj, const char* name) {
  DoubleArray v = as_doubles(obj, name, {4});
  return kin::FourMomentum(v.data()[0], v.data()[1], v.data()[2], v.data()[3]);
}

kin::MassOutput mass_output(bool squared) {
  return squared ? kin::MassOutput::squared : kin::MassOutput::signed_mass;
}

}  // namespace

void register_kinematics(py::module_& m) {
  m.def(
      "sum_four_momenta",
      [](py::handle E, py::handle px, py::handle py_, py::handle pz, py::handle offsets,
         int n_threads) {
        const MomentumInput in = momentum_input(E, px, py_, pz, n_threads);
        const Int64Array off = as_offsets(offsets, "offsets", in.E.shape(0));
        const auto n_events = static_cast<py::ssize_t>(off.shape(0) - 1);
        py::array_t<double> out({n_events, py::ssize_t{4}});
        double* out_ptr = out.mutable_data();
        {
          py::gil_scoped_release release;
          kin::sum_four_momenta(in.view(), offsets_view(off), out_ptr, n_threads);
        }
        return out;
      },
      py::arg("E"), py::arg("px"), py::arg("py"), py::arg("pz"), py::arg("offsets"),
      py::arg("n_threads") = 0,
      "Summed (E, px, py, pz) of each event's rows, shape (n_events, 4).");

  m.def(
      "invariant_mass",
      [](py::handle E, py::handle px, py::handle py_, py::handle pz, py::handle offsets,
         bool squared, int n_threads) {
        const MomentumInput in = momentum_input(E, px, py_, pz, n_threads);
        const Int64Array off = as_offsets(offsets, "offsets", in.E.shape(0));
        py::array_t<double> out(off.shape(0) - 1);
        double* out_ptr = out.mutable_data();
        {
          py::gil_scoped_release release;
          kin::invariant_mass(in.view(), offsets_view(off), mass_output(squared), out_ptr,
                              n_threads);
        }
        return out;
      },
      py::arg("E"), py::arg("px"), py::arg("py"), py::arg("pz"), py::arg("offsets"),
      py::arg("squared") = false, py::arg("n_threads") = 0,
      "Invariant mass of each event's summed rows: m^2 (GeV^2) if squared, else sign(m^2) "
      "sqrt|m^2| (GeV).");

  m.def(
      "recoil_mass",
      [](py::handle E, py::handle px, py::handle py_, py::handle pz, py::handle offsets,
         py::handle beam, bool squared, int n_threads) {
        const MomentumInput in = momentum_input(E, px, py_, pz, n_threads);
        const Int64Array off = as_offsets(offsets, "offsets", in.E.shape(0));
        const kin::FourMomentum beam_p4 = four_vector(beam, "beam");
        py::array_t<double> out(off.shape(0) - 1);
        double* out_ptr = out.mutable_data();
        {
          py::gil_scoped_release release;
          kin::recoil_mass(in.view(), offsets_view(off), beam_p4, mass_output(squared), out_ptr,
                           n_threads);
        }
        return out;
      },
      py::arg("E"), py::arg("px"), py::arg("py"), py::arg("pz"), py::arg("offsets"),
      py::arg("beam"), py::arg("squared") = false, py::arg("n_threads") = 0,
      "Mass recoiling against each event's rows, (beam - sum p): m^2 (GeV^2) if squared, else "
      "sign(m^2) sqrt|m^2| (GeV).");

  m.def(
      "recoil",
      [](py::handle E, py::handle px, py::handle py_, py::handle pz, py::handle offsets,
         py::handle beam, py::handle to_cms, int n_threads) {
        const MomentumInput in = momentum_input(E, px, py_, pz, n_threads);
        const Int64Array off = as_offsets(offsets, "offsets", in.E.shape(0));
        const kin::FourMomentum beam_p4 = four_vector(beam, "beam");
        const kin::LorentzMatrix lambda = lorentz_matrix(to_cms, "to_cms");
        const py::ssize_t n_events = off.shape(0) - 1;
        const char* names[] = {"mass_squared", "E_cms", "px_cms", "py_cms",
                               "pz_cms",       "p_cms", "theta_cms"};
        std::vector<py::array_t<double>> cols;
        for (int i = 0; i < 7; ++i) cols.emplace_back(n_events);
        const kin::RecoilColumns out{cols[0].mutable_data(), cols[1].mutable_data(),
                                     cols[2].mutable_data(), cols[3].mutable_data(),
                                     cols[4].mutable_data(), cols[5].mutable_data(),
                                     cols[6].mutable_data()};
        {
          py::gil_scoped_release release;
          kin::recoil(in.view(), offsets_view(off), beam_p4, lambda, out, n_threads);
        }
        py::dict result;
        for (int i = 0; i < 7; ++i) result[names[i]] = cols[static_cast<std::size_t>(i)];
        return result;
      },
      py::arg("E"), py::arg("px"), py::arg("py"), py::arg("pz"), py::arg("offsets"),
      py::arg("beam"), py::arg("to_cms"), py::arg("n_threads") = 0,
      "The recoil system P_beam - sum(p) of each event: mass squared and CMS momentum.");

  m.def(
      "thrust",
      [](py::handle E, py::handle px, py::handle py_, py::handle pz, py::handle offsets,
         int n_threads) {
        const MomentumInput in = momentum_input(E, px, py_, pz, n_threads);
        const Int64Array off = as_offsets(offsets, "offsets", in.E.shape(0));
        const py::ssize_t n_events = off.shape(0) - 1;
        py::array_t<double> value(n_events);
        py::array_t<double> axis({n_events, py::ssize_t{3}});
        double* v = value.mutable_data();
        double* a = axis.mutable_data();
        {
          py::gil_scoped_release release;
          kin::thrust(in.view(), offsets_view(off), v, a, n_threads);
        }
        return py::make_tuple(value, axis);
      },
      py::arg("E"), py::arg("px"), py::arg("py"), py::arg("pz"), py::arg("offsets"),
      py::arg("n_threads") = 0, "Thrust value (n_events,) and axis (n_events, 3) of each event.");

  m.def(
      "transform_rows",
      [](py::handle E, py::handle px, py::handle py_, py::handle pz, py::handle matrix,
         int n_threads) {
        const MomentumInput in = momentum_input(E, px, py_, pz, n_threads);
        const kin::LorentzMatrix lambda = lorentz_matrix(matrix, "matrix");
        const py::ssize_t n = in.E.shape(0);
        py::array_t<double> oE(n), opx(n), opy(n), opz(n);
        double *pE = oE.mutable_data(), *ppx = opx.mutable_data(), *ppy = opy.mutable_data(),
               *ppz = opz.mutable_data();
        {
          py::gil_scoped_release release;
          kin::transform_rows(in.view(), lambda, pE, ppx, ppy, ppz, n_threads);
        }
        return py::make_tuple(oE, opx, opy, opz);
      },
      py::arg("E"), py::arg("px"), py::arg("py"), py::arg("pz"), py::arg("matrix"),
      py::arg("n_threads") = 0, "Apply a 4x4 Lorentz matrix to each row's (E, px, py, pz).");
}

}  // namespace darkrecon::bindings
