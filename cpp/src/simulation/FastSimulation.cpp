#include "darkrecon/simulation/FastSimulation.hpp"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "darkrecon/core/Parallel.hpp"
#include "darkrecon/geometry/Material.hpp"
#include "darkrecon/simulation/detail/Helix.hpp"
#include "darkrecon/simulation/detail/Physics.hpp"
#include "darkrecon/simulation/detail/Random.hpp"

namespace darkrecon::simulation {
namespace {

using Vec3 = Eigen::Vector3d;
using detail::Helix;
using detail::Kind;
using detail::kSpeedOfLight;
using detail::Rng;
namespace geo = darkrecon::geometry;

constexpr double kPi = 3.141592653589793;
constexpr double kTwoPi = 2.0 * kPi;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMinKinetic = 1.0e-3;  // particles below 1 MeV kinetic energy are stopped

// EM shower constants of CsI(Tl) (PDG Review, table of inorganic scintillators and "Passage of
// particles through matter"): X0 = 1.86 cm, Moliere radius 3.531 cm, critical energy
// E_c = 11.17 MeV (e-). Longitudinal profile dE/dt = E b (bt)^(a-1) e^(-bt) / Gamma(a) with
// t_max = (a-1)/b = ln(E/E_c) + C, C = -0.5 (e), +0.5 (gamma), b ~ 0.5 (Longo & Sestili,
// NIM 128 (1975) 283; PDG eq. 34.36). Lateral profile: a core and a tail exponential in
// r, in units of R_M, after Grindhammer & Peters (hep-ex/0001020); weights and scales chosen
// so that 88% of the energy is within 1 R_M and 99% within 3.5 R_M (PDG: 90% / 99%).
constexpr double kCsIX0 = 1.86;
constexpr double kCsIMoliere = 3.531;
constexpr double kCsICritical = 11.17e-3;
constexpr double kShowerB = 0.5;
constexpr double kCoreFraction = 0.87;
constexpr double kCoreScale = 0.20 * kCsIMoliere;
constexpr double kTailScale = 0.80 * kCsIMoliere;
// Hadron showers in CsI (crude): visible fraction of the kinetic energy ~ N(0.45, 0.2), spread
// over ~ 8 cm in depth and ~ 4 cm laterally (gamma(2) shapes).
constexpr double kHadronVisibleMean = 0.45;
constexpr double kHadronVisibleSigma = 0.20;

struct CdcHit {
  std::int32_t layer, wire, particle;
  double drift, sigma, time, true_drift;
};

struct KlmHit {
  std::int32_t section, layer, sector, particle;
  double phi, z, r, time;
};

struct Particle {
  Vec3 pos = Vec3::Zero();
  Vec3 mom = Vec3::Zero();
  double t = 0.0;
  double mass = 0.0;
  double charge = 0.0;
  Kind kind = Kind::unknown;
  int pdg = 0;
  int truth = -1;
  double momentum() const { return mom.norm(); }
  double energy() const { return std::sqrt(mom.squaredNorm() + mass * mass); }
  double beta() const {
    const double p = momentum();
    return mass > 0.0 ? p / std::sqrt(p * p + mass * mass) : 1.0;
  }
};

/// Two unit vectors perpendicular to d (unit) and to each other.
void orthonormal(const Vec3& d, Vec3& u, Vec3& v) {
  u = std::abs(d.z()) < 0.9 ? Vec3(-d.y(), d.x(), 0.0) : Vec3(0.0, -d.z(), d.y());
  u.normalize();
  v = d.cross(u);
}

/// Smallest positive t with |(p + t d)_xy| = R, or inf.
double cylinder_intersection(const Vec3& p, const Vec3& d, double R) {
  const double a = d.x() * d.x() + d.y() * d.y();
  if (a < 1e-300) return kInf;
  const double b = p.x() * d.x() + p.y() * d.y();
  const double c = p.x() * p.x() + p.y() * p.y() - R * R;
  const double disc = b * b - a * c;
  if (disc < 0.0) return kInf;
  const double sq = std::sqrt(disc);
  const double t1 = (-b - sq) / a, t2 = (-b + sq) / a;
  if (t1 > 1e-9) return t1;
  if (t2 > 1e-9) return t2;
  return kInf;
}


class EventSimulator {
 public:
  EventSimulator(const geo::CDCGeometry& cdc, const geo::ECLGeometry& ecl, const geo::KLMGeometry& klm,
                 const FastSimulationOptions& opt)
      : cdc_(cdc), ecl_(ecl), klm_(klm), opt_(opt), rng_(0, 0) {
    res_model_.max_sigma = 2.5 * opt.cdc_resolution;
    shells_ = geo::belle2_tracker_material();
    gas_ = geo::belle2_cdc_medium();
    csi_ = geo::materials::csi();
    iron_ = geo::materials::iron();
    al_ = geo::materials::aluminium();
    glass_ = geo::materials::glass();
    for (geo::Material* m : {&gas_, &csi_, &iron_, &al_, &glass_}) m->density_effect = geo::density_effect_parameters(*m);
    for (auto& sh : shells_) sh.material.density_effect = geo::density_effect_parameters(sh.material);
    const std::size_t n_cells = static_cast<std::size_t>(ecl.n_cells()) + 1;
    ecl_e_.assign(n_cells, 0.0);
    ecl_et_.assign(n_cells, 0.0);
    ecl_best_e_.assign(n_cells, 0.0);
    ecl_best_p_.assign(n_cells, -1);
    ecl_touched_.assign(n_cells, 0);
    for (int l = 0; l < cdc.n_layers(); ++l) {
      half_diagonal_.push_back(0.5 * std::sqrt(cdc.cell_width(l) * cdc.cell_width(l) + cdc.cell_height(l) * cdc.cell_height(l)));
      half_width_.push_back(0.5 * cdc.cell_width(l));
    }
    const BackgroundOptions& bg = opt.background;
    for (int l = 0; l < cdc.n_layers(); ++l) {
      const double occ = bg.scale * bg.cdc_occupancy_inner *
                         std::pow(cdc.layer(0).radius / cdc.layer(l).radius, bg.cdc_occupancy_power);
      bkg_hits_per_layer_.push_back(std::min(1.0, occ) * cdc.n_cells(l));
    }
    for (int c = 1; c <= ecl.n_cells(); ++c) {
      ecl_barrel_.push_back(ecl.part(c) == geo::ECLPart::barrel ? 1 : 0);
    }
    // KLM background: each detector layer weighted by its area (barrel cylinder between the
    // polar limits, endcap annulus) times the relative rate
    {
      const auto& ko = klm.options();
      const double tan_f = std::tan(ko.forward_theta_min_deg * kPi / 180.0);
      const double tan_b = std::tan((180.0 - ko.backward_theta_max_deg) * kPi / 180.0);
      double total = 0.0;
      for (geo::KLMSection sec : {geo::KLMSection::barrel, geo::KLMSection::forward, geo::KLMSection::backward}) {
        for (int l = 0; l < klm.n_layers(sec); ++l) {
          const double pos = klm.layer_position(sec, l);
          double area;
          if (sec == geo::KLMSection::barrel) {
            area = kTwoPi * pos * (klm.barrel_z_max() - klm.barrel_z_min());
          } else {
            const double rmin = pos * (sec == geo::KLMSection::forward ? tan_f : tan_b);
            area = bg.klm_endcap_weight * kPi * std::max(0.0, ko.endcap_r_max * ko.endcap_r_max - rmin * rmin);
          }
          total += area;
          klm_bkg_cumulative_.push_back(total);
          klm_bkg_layers_.emplace_back(static_cast<int>(sec), l);
        }
      }
      for (double& c : klm_bkg_cumulative_) c /= total;
    }
    const auto& eo = ecl.options();
    ecl_r_ = eo.barrel_radius;
    ecl_zf_ = eo.forward_z;
    ecl_zb_ = eo.backward_z;
  }

  void run(std::size_t event, const ParticleColumns& in, std::size_t begin, std::size_t end, SimulationOutput& out) {
    rng_ = Rng(opt_.seed, event);
    cdc_hits_.clear();
    klm_hits_.clear();
    shower_centres_.clear();
    for (std::size_t row = begin; row < end; ++row) {
      if (in.status[row] != 1) continue;
      const detail::Species sp = species_of(in.pdg[row]);
      Particle p;
      p.pos = Vec3(in.vx[row], in.vy[row], in.vz[row]);
      p.mom = Vec3(in.px[row], in.py[row], in.pz[row]);
      p.t = in.t[row];
      p.mass = sp.mass;
      p.charge = sp.charge;
      p.kind = sp.kind;
      p.pdg = in.pdg[row];
      p.truth = static_cast<int>(row - begin);
      stack_.push_back(p);
      while (!stack_.empty()) {
        Particle q = stack_.back();
        stack_.pop_back();
        process(q);
      }
    }
    if (opt_.background.scale > 0.0) background();
    finish_cdc(out);
    finish_ecl(out);
    for (const KlmHit& h : klm_hits_) {
      out.klm_section.push_back(h.section);
      out.klm_layer.push_back(h.layer);
      out.klm_sector.push_back(h.sector);
      out.klm_particle.push_back(h.particle);
      out.klm_phi.push_back(h.phi);
      out.klm_z.push_back(h.z);
      out.klm_r.push_back(h.r);
      out.klm_time.push_back(h.time);
    }
    out.klm_offsets.push_back(static_cast<std::int64_t>(out.klm_layer.size()));
  }

 private:
  detail::Species species_of(int pdg) const {
    detail::Species sp = detail::species(pdg);
    if (sp.kind == Kind::unknown) {
      for (int code : opt_.invisible_pdg) {
        if (code == pdg || code == -pdg) return {Kind::invisible, 0.0, 0.0};
      }
    }
    return sp;
  }

  bool outside_tracker(const Vec3& x) const {
    return x.z() >= ecl_zf_ || x.z() <= ecl_zb_ || x.x() * x.x() + x.y() * x.y() >= ecl_r_ * ecl_r_;
  }

  double hit_sigma(int layer, double drift) const {
    return opt_.cdc_resolution_model == 0 ? opt_.cdc_resolution
                                          : res_model_.sigma(drift, half_width_[static_cast<std::size_t>(layer)]);
  }

  // ---------------------------------------------------------------- particle dispatch
  void process(Particle& p) {
    if (p.kind == Kind::invisible || (p.momentum() < 1e-6 && p.kind != Kind::pi0)) return;
    if (outside_tracker(p.pos)) return;  // produced beyond the ECL front: not simulated
    switch (p.kind) {
      case Kind::pi0:
        decay_two_photons(p);
        return;
      case Kind::photon:
        photon(p);
        return;
      case Kind::electron:
        if (charged_transport(p)) em_shower(p.pos, p.mom.normalized(), p.energy(), false, p.truth, p.t);
        return;
      case Kind::muon:
      case Kind::charged_hadron:
        if (charged_transport(p) && ecl_penetrating(p) && coil(p)) klm(p);
        return;
      case Kind::neutral_hadron:
        if (p.pdg == 310 || std::abs(p.pdg) == 3122) {
          decay_in_flight(p);
        } else {
          neutral_hadron(p);
        }
        return;
      default:
        return;
    }
  }

  // Two-body decay, isotropic in the rest frame; daughters inherit the truth link.
  void two_body(const Particle& parent, Particle a, Particle b) {
    const double M = parent.mass;
    const double ma = a.mass, mb = b.mass;
    const double pstar = std::sqrt(std::max(0.0, (M * M - (ma + mb) * (ma + mb)) * (M * M - (ma - mb) * (ma - mb)))) / (2.0 * M);
    const double cos_t = rng_.uniform(-1.0, 1.0), phi = rng_.uniform(0.0, kTwoPi);
    const double sin_t = std::sqrt(std::max(0.0, 1.0 - cos_t * cos_t));
    const Vec3 k(pstar * sin_t * std::cos(phi), pstar * sin_t * std::sin(phi), pstar * cos_t);
    const double E = parent.energy();
    const Vec3 beta = parent.mom / E;
    const double b2 = beta.squaredNorm();
    const double gamma = 1.0 / std::sqrt(std::max(1e-300, 1.0 - b2));
    auto boost = [&](const Vec3& q, double e) -> Vec3 {
      if (b2 < 1e-300) return q;
      const double bq = beta.dot(q);
      return q + ((gamma - 1.0) * bq / b2 + gamma * e) * beta;
    };
    a.mom = boost(k, std::sqrt(pstar * pstar + ma * ma));
    b.mom = boost(-k, std::sqrt(pstar * pstar + mb * mb));
    for (Particle* d : {&a, &b}) {
      d->pos = parent.pos;
      d->t = parent.t;
      d->truth = parent.truth;
      stack_.push_back(*d);
    }
  }

  Particle make(int pdg) const {
    const detail::Species sp = detail::species(pdg);
    Particle p;
    p.pdg = pdg;
    p.kind = sp.kind;
    p.mass = sp.mass;
    p.charge = sp.charge;
    return p;
  }

  void decay_two_photons(const Particle& p) { two_body(p, make(22), make(22)); }

  /// K_S -> pi+ pi- (69.2%) / pi0 pi0, Lambda -> p pi- (63.9%) / n pi0 after an exponential
  /// flight (c tau 2.6844 cm and 7.89 cm; PDG 2024); beyond the tracker the parent goes on
  /// as a neutral hadron.
  void decay_in_flight(Particle& p) {
    const bool ks = p.pdg == 310;
    const double ctau = ks ? 2.6844 : 7.89;
    const double L = p.momentum() / p.mass * ctau * rng_.exponential();
    const Vec3 d = p.mom.normalized();
    const Vec3 x = p.pos + L * d;
    if (outside_tracker(x)) {
      neutral_hadron(p);
      return;
    }
    Particle parent = p;
    parent.pos = x;
    parent.t += L / (p.beta() * kSpeedOfLight);
    const double u = rng_.uniform();
    const int sign = p.pdg > 0 ? 1 : -1;
    if (ks) {
      if (u < 0.692) {
        two_body(parent, make(211), make(-211));
      } else {
        two_body(parent, make(111), make(111));
      }
    } else if (u < 0.639) {
      two_body(parent, make(2212 * sign), make(-211 * sign));
    } else {
      two_body(parent, make(2112 * sign), make(111));
    }
  }

  // ---------------------------------------------------------------- material effects
  /// Multiple scattering, energy loss and (electrons) bremsstrahlung over `path` cm of m.
  /// Returns false if the particle stopped.
  bool apply_material(Particle& p, const geo::Material& m, double path) {
    if (path <= 0.0) return true;
    const double P = p.momentum();
    const double E = std::sqrt(P * P + p.mass * p.mass);
    const double beta = P / E;
    Vec3 d = p.mom / P;
    if (opt_.multiple_scattering && p.charge != 0.0) {
      const double theta0 = detail::highland(P, beta, p.charge, path / m.X0);
      if (theta0 > 0.0) {
        Vec3 u, v;
        orthonormal(d, u, v);
        d = (d + std::tan(theta0 * rng_.normal()) * u + std::tan(theta0 * rng_.normal()) * v).normalized();
      }
    }
    double E_new = E;
    if (opt_.energy_loss && p.charge != 0.0 && p.mass > 0.0) {
      // dE/dx grows as the particle slows down: integrate in steps of at most ~10% of the
      // kinetic energy (one step for the thin layers of the tracker and most KLM plates)
      const double first = detail::bethe_bloch(m, P / p.mass, p.mass, p.charge) * path;
      const double kinetic = E - p.mass;
      const int n_steps = first < 0.1 * kinetic ? 1 : std::min(50, 1 + static_cast<int>(first / (0.1 * kinetic)));
      const double ds = path / n_steps;
      E_new -= first / n_steps;  // the first step at the entry momentum
      for (int i = 1; i < n_steps && E_new - p.mass > kMinKinetic; ++i) {
        const double pp = std::sqrt(std::max(0.0, E_new * E_new - p.mass * p.mass));
        E_new -= detail::bethe_bloch(m, pp / p.mass, p.mass, p.charge) * ds;
      }
    }
    if (opt_.bremsstrahlung && p.kind == Kind::electron && E_new > p.mass) {
      // Bethe-Heitler: the fraction z = E'/E kept after x/X0 has density (-ln z)^(c-1) / Gamma(c),
      // c = x / (X0 ln 2) (Bethe & Heitler 1934; as used in the Gaussian-sum filter literature).
      const double c = path / m.X0 / std::log(2.0);
      const double z = std::exp(-rng_.gamma(c));
      const double radiated = E_new * (1.0 - z);
      E_new -= radiated;
      if (radiated > 1e-3) {
        Particle g = make(22);
        g.pos = p.pos;
        g.t = p.t;
        g.truth = p.truth;
        g.mom = radiated * d;
        stack_.push_back(g);
      }
    }
    if (E_new - p.mass < kMinKinetic) return false;
    p.mom = std::sqrt(E_new * E_new - p.mass * p.mass) * d;
    return true;
  }

  static double cos_incidence_radial(const Vec3& pos, const Vec3& d) {
    const double r = std::sqrt(pos.x() * pos.x() + pos.y() * pos.y());
    if (r <= 0.0) return 1.0;
    return std::max(0.05, std::abs((pos.x() * d.x() + pos.y() * d.y()) / r));
  }

  // ---------------------------------------------------------------- charged transport
  static double radius(const Vec3& x) { return std::sqrt(x.x() * x.x() + x.y() * x.y()); }
  int band_of(const Vec3& x) const { return cdc_.layer_at(radius(x), x.z()); }

  /// Signed distance outside the band of `layer` (< 0 inside), in r or z.
  double outside_band(int layer, const Vec3& x) const {
    const double r = radius(x), z = x.z();
    const geo::CDCLayer& L = cdc_.layer(layer);
    const double fz = std::max(L.z_backward - z, z - L.z_forward);
    double lo, hi;
    cdc_.band_bounds(layer, z, lo, hi);
    const double fr = std::max(lo - r, r - hi);
    return std::max(fz, fr);
  }

  double outside_tracker_distance(const Vec3& x) const {
    return std::max({radius(x) - ecl_r_, x.z() - ecl_zf_, ecl_zb_ - x.z()});
  }

  /// Root of g in [lo, hi] with g(lo) < 0 <= g(hi) (Illinois regula falsi); returns a point
  /// with g >= 0 within `tol` of the root.
  template <class G>
  static double crossing(double lo, double hi, double glo, double ghi, G&& g, double tol) {
    int side = 0;
    for (int it = 0; it < 40 && hi - lo > tol; ++it) {
      double x = hi - ghi * (hi - lo) / (ghi - glo);
      if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
      const double gx = g(x);
      if (gx >= 0.0 && gx < 0.2 * tol) return x;  // g is a distance in cm: close enough
      if (gx >= 0.0) {
        hi = x;
        ghi = gx;
        if (side == 1) glo *= 0.5;
        side = 1;
      } else {
        lo = x;
        glo = gx;
        if (side == -1) ghi *= 0.5;
        side = -1;
      }
    }
    return hi;
  }

  /// Follows a charged particle through the tracker; true if it reaches the ECL front surface,
  /// with p at the entry point. Multiple scattering and energy loss in the CDC gas are applied
  /// once per superlayer (the Highland formula is meant for the total thickness, not for
  /// each 1-2 cm of gas).
  bool charged_transport(Particle& p) {
    enum Event { none, exit_tracker, shell, band_change };
    constexpr double kTol = 5e-3;  // cm of arc length
    double path = 0.0;
    double gas_pending = 0.0;
    int stalled = 0;
    double turned = 0.0;
    const double max_turn = kTwoPi * opt_.max_turns;
    int band = band_of(p.pos);
    for (int segment = 0; segment < 10000; ++segment) {
      const Helix h(p.pos, p.mom, p.charge, opt_.bfield);
      const double beta = p.beta();
      double s = 0.0;
      double s_in = 0.0;  // start of the current band visit on this helix
      Vec3 a = p.pos;
      double ra = radius(a);
      Event ev = none;
      double s_ev = kInf;
      int shell_idx = -1;
      while (ev == none) {
        // steps shorter than the thinnest band (1 cm), so that no band is skipped radially
        const double sb = s + 0.9;
        if (path + sb > opt_.max_arc_length) {
          if (band >= 0) cdc_cell_hits(h, band, s_in, s, p, beta);
          return false;
        }
        const Vec3 b = h.position(sb);
        const double rb = radius(b);
        const double gb = outside_tracker_distance(b);
        if (gb >= 0.0) {
          ev = exit_tracker;
          s_ev = crossing(s, sb, outside_tracker_distance(a), gb,
                          [&](double x) { return outside_tracker_distance(h.position(x)); }, kTol);
        }
        if (band < 0) {
          for (std::size_t i = 0; i < shells_.size(); ++i) {
            const double R = shells_[i].radius;
            if ((ra - R) * (rb - R) < 0.0 && b.z() > shells_[i].z_min && b.z() < shells_[i].z_max) {
              const double sign = rb > R ? 1.0 : -1.0;
              const double sc = crossing(s, sb, sign * (ra - R), sign * (rb - R),
                                         [&](double x) { return sign * (radius(h.position(x)) - R); }, kTol);
              if (sc < s_ev) {
                s_ev = sc;
                ev = shell;
                shell_idx = static_cast<int>(i);
              }
            }
          }
        }
        // band change: leaving the current band, or (outside all bands) entering one
        int target = band;
        double sign = 1.0;
        bool changed;
        if (band >= 0) {
          changed = outside_band(band, b) - 1e-7 >= 0.0;
        } else {
          const bool near = rb > cdc_.r_min() - 1.0 && rb < cdc_.r_max() + 1.0;
          target = near ? band_of(b) : -1;
          changed = target >= 0;
          sign = -1.0;
        }
        if (changed) {
          // strictly across the boundary (by kEps), so that band_of() agrees at the crossing
          constexpr double kEps = 1e-7;
          auto g = [&](const Vec3& x) { return sign * outside_band(target, x) - kEps; };
          const double sc = crossing(s, sb, g(a), g(b), [&](double x) { return g(h.position(x)); }, kTol);
          if (sc < s_ev) {
            s_ev = sc;
            ev = band_change;
          }
        }
        if (ev == band_change && band >= 0) {
          // into the next layer of the same superlayer: no material to apply, the helix goes on
          const Vec3 x = h.position(s_ev);
          const int nb = band_of(x);
          if (nb >= 0 && nb != band && cdc_.layer(nb).superlayer == cdc_.layer(band).superlayer) {
            cdc_cell_hits(h, band, s_in, s_ev, p, beta);
            band = nb;
            s_in = s = s_ev;
            a = x;
            ra = radius(x);
            ev = none;
            s_ev = kInf;
            continue;
          }
        }
        s = sb;
        a = b;
        ra = rb;
      }
      // the segment [0, s_ev] of this helix is done
      if (band >= 0) {
        cdc_cell_hits(h, band, s_in, s_ev, p, beta);
        gas_pending += s_ev;
      }
      p.pos = h.position(s_ev);
      p.mom = p.momentum() * h.direction(s_ev);
      p.t += s_ev / (beta * kSpeedOfLight);
      path += s_ev;
      turned += std::abs(h.kappa * s_ev);
      if (turned > max_turn && ev != exit_tracker) return false;  // curler: followed for its first turns
      const int next_band = ev == band_change ? band_of(p.pos) : -1;
      if (s_ev < 1e-9 && ++stalled > 3) return false;  // safety net: no progress
      if (s_ev >= 1e-9) stalled = 0;
      if (gas_pending > 0.0 &&
          (next_band < 0 || cdc_.layer(next_band).superlayer != cdc_.layer(band < 0 ? next_band : band).superlayer)) {
        const bool alive = apply_material(p, gas_, gas_pending);
        gas_pending = 0.0;
        if (!alive) return false;
      }
      if (ev == exit_tracker) return true;
      if (ev == shell) {
        const geo::MaterialShell& sh = shells_[static_cast<std::size_t>(shell_idx)];
        const double cos_a = cos_incidence_radial(p.pos, p.mom.normalized());
        if (!apply_material(p, sh.material, sh.thickness / cos_a)) return false;
      }
      band = next_band;
    }
    return false;
  }

  /// Hits of the cells of `layer` crossed by the helix between s0 and s1: the cells between
  /// the azimuths of the entry and exit points (and of the midpoint for a track turning back
  /// inside the band), each with the true distance of closest approach to its wire.
  void cdc_cell_hits(const Helix& h, int layer, double s0, double s1, const Particle& p, double beta) {
    const int n = cdc_.n_cells(layer);
    Vec3 pa, ta, ka, pb, tb, kb;
    h.evaluate(s0, pa, ta, ka);
    h.evaluate(s1, pb, tb, kb);
    const int wa = cdc_.nearest_wire_fast(layer, pa.x(), pa.y(), pa.z());
    auto rel = [&](const Vec3& q) {
      int d = cdc_.nearest_wire_fast(layer, q.x(), q.y(), q.z()) - wa;
      if (d > n / 2) d -= n;
      if (d < -n / 2) d += n;
      return d;
    };
    const int db = rel(pb);
    int lo = std::min(0, db), hi = std::max(0, db);
    const bool turning = (pa.x() * ta.x() + pa.y() * ta.y()) * (pb.x() * tb.x() + pb.y() * tb.y()) < 0.0;
    if (turning) {
      const int dm = rel(h.position(0.5 * (s0 + s1)));
      lo = std::min(lo, dm);
      hi = std::max(hi, dm);
    }
    if (hi - lo > 8) return;  // pathological (a curler turning inside one band): skip
    const geo::CDCLayer& L = cdc_.layer(layer);
    const double max_doca = half_diagonal_[static_cast<std::size_t>(layer)];
    for (int k = lo; k <= hi; ++k) {
      const int w = ((wa + k) % n + n) % n;
      Vec3 A, D;
      cdc_.wire_line(layer, w, A, D);
      // Newton iterations on g(s) = |perp(s)|^2 / 2, perp = component of H(s) - A normal to D.
      double s = 0.5 * (s0 + s1);
      Vec3 P, T, K, perp;
      for (int it = 0; it < 8; ++it) {
        h.evaluate(s, P, T, K);
        const Vec3 wv = P - A;
        perp = wv - wv.dot(D) * D;
        const Vec3 Tp = T - T.dot(D) * D;
        const double g1 = perp.dot(T);
        const double g2 = Tp.squaredNorm() + perp.dot(K);
        if (g2 <= 1e-12) break;
        const double ds = std::clamp(-g1 / g2, -2.0, 2.0);
        if (std::abs(ds) < 1e-5) break;  // P, perp at s are converged to < 0.1 um
        s += ds;
      }
      const double doca = perp.norm();
      if (P.z() < L.z_backward || P.z() > L.z_forward) continue;
      if (doca > max_doca) continue;
      if (rng_.uniform() > opt_.cdc_efficiency) continue;
      // smeared with the resolution at the true distance, which the hit carries (the width of
      // its residual, what a fit needs for unit pulls); optionally the resolution at the
      // measured distance, as a reconstruction would assign it
      const double sigma_true = hit_sigma(layer, doca);
      const double drift = std::abs(doca + sigma_true * rng_.normal());
      const double t = p.t + s / (beta * kSpeedOfLight) + doca / opt_.cdc_drift_velocity;
      const double sigma = opt_.cdc_sigma_at_measured_drift ? hit_sigma(layer, drift) : sigma_true;
      cdc_hits_.push_back({layer, w, p.truth, drift, sigma, t, doca});
    }
  }

  // ---------------------------------------------------------------- photons
  void photon(Particle& g) {
    const Vec3 d = g.mom.normalized();
    const double E = g.momentum();
    // distance to the ECL front surface along the straight line
    double t_exit = cylinder_intersection(g.pos, d, ecl_r_);
    if (d.z() > 0.0) t_exit = std::min(t_exit, (ecl_zf_ - g.pos.z()) / d.z());
    if (d.z() < 0.0) t_exit = std::min(t_exit, (ecl_zb_ - g.pos.z()) / d.z());
    if (!std::isfinite(t_exit)) return;
    if (opt_.conversions) {
      const double r0 = std::hypot(g.pos.x(), g.pos.y());
      // crossings in order of radius: the inner shells, the CDC gas, the outer shells
      double t_conv = kInf;
      for (const auto& sh : shells_) {
        if (sh.radius <= r0) continue;
        const double t = cylinder_intersection(g.pos, d, sh.radius);
        if (!(t < t_exit)) continue;
        const Vec3 x = g.pos + t * d;
        if (x.z() < sh.z_min || x.z() > sh.z_max) continue;
        if (sh.radius > cdc_.r_min() && !std::isfinite(t_conv)) {
          // the CDC gas between the inner wall and this shell
          const double t_in = std::max(0.0, cylinder_intersection(g.pos, d, cdc_.r_min()));
          if (std::isfinite(t_in) && t > t_in && r0 < cdc_.r_max()) {
            const double x0 = (t - t_in) / gas_.X0;
            if (rng_.uniform() < 1.0 - std::exp(-7.0 / 9.0 * x0)) t_conv = rng_.uniform(t_in, t);
          }
        }
        if (std::isfinite(t_conv)) break;
        const double x_over_x0 = sh.thickness / cos_incidence_radial(x, d) / sh.material.X0;
        if (rng_.uniform() < 1.0 - std::exp(-7.0 / 9.0 * x_over_x0)) {
          t_conv = t;
          break;
        }
      }
      if (std::isfinite(t_conv)) {
        convert(g, t_conv, d, E);
        return;
      }
    }
    em_shower(g.pos + t_exit * d, d, E, true, g.truth, g.t + t_exit / kSpeedOfLight);
  }

  /// Pair production: the energy sharing x = E-/E_gamma from the Bethe-Heitler complete-screening
  /// shape 1 - 4/3 x (1 - x) (PDG eq. 34.31); both leptons along the photon.
  void convert(const Particle& g, double t, const Vec3& d, double E) {
    double x;
    do {
      x = rng_.uniform();
    } while (rng_.uniform() > 1.0 - 4.0 / 3.0 * x * (1.0 - x));
    const double m = detail::kElectronMass;
    for (int sign : {1, -1}) {
      const double Ee = std::max(m + 2.0 * kMinKinetic, (sign > 0 ? x : 1.0 - x) * E);
      Particle e = make(11 * sign);
      e.pos = g.pos + t * d;
      e.t = g.t + t / kSpeedOfLight;
      e.mom = std::sqrt(Ee * Ee - m * m) * d;
      e.truth = g.truth;
      stack_.push_back(e);
    }
  }

  // ---------------------------------------------------------------- ECL
  void deposit(int cell, double e, double t, int truth) {
    const auto c = static_cast<std::size_t>(cell);
    if (!ecl_touched_[c]) {
      ecl_touched_[c] = 1;
      ecl_list_.push_back(cell);
      ecl_e_[c] = ecl_et_[c] = ecl_best_e_[c] = 0.0;
      ecl_best_p_[c] = -1;
    }
    ecl_e_[c] += e;
    ecl_et_[c] += e * t;
    if (e > ecl_best_e_[c]) {
      ecl_best_e_[c] = e;
      ecl_best_p_[c] = truth;
    }
  }

  void flush_local(double t, int truth, bool shower) {
    int best = 0;
    double best_e = 0.0;
    for (const auto& [cell, e] : local_) {
      deposit(cell, e, t, truth);
      if (e > best_e) {
        best_e = e;
        best = cell;
      }
    }
    if (shower && best > 0) shower_centres_.push_back(best);
    local_.clear();
  }

  void add_local(int cell, double e) {
    for (auto& [c, v] : local_) {
      if (c == cell) {
        v += e;
        return;
      }
    }
    local_.emplace_back(cell, e);
  }

  void em_shower(const Vec3& entry, const Vec3& d, double E, bool is_photon, int truth, double t) {
    if (E < 1e-4) return;
    const double rel = std::hypot(opt_.ecl_stochastic / std::pow(E, 0.25), opt_.ecl_constant);
    const double E_vis = E * (1.0 + rel * rng_.normal());
    if (E_vis <= 0.0) return;
    const double t_max = std::max(0.0, std::log(E / kCsICritical) + (is_photon ? 0.5 : -0.5));
    const double a = kShowerB * t_max + 1.0;
    const int n = std::clamp(static_cast<int>(32.0 + 100.0 * E), 32, std::max(32, opt_.ecl_max_spots));
    const double w = E_vis / n;
    Vec3 u, v;
    orthonormal(d, u, v);
    for (int i = 0; i < n; ++i) {
      const double depth = rng_.gamma(a) / kShowerB * kCsIX0;
      const double scale = rng_.uniform() < kCoreFraction ? kCoreScale : kTailScale;
      const double r = -scale * std::log(rng_.uniform() * rng_.uniform());  // gamma(2) radial
      const double psi = rng_.uniform(0.0, kTwoPi);
      const Vec3 spot = entry + depth * d + r * (std::cos(psi) * u + std::sin(psi) * v);
      const int cell = ecl_.cell_at(spot);
      if (cell > 0) add_local(cell, w);  // spots in the gaps are lost in dead material
    }
    flush_local(t, truth, true);
  }

  /// Hadronic shower starting at x: a visible fraction of the kinetic energy spread in depth
  /// and laterally; spots behind the crystals leak out.
  void hadron_shower(const Vec3& x, const Vec3& d, double kinetic, int truth, double t) {
    double f = rng_.normal(kHadronVisibleMean, kHadronVisibleSigma);
    f = std::clamp(f, 0.05, 1.0);
    const int n = 40;
    const double w = f * kinetic / n;
    Vec3 u, v;
    orthonormal(d, u, v);
    for (int i = 0; i < n; ++i) {
      const double depth = -8.0 * std::log(rng_.uniform() * rng_.uniform()) * 0.5;
      const double r = -4.0 * std::log(rng_.uniform() * rng_.uniform()) * 0.5;
      const double psi = rng_.uniform(0.0, kTwoPi);
      const Vec3 spot = x + depth * d + r * (std::cos(psi) * u + std::sin(psi) * v);
      const double theta = std::atan2(radius(spot), spot.z());
      if (spot.norm() > ecl_.front_distance(theta) + ecl_.options().crystal_length) continue;
      const int cell = ecl_.cell_at(spot);
      if (cell > 0) add_local(cell, w);
    }
    flush_local(t, truth, true);
  }

  /// Straight passage through the crystals of a muon or hadron at the ECL front: ionisation in
  /// 2 cm steps (gamma-distributed fluctuations), nuclear interactions for hadrons.
  /// Returns true if the particle leaves the back of the ECL.
  bool ecl_penetrating(Particle& p) {
    const Vec3 d = p.mom.normalized();
    const bool hadron = p.kind == Kind::charged_hadron || p.kind == Kind::neutral_hadron;
    const double d_int = (hadron && opt_.hadronic_interactions) ? csi_.lambda_I * rng_.exponential() : kInf;
    const double step = 2.0;
    double L = 0.0;
    const double t_front = p.t;
    bool through = false;
    double dedx = 0.0, dedx_p = -1.0;
    while (L < 80.0) {
      const Vec3 mid = p.pos + 0.5 * step * d;
      const double theta = std::atan2(radius(mid), mid.z());
      if (mid.norm() > ecl_.front_distance(theta) + ecl_.options().crystal_length) {
        through = true;
        break;
      }
      if (L + step > d_int) {
        const Vec3 x = p.pos + (d_int - L) * d;
        flush_local(t_front, p.truth, false);
        hadron_shower(x, d, p.energy() - p.mass, p.truth, p.t);
        return false;
      }
      const int cell = ecl_.cell_at(mid);
      if (p.charge != 0.0) {
        // dE/dx changes slowly: recomputed when the momentum has changed by 2%
        const double P = p.momentum();
        if (dedx_p < 0.0 || std::abs(P - dedx_p) > 0.02 * dedx_p) {
          dedx = detail::bethe_bloch(csi_, P / p.mass, p.mass, p.charge);
          dedx_p = P;
        }
        const double mean = dedx * step;
        const double dE = mean * rng_.gamma(4.0) / 4.0;
        if (cell > 0) add_local(cell, dE);
        const double E_new = p.energy() - dE;
        if (E_new - p.mass < kMinKinetic) {
          flush_local(t_front, p.truth, false);
          return false;
        }
        p.mom = std::sqrt(E_new * E_new - p.mass * p.mass) * d;
      }
      p.pos += step * d;
      p.t += step / (p.beta() * kSpeedOfLight);
      L += step;
    }
    flush_local(t_front, p.truth, false);
    if (through && p.charge != 0.0 && opt_.multiple_scattering) {
      // the scattering accumulated over the crystal length, applied at the back face
      const double theta0 = detail::highland(p.momentum(), p.beta(), p.charge, L / csi_.X0);
      Vec3 u, v;
      orthonormal(d, u, v);
      p.mom = p.momentum() *
              (d + std::tan(theta0 * rng_.normal()) * u + std::tan(theta0 * rng_.normal()) * v).normalized();
    }
    return through;
  }

  void neutral_hadron(Particle& p) {
    const Vec3 d = p.mom.normalized();
    double t_exit = cylinder_intersection(p.pos, d, ecl_r_);
    if (d.z() > 0.0) t_exit = std::min(t_exit, (ecl_zf_ - p.pos.z()) / d.z());
    if (d.z() < 0.0) t_exit = std::min(t_exit, (ecl_zb_ - p.pos.z()) / d.z());
    if (!std::isfinite(t_exit)) return;
    p.pos += t_exit * d;
    p.t += t_exit / (p.beta() * kSpeedOfLight);
    if (ecl_.cell_at(p.pos) == 0) return;  // into a gap or outside the ECL
    if (ecl_penetrating(p) && coil(p)) klm(p);
  }

  /// Solenoid coil and iron cryostat between the ECL and the KLM.
  bool coil(Particle& p) {
    const Vec3 d = p.mom.normalized();
    const double cos_a = cos_incidence_radial(p.pos, d);
    const double path_fe = klm_.options().cryostat_iron / cos_a;
    const double path_al = klm_.options().coil_aluminium / cos_a;
    if ((p.kind == Kind::charged_hadron || p.kind == Kind::neutral_hadron) && opt_.hadronic_interactions &&
        rng_.uniform() < 1.0 - std::exp(-path_fe / iron_.lambda_I - path_al / al_.lambda_I)) {
      return false;  // absorbed in the coil
    }
    return apply_material(p, al_, path_al) && apply_material(p, iron_, path_fe);
  }

  // ---------------------------------------------------------------- KLM
  void klm_hit(const Particle& p, geo::KLMSection section, int layer) {
    if (rng_.uniform() > opt_.klm_efficiency) return;
    const double sres = opt_.klm_position_resolution;
    const double r = radius(p.pos);
    const double phi = std::atan2(p.pos.y(), p.pos.x()) + (r > 0 ? sres * rng_.normal() / r : 0.0);
    double z = p.pos.z(), rr = r;
    if (section == geo::KLMSection::barrel) {
      z += sres * rng_.normal();
    } else {
      rr += sres * rng_.normal();
    }
    klm_hits_.push_back({static_cast<std::int32_t>(section), layer, klm_.sector(section, phi), p.truth, phi, z,
                         rr, p.t});
  }

  /// A hadron interacting in plate `layer`: hits in the next few layers around the track.
  void klm_hadron_shower(const Particle& p, const Vec3& d, geo::KLMSection section, int layer) {
    const double kinetic = p.energy() - p.mass;
    const auto n_extra = std::min<std::int64_t>(3, rng_.poisson(0.5 + 1.5 * kinetic));
    Particle q = p;
    for (std::int64_t k = 1; k <= n_extra; ++k) {
      const int l = layer + static_cast<int>(k);
      if (l >= klm_.n_layers(section)) break;
      const double t = static_cast<double>(k) * klm_.pitch() / std::max(0.05, section == geo::KLMSection::barrel
                                                             ? cos_incidence_radial(p.pos, d)
                                                             : std::abs(d.z()));
      q.pos = p.pos + t * d;
      q.pos.x() += 8.0 * rng_.normal();
      q.pos.y() += 8.0 * rng_.normal();
      klm_hit(q, section, l);
    }
  }

  void klm(Particle& p) {
    const double r0 = klm_.options().barrel_r0;
    Vec3 d = p.mom.normalized();
    const double t0 = cylinder_intersection(p.pos, d, r0);
    const double z0 = std::isfinite(t0) ? p.pos.z() + t0 * d.z() : kInf;
    const bool barrel = std::isfinite(t0) && z0 > klm_.barrel_z_min() && z0 < klm_.barrel_z_max();
    const geo::KLMSection section =
        barrel ? geo::KLMSection::barrel : (d.z() > 0 ? geo::KLMSection::forward : geo::KLMSection::backward);
    if (!barrel && std::abs(d.z()) < 1e-6) return;
    const bool hadron = p.kind == Kind::charged_hadron || p.kind == Kind::neutral_hadron;
    const double tan_min = std::tan(klm_.options().forward_theta_min_deg * kPi / 180.0);
    const double tan_max = std::tan((180.0 - klm_.options().backward_theta_max_deg) * kPi / 180.0);
    for (int layer = 0; layer < klm_.n_layers(section); ++layer) {
      const double pos = klm_.layer_position(section, layer);
      double t;
      if (barrel) {
        t = cylinder_intersection(p.pos, d, pos);
      } else {
        t = ((section == geo::KLMSection::forward ? pos : -pos) - p.pos.z()) / d.z();
      }
      if (!std::isfinite(t) || t < 0.0) return;
      const double beta = p.beta();
      p.pos += t * d;
      p.t += t / (beta * kSpeedOfLight);
      const double r = radius(p.pos);
      if (barrel && (p.pos.z() < klm_.barrel_z_min() || p.pos.z() > klm_.barrel_z_max())) return;
      if (!barrel) {
        const double lim = section == geo::KLMSection::forward ? tan_min : tan_max;
        if (r > klm_.options().endcap_r_max || r < std::abs(p.pos.z()) * lim) return;
      }
      klm_hit(p, section, layer);
      if (layer + 1 == klm_.n_layers(section)) return;
      const double cos_a = barrel ? cos_incidence_radial(p.pos, d) : std::max(0.05, std::abs(d.z()));
      // the detector layer's own material (RPC glass), then the iron plate after it
      if (!apply_material(p, glass_, klm_.options().detector_glass / cos_a)) return;
      const double path = klm_.options().iron_thickness / cos_a;
      if (hadron && opt_.hadronic_interactions && rng_.uniform() < 1.0 - std::exp(-path / iron_.lambda_I)) {
        klm_hadron_shower(p, d, section, layer);
        return;
      }
      if (!apply_material(p, iron_, path)) return;
      p.pos += path * d;
      d = p.mom.normalized();
    }
  }

  // ---------------------------------------------------------------- background and output
  void background() {
    const BackgroundOptions& bg = opt_.background;
    for (int l = 0; l < cdc_.n_layers(); ++l) {
      const int n_cells = cdc_.n_cells(l);
      const std::int64_t n = rng_.poisson(bkg_hits_per_layer_[static_cast<std::size_t>(l)]);
      for (std::int64_t k = 0; k < n; ++k) {
        const auto w = static_cast<int>(rng_.below(static_cast<std::uint64_t>(n_cells)));
        const double drift = rng_.uniform(0.0, half_width_[static_cast<std::size_t>(l)]);
        const double t = drift / opt_.cdc_drift_velocity + rng_.uniform(-bg.cdc_time_window, bg.cdc_time_window);
        cdc_hits_.push_back({l, w, -1, drift, hit_sigma(l, drift), t, -1.0});
      }
    }
    const std::int64_t n_ecl = rng_.poisson(bg.scale * bg.ecl_digits);
    const double wmax = std::max(1.0, bg.ecl_endcap_weight);
    const double expo = -1.0 / (bg.ecl_energy_index - 1.0);
    for (std::int64_t k = 0; k < n_ecl; ++k) {
      int cell = 0;
      for (int tries = 0; tries < 100; ++tries) {
        cell = 1 + static_cast<int>(rng_.below(static_cast<std::uint64_t>(ecl_.n_cells())));
        const double w = ecl_barrel_[static_cast<std::size_t>(cell - 1)] ? 1.0 : bg.ecl_endcap_weight;
        if (rng_.uniform() * wmax < w) break;
      }
      double e;
      do {
        e = bg.ecl_energy_min * std::pow(rng_.uniform(), expo);
      } while (e > bg.ecl_energy_max);
      deposit(cell, e, rng_.uniform(-bg.ecl_time_window, bg.ecl_time_window), -1);
    }
    klm_background();
  }

  /// Uncorrelated KLM hits, uniform over the area of the detector layers (endcaps weighted).
  void klm_background() {
    const BackgroundOptions& bg = opt_.background;
    const std::int64_t n = rng_.poisson(bg.scale * bg.klm_hits);
    const auto& ko = klm_.options();
    for (std::int64_t k = 0; k < n; ++k) {
      const double u = rng_.uniform();
      const auto it = std::lower_bound(klm_bkg_cumulative_.begin(), klm_bkg_cumulative_.end(), u);
      const auto idx = static_cast<std::size_t>(std::min<std::ptrdiff_t>(
          it - klm_bkg_cumulative_.begin(), static_cast<std::ptrdiff_t>(klm_bkg_cumulative_.size()) - 1));
      const auto [sec_i, layer] = klm_bkg_layers_[idx];
      const auto sec = static_cast<geo::KLMSection>(sec_i);
      const double pos = klm_.layer_position(sec, layer);
      const double phi = rng_.uniform(-kPi, kPi);
      double z, r;
      if (sec == geo::KLMSection::barrel) {
        r = pos;
        z = rng_.uniform(klm_.barrel_z_min(), klm_.barrel_z_max());
      } else {
        const double th = sec == geo::KLMSection::forward ? ko.forward_theta_min_deg : 180.0 - ko.backward_theta_max_deg;
        const double rmin = pos * std::tan(th * kPi / 180.0);
        r = std::sqrt(rng_.uniform(rmin * rmin, ko.endcap_r_max * ko.endcap_r_max));  // uniform in area
        z = sec == geo::KLMSection::forward ? pos : -pos;
      }
      klm_hits_.push_back({sec_i, layer, klm_.sector(sec, phi), -1, phi, z, r,
                           rng_.uniform(-bg.klm_time_window, bg.klm_time_window)});
    }
  }

  void finish_cdc(SimulationOutput& out) {
    // sort by (global wire, hit index) through packed integer keys; one TDC hit per wire: the
    // earliest signal wins
    cdc_keys_.clear();
    for (std::size_t i = 0; i < cdc_hits_.size(); ++i) {
      const auto& h = cdc_hits_[i];
      const auto global = static_cast<std::uint64_t>(cdc_.first_wire(h.layer) + h.wire);
      cdc_keys_.push_back((global << 32) | static_cast<std::uint64_t>(i));
    }
    std::sort(cdc_keys_.begin(), cdc_keys_.end());
    for (std::size_t k = 0; k < cdc_keys_.size();) {
      std::size_t best = static_cast<std::size_t>(cdc_keys_[k] & 0xffffffffULL);
      std::size_t j = k + 1;
      for (; j < cdc_keys_.size() && (cdc_keys_[j] >> 32) == (cdc_keys_[k] >> 32); ++j) {
        const auto other = static_cast<std::size_t>(cdc_keys_[j] & 0xffffffffULL);
        if (cdc_hits_[other].time < cdc_hits_[best].time) best = other;
      }
      k = j;
      const CdcHit& h = cdc_hits_[best];
      out.cdc_layer.push_back(h.layer);
      out.cdc_wire.push_back(h.wire);
      out.cdc_particle.push_back(h.particle);
      out.cdc_drift.push_back(h.drift);
      out.cdc_sigma.push_back(h.sigma);
      out.cdc_time.push_back(h.time);
      out.cdc_true_drift.push_back(h.true_drift);
    }
    out.cdc_offsets.push_back(static_cast<std::int64_t>(out.cdc_layer.size()));
  }

  void finish_ecl(SimulationOutput& out) {
    // electronic noise in every crystal with a deposit and in the 5x5 around each shower maximum
    for (int c : shower_centres_) {
      for (int nb : ecl_.n24(c)) deposit(nb, 0.0, 0.0, -1);
    }
    std::sort(ecl_list_.begin(), ecl_list_.end());
    for (int cell : ecl_list_) {
      const auto c = static_cast<std::size_t>(cell);
      const double raw = ecl_e_[c];
      const double e = raw + opt_.ecl_noise * rng_.normal();
      ecl_touched_[c] = 0;
      if (e <= opt_.ecl_threshold) continue;
      const double t_true = raw > 0.0 ? ecl_et_[c] / raw : 0.0;
      const double sigma_t = std::sqrt(opt_.ecl_time_resolution * opt_.ecl_time_resolution + 0.01 / (e * e));
      out.ecl_cell_id.push_back(cell);
      out.ecl_energy.push_back(e);
      out.ecl_time.push_back(t_true + sigma_t * rng_.normal());
      out.ecl_particle.push_back(ecl_best_p_[c]);
    }
    ecl_list_.clear();
    out.ecl_offsets.push_back(static_cast<std::int64_t>(out.ecl_cell_id.size()));
  }

  const geo::CDCGeometry& cdc_;
  const geo::ECLGeometry& ecl_;
  const geo::KLMGeometry& klm_;
  const FastSimulationOptions& opt_;
  CDCResolutionModel res_model_;
  Rng rng_;
  std::vector<geo::MaterialShell> shells_;
  geo::Material gas_, csi_, iron_, al_, glass_;
  std::vector<double> klm_bkg_cumulative_;
  std::vector<std::pair<int, int>> klm_bkg_layers_;  // (section, layer) of each entry
  std::vector<double> half_diagonal_, half_width_, bkg_hits_per_layer_;
  std::vector<char> ecl_barrel_;
  double ecl_r_ = 125.0, ecl_zf_ = 196.0, ecl_zb_ = -102.0;
  std::vector<Particle> stack_;
  std::vector<CdcHit> cdc_hits_;
  std::vector<std::uint64_t> cdc_keys_;
  std::vector<KlmHit> klm_hits_;
  std::vector<double> ecl_e_, ecl_et_, ecl_best_e_;
  std::vector<int> ecl_best_p_;
  std::vector<char> ecl_touched_;
  std::vector<int> ecl_list_;
  std::vector<int> shower_centres_;
  std::vector<std::pair<int, double>> local_;
};

}  // namespace

double cdc_hit_sigma(const geo::CDCGeometry& cdc, const FastSimulationOptions& options, int layer, double drift) {
  if (options.cdc_resolution_model == 0) return options.cdc_resolution;
  CDCResolutionModel model;
  model.max_sigma = 2.5 * options.cdc_resolution;
  return model.sigma(drift, 0.5 * cdc.cell_width(layer));
}

void validate_particles(const ParticleColumns& in, core::EventOffsets offsets, const FastSimulationOptions& opt) {
  const DetectorEnvelope env;
  for (std::size_t ev = 0; ev < offsets.n_events; ++ev) {
    for (std::size_t row = offsets.begin(ev); row < offsets.end(ev); ++row) {
      if (in.status[row] != 1) continue;
      const int pdg = in.pdg[row];
      bool known = detail::species(pdg).kind != Kind::unknown;
      for (int code : opt.invisible_pdg) known = known || code == pdg || code == -pdg;
      const std::string where = "event " + std::to_string(ev) + ", particle " + std::to_string(row - offsets.begin(ev));
      if (!known) {
        throw std::invalid_argument(where + ": unknown pdg code " + std::to_string(pdg) +
                                    " (not in the fast simulation's particle table; declare it invisible "
                                    "if it leaves no signal in the detector)");
      }
      const double r = std::hypot(in.vx[row], in.vy[row]);
      if (r > env.r_max || in.vz[row] < env.z_min || in.vz[row] > env.z_max) {
        throw std::invalid_argument(where + ": vertex (" + std::to_string(in.vx[row]) + ", " +
                                    std::to_string(in.vy[row]) + ", " + std::to_string(in.vz[row]) +
                                    ") cm is outside the detector (r <= " + std::to_string(env.r_max) +
                                    " cm, " + std::to_string(env.z_min) + " <= z <= " +
                                    std::to_string(env.z_max) + " cm)");
      }
    }
  }
}

SimulationOutput simulate(const geo::CDCGeometry& cdc, const geo::ECLGeometry& ecl, const geo::KLMGeometry& klm,
                          const ParticleColumns& particles, core::EventOffsets offsets,
                          const FastSimulationOptions& options) {
  validate_particles(particles, offsets, options);
  const std::size_t n_events = offsets.n_events;
  const int threads = std::max(1, std::min<int>(core::resolve_threads(options.n_threads),
                                                static_cast<int>(std::max<std::size_t>(1, n_events))));
  const std::size_t chunk = n_events == 0 ? 1 : (n_events + static_cast<std::size_t>(threads) - 1) / static_cast<std::size_t>(threads);
  std::vector<SimulationOutput> chunks(static_cast<std::size_t>(threads));
  core::parallel_for(static_cast<std::size_t>(threads), threads, [&](std::size_t b, std::size_t e) {
    for (std::size_t c = b; c < e; ++c) {
      EventSimulator sim(cdc, ecl, klm, options);
      const std::size_t first = c * chunk, last = std::min(n_events, first + chunk);
      SimulationOutput& o = chunks[c];
      for (auto* v : {&o.cdc_offsets, &o.ecl_offsets, &o.klm_offsets}) {
        v->reserve(last > first ? last - first + 1 : 1);
        v->push_back(0);
      }
      for (std::size_t ev = first; ev < last; ++ev) {
        sim.run(ev, particles, offsets.begin(ev), offsets.end(ev), o);
      }
    }
  });
  if (chunks.size() == 1) return std::move(chunks[0]);
  SimulationOutput out;
  auto append = [](auto& dst, const auto& src) { dst.insert(dst.end(), src.begin(), src.end()); };
  auto append_offsets = [](std::vector<std::int64_t>& dst, const std::vector<std::int64_t>& src) {
    const std::int64_t base = dst.empty() ? 0 : dst.back();
    if (dst.empty()) dst.push_back(0);
    for (std::size_t i = 1; i < src.size(); ++i) dst.push_back(base + src[i]);
  };
  for (const SimulationOutput& c : chunks) {
    append(out.cdc_layer, c.cdc_layer);
    append(out.cdc_wire, c.cdc_wire);
    append(out.cdc_particle, c.cdc_particle);
    append(out.cdc_drift, c.cdc_drift);
    append(out.cdc_sigma, c.cdc_sigma);
    append(out.cdc_time, c.cdc_time);
    append(out.cdc_true_drift, c.cdc_true_drift);
    append_offsets(out.cdc_offsets, c.cdc_offsets);
    append(out.ecl_cell_id, c.ecl_cell_id);
    append(out.ecl_particle, c.ecl_particle);
    append(out.ecl_energy, c.ecl_energy);
    append(out.ecl_time, c.ecl_time);
    append_offsets(out.ecl_offsets, c.ecl_offsets);
    append(out.klm_section, c.klm_section);
    append(out.klm_layer, c.klm_layer);
    append(out.klm_sector, c.klm_sector);
    append(out.klm_particle, c.klm_particle);
    append(out.klm_phi, c.klm_phi);
    append(out.klm_z, c.klm_z);
    append(out.klm_r, c.klm_r);
    append(out.klm_time, c.klm_time);
    append_offsets(out.klm_offsets, c.klm_offsets);
  }
  return out;
}

}  // namespace darkrecon::simulation
