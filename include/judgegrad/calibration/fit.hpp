/// @file
/// Fitting the simulated world to observations (`judgegrad calibrate`): a derivative-free
/// optimizer (NLopt's BOBYQA) moves the declared knobs inside their ranges to minimize the sum of
/// squared standardized errors of the training observations, each evaluation running the reduced
/// study on the simulator once per world seed (the same seeds at every evaluation: common random
/// numbers, so the objective is smooth in the knobs). Then it predicts the held-out observations,
/// checks which knobs the data can tell apart (the curvature of the fit), and reports.
///
/// Needs NLopt and Eigen (the `judgegrad::calibration` CMake target links them); the rest of
/// judgegrad does not.
#pragma once

#include <judgegrad/calibration/observations.hpp>
#include <judgegrad/calibration/spec.hpp>
#include <judgegrad/config.hpp>
#include <judgegrad/core/json_writer.hpp>
#include <judgegrad/core/text.hpp>
#include <judgegrad/experiment/definition.hpp>
#include <judgegrad/experiment/files.hpp>
#include <judgegrad/sim/params.hpp>

#include <Eigen/Eigenvalues>
#include <boost/math/distributions/chi_squared.hpp>
#include <fmt/format.h>
#include <nlopt.hpp>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

JUDGEGRAD_BEGIN_NAMESPACE
namespace calibration {

/// Where an observation stands in a fit.
enum class fit_role { train, held_out, unused };

inline std::string_view to_string(fit_role r) { return r == fit_role::train ? "train" : r == fit_role::held_out ? "held out" : "unused"; }

/// Each observation's role: train when its id matches a train pattern; held out when it matches a
/// held-out pattern (every one not in train, when there are none); unused otherwise. An id both in
/// train and held out, or an observation without an uncertainty, is a calibration_error.
inline std::vector<fit_role> roles_of(const calibration_spec& s, const observation_set& observed) {
  std::vector<fit_role> out;
  auto any = [](const std::vector<std::string>& patterns, std::string_view id) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return id_matches(p, id); });
  };
  std::size_t train = 0;
  for (const auto& o : observed.observations) {
    const bool t = any(s.train, o.id), h = s.held_out.empty() ? !t : any(s.held_out, o.id);
    if (t && h) throw calibration_error(fmt::format("{}: observation '{}' is both in train and held out", s.source, o.id));
    out.push_back(t ? fit_role::train : h ? fit_role::held_out : fit_role::unused);
    if (out.back() != fit_role::unused && !o.uncertainty.sigma())
      throw calibration_error(fmt::format("{}: observation '{}' has no uncertainty to weigh its error by", s.source, o.id));
    if (out.back() != fit_role::unused && *o.uncertainty.sigma() <= 0)
      throw calibration_error(fmt::format("{}: observation '{}' has a zero uncertainty: give it a standard error or an interval", s.source, o.id));
    train += t;
  }
  if (train == 0) throw calibration_error(fmt::format("{}: no observation of {} matches \"train\"", s.source, s.observations.string()));
  return out;
}

/// What the simulation says of observation `wanted`: the mean over the simulated observations of
/// the same quantity and criterion (none: the mean over criteria) whose mode, gate and step agree
/// with `wanted`'s. A field `wanted` leaves empty takes any value (the mean over them); a mode
/// joined by '+' takes any of its modes ("single-task+SSS+SSC": the mean over the three).
inline std::optional<double> simulated_value(const observation& wanted, const observation_set& simulated) {
  std::set<std::string> modes;
  for (std::size_t start = 0; !wanted.mode.empty();) {
    auto plus = wanted.mode.find('+', start);
    modes.insert(wanted.mode.substr(start, plus == std::string::npos ? std::string::npos : plus - start));
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  double sum = 0;
  std::size_t n = 0;
  for (const auto& o : simulated.observations) {
    if (o.what != wanted.what || o.criterion != wanted.criterion) continue;
    if (!modes.empty() && !modes.count(o.mode)) continue;
    if (!wanted.gate.empty() && o.gate != wanted.gate) continue;
    if (wanted.step && o.step != wanted.step) continue;
    sum += o.value;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

/// One world seed's run of the study at some knobs: what it observed (calibration::observations_of
/// of the run directory it made, in `judgegrad calibrate`).
using simulator = std::function<observation_set(const sim::params&)>;

/// A fitted knob.
struct knob_fit {
  knob_range range;
  double start = 0, value = 0;
  /// From the fit's curvature, in the knob's units; infinite when the data do not determine it.
  double standard_error = std::numeric_limits<double>::infinity();
  bool at_bound = false;  ///< within 1% of its range from a bound
};

/// An observation beside what the fitted world predicts.
struct observation_fit {
  std::string id;
  quantity what = quantity::test_spearman;
  fit_role role = fit_role::train;
  double observed = 0, sigma = 0;
  double simulated = 0;     ///< mean over the world seeds
  double seed_sd = 0;       ///< spread over the world seeds
  std::size_t seeds = 0;
  /// The 95% interval of one world's value: simulated +- 1.96 sqrt(max(sigma^2, tau^2) + tau^2 / seeds),
  /// tau^2 the variance between world seeds of the quantity (pooled over its observations, means over criteria apart).
  double lower = 0, upper = 0;
  double z = 0;  ///< (simulated - observed) / that square root
  bool inside() const { return observed >= lower && observed <= upper; }
};

/// Two knobs the data cannot tell apart: their estimates' correlation at the fit.
struct confounded_pair {
  std::string a, b;
  double correlation = 0;
};

/// What a calibration found.
struct calibration_result {
  std::string name, observations_name, source;
  bool simulated_observations = false;
  std::vector<std::uint64_t> world_seeds;
  std::vector<knob_fit> knobs;
  std::vector<observation_fit> observations;  ///< train and held out
  double start_loss = 0, loss = 0;            ///< sum of squared standardized training errors
  std::size_t train = 0, held_out = 0;
  double fit_p = 0;           ///< P(chi-square with train - knobs degrees of freedom >= loss): a good fit is not rare
  double held_out_rms_z = 0;  ///< root mean square of the held-out standardized errors (1: as good as their uncertainty)
  double held_out_inside = 0, train_inside = 0;  ///< shares inside their 95% intervals
  std::vector<confounded_pair> confounded;
  std::vector<std::string> unidentified;  ///< combinations of knobs the loss hardly changes along
  std::size_t evaluations = 0, simulations = 0, cached = 0;
  double seconds = 0;
  std::string stopped;  ///< why the optimizer stopped
  sim::params fitted;   ///< the start world with the fitted knobs

  /// Whether the fitted world agrees with the training observations as well as their
  /// uncertainties allow (fit_p >= 0.001): a world that cannot is not a model of what was observed.
  bool fits() const { return fit_p >= 0.001; }
};

/// Progress of a calibration: evaluation `k` of at most `max` done, its loss, the best so far.
using calibration_progress = std::function<void(std::size_t k, std::size_t max, double loss, double best)>;

namespace detail {

/// The evaluations made so far, one JSON line each, so that a calibration killed and run again
/// repeats none: the optimizer is deterministic and asks for the same knobs again. The first line
/// names what the values depend on (the calibration's digest): a file of another calibration is
/// refused.
class evaluation_cache {
 public:
  evaluation_cache(std::filesystem::path file, std::string digest) : file_(std::move(file)) {
    std::error_code ec;
    if (std::filesystem::exists(file_, ec)) {
      std::ifstream in(file_);
      std::string line;
      simdjson::dom::parser parser;
      bool first = true;
      while (std::getline(in, line)) {
        simdjson::dom::element e;
        if (parser.parse(line).get(e)) continue;  // a line cut by a kill: asked again
        if (first) {
          std::string_view d;
          if (e["calibration"].get(d) || d != digest)
            throw calibration_error(fmt::format("{} holds the evaluations of another calibration (another specification, observations or "
                                                "judgegrad): remove it, or give another output directory",
                                                file_.string()));
          first = false;
          continue;
        }
        std::string_view key;
        simdjson::dom::array values;
        if (e["key"].get(key) || e["values"].get(values)) continue;
        std::vector<double> v;
        for (auto x : values) v.push_back(x.is_null() ? std::numeric_limits<double>::quiet_NaN() : double(x.get_double().value_unsafe()));
        entries_[std::string(key)] = std::move(v);
      }
      if (!first) return;
    }
    std::filesystem::create_directories(file_.parent_path().empty() ? "." : file_.parent_path(), ec);
    experiment::files::write_atomic(file_, fmt::format("{{\"calibration\": \"{}\"}}\n", digest));
  }

  static std::string key(const std::vector<double>& x, std::uint64_t seed) {
    std::string k = fmt::format("seed {}:", seed);
    for (double v : x) fmt::format_to(std::back_inserter(k), " {:.17g}", v);
    return k;
  }
  const std::vector<double>* find(const std::string& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }
  void store(const std::string& key, std::vector<double> values) {
    json_writer w;
    w.begin_object().key("key").value(key).key("values").begin_array();
    for (double v : values) w.value(v);
    w.end_array().end_object();
    std::ofstream out(file_, std::ios::app);
    out << std::move(w).str() << '\n';
    out.flush();
    if (!out) throw experiment::storage_error(fmt::format("{}: cannot append an evaluation (is the disk full?)", file_.string()));
    entries_[key] = std::move(values);
  }

 private:
  std::filesystem::path file_;
  std::map<std::string, std::vector<double>> entries_;
};

inline double mean_of(const std::vector<double>& v, std::size_t* n = nullptr) {
  double s = 0;
  std::size_t k = 0;
  for (double x : v)
    if (!std::isnan(x)) s += x, ++k;
  if (n) *n = k;
  return k ? s / static_cast<double>(k) : std::numeric_limits<double>::quiet_NaN();
}

inline double sd_of(const std::vector<double>& v) {
  std::size_t n = 0;
  const double m = mean_of(v, &n);
  if (n < 2) return 0;
  double ss = 0;
  for (double x : v)
    if (!std::isnan(x)) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(n - 1));
}

/// A simulated value the study could not make (a Spearman of constant scores) weighs this much.
inline constexpr double missing_penalty = 100;

}  // namespace detail

/// What a calibration's evaluations depend on, as 16 hex digits: the specification (but its
/// evaluation count), the observations and judgegrad's version.
inline std::string calibration_digest(const calibration_spec& s, const observation_set& observed) {
  json_writer w;
  w.begin_object().key("judgegrad").value(version_string).key("start").raw(sim::to_json(s.start)).key("study");
  experiment::write_json(w, s.study);
  w.key("knobs").begin_array();
  for (const auto& k : s.knobs) w.begin_array().value(k.path).value(k.lower).value(k.upper).end_array();
  w.end_array().key("seeds").begin_array();
  for (auto seed : s.world_seeds) w.value(seed);
  w.end_array().key("observations").raw(to_json(observed)).key("train").begin_array();
  for (const auto& p : s.train) w.value(p);
  w.end_array().key("held_out").begin_array();
  for (const auto& p : s.held_out) w.value(p);
  w.end_array().end_object();
  return text::hex64(text::word_hash64(std::move(w).str(), text::fnv1a64_basis));
}

/// Fits the knobs of `s` to `observed` through `run` (one world seed's study), keeping every
/// evaluation in `cache_file`; `progress` hears of each. Throws calibration_error when an
/// observation in use cannot be simulated, and what `run` throws.
inline calibration_result calibrate(const calibration_spec& s, const observation_set& observed, const simulator& run,
                                    const std::filesystem::path& cache_file, const calibration_progress& progress = {}) {
  const auto began = std::chrono::steady_clock::now();
  const auto roles = roles_of(s, observed);
  std::vector<std::size_t> used;  // indices into observed.observations, train and held out
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (roles[i] != fit_role::unused) used.push_back(i);
  const std::size_t n = s.knobs.size();
  detail::evaluation_cache cache(cache_file, calibration_digest(s, observed));
  calibration_result r;
  r.name = s.name, r.observations_name = observed.name, r.source = s.source, r.simulated_observations = observed.simulated;
  r.world_seeds = s.world_seeds;

  auto knobs_at = [&](const std::vector<double>& u) {
    sim::params p = s.start;
    for (std::size_t j = 0; j < n; ++j) sim::set_knob(p, s.knobs[j].path, s.knobs[j].lower + std::clamp(u[j], 0.0, 1.0) * (s.knobs[j].upper - s.knobs[j].lower));
    return p;
  };
  // values[k][seed]: the simulated value of used observation k.
  auto simulate = [&](const std::vector<double>& u) {
    std::vector<std::vector<double>> values(used.size(), std::vector<double>(s.world_seeds.size()));
    for (std::size_t w = 0; w < s.world_seeds.size(); ++w) {
      sim::params p = knobs_at(u);
      p.seed = s.world_seeds[w];
      const auto key = detail::evaluation_cache::key(u, p.seed);
      const std::vector<double>* hit = cache.find(key);
      std::vector<double> fresh;
      if (hit) {
        ++r.cached;
      } else {
        const auto made = run(p);
        ++r.simulations;
        for (std::size_t k = 0; k < used.size(); ++k) {
          const auto& o = observed.observations[used[k]];
          auto v = simulated_value(o, made);
          if (!v)
            throw calibration_error(fmt::format(
                "{}: the study cannot simulate observation '{}' ({}{}{}{}{}): it makes no such observation; run the configurations, steps and "
                "diagnostics it needs, or leave it out",
                s.source, o.id, to_string(o.what), o.mode.empty() ? std::string() : fmt::format(", mode {}", o.mode),
                o.gate.empty() ? std::string() : fmt::format(", gate {}", o.gate),
                o.criterion.empty() ? std::string() : fmt::format(", criterion {}", o.criterion), o.step ? fmt::format(", step {}", *o.step) : std::string()));
          fresh.push_back(*v);
        }
        cache.store(key, fresh);
        hit = &fresh;
      }
      if (hit->size() != used.size()) throw calibration_error(fmt::format("{}: an evaluation of another size (a damaged file?)", cache_file.string()));
      for (std::size_t k = 0; k < used.size(); ++k) values[k][w] = (*hit)[k];
    }
    return values;
  };
  // An observation is one world's value (one model's, when a model was observed): it differs from
  // the simulated mean as one world's value differs from the mean of worlds, tau, which holds the
  // noise of its runs and items too, as the observation's own standard error sigma does. Both
  // estimate that spread (sigma from the observed runs, tau from the simulated ones); the larger
  // weighs the error. tau, per quantity (pooled over its observations, so that two or three seeds
  // estimate it), is taken at the start and held during the fit: the optimizer cannot lower the
  // loss by making the world noisier.
  std::vector<double> world_variance(used.size(), 0);
  auto pool_world_variance = [&](const std::vector<std::vector<double>>& values) {
    // Pooled per quantity, and apart for values of one criterion and means over criteria (a mean
    // over K criteria spreads less between worlds than each of them).
    std::map<std::pair<quantity, bool>, std::pair<double, std::size_t>> pooled;
    auto group = [&](std::size_t k) { return std::pair{observed.observations[used[k]].what, observed.observations[used[k]].criterion.empty()}; };
    for (std::size_t k = 0; k < used.size(); ++k) {
      const double sd = detail::sd_of(values[k]);
      auto& [sum, count] = pooled[group(k)];
      sum += sd * sd, ++count;
    }
    for (std::size_t k = 0; k < used.size(); ++k) {
      const auto& [sum, count] = pooled[group(k)];
      world_variance[k] = s.world_seeds.size() >= 2 ? sum / static_cast<double>(count) : 0;
    }
  };
  auto residuals = [&](const std::vector<std::vector<double>>& values) {
    std::vector<double> out;
    for (std::size_t k = 0; k < used.size(); ++k) {
      const auto& o = observed.observations[used[k]];
      if (roles[used[k]] != fit_role::train) continue;
      const double m = detail::mean_of(values[k]);
      const double sigma = *o.uncertainty.sigma();
      out.push_back(std::isnan(m) ? std::sqrt(detail::missing_penalty) : (m - o.value) / std::sqrt(std::max(sigma * sigma, world_variance[k])));
    }
    return out;
  };
  auto loss_of = [](const std::vector<double>& res) {
    double l = 0;
    for (double e : res) l += e * e;
    return l;
  };

  std::vector<double> u(n);
  for (std::size_t j = 0; j < n; ++j) {
    const auto& k = s.knobs[j];
    u[j] = std::clamp((sim::knob_value(s.start, k.path) - k.lower) / (k.upper - k.lower), 0.0, 1.0);
  }
  const std::vector<double> u0 = u;
  {
    const auto at_start = simulate(u0);
    pool_world_variance(at_start);
    r.start_loss = loss_of(residuals(at_start));
  }
  std::size_t evaluations = 0;
  double best = r.start_loss;
  std::vector<double> best_u = u0;
  std::exception_ptr failed;
  // Two phases, both NLopt's: DIRECT-L (deterministic, global over the box) looks at the whole
  // range with a share of the evaluations, since the objective is rough at small scales (a knob
  // moving one item across a threshold changes what the optimizer adopts later); BOBYQA refines from
  // the best point seen, stopping at a hundredth of each range, below which the roughness is noise.
  // Both are deterministic: a calibration run again asks for the same knobs, which the evaluation
  // file answers.
  std::function<double(const std::vector<double>&)> objective = [&](const std::vector<double>& x) {
    const double l = loss_of(residuals(simulate(x)));
    ++evaluations;
    if (l < best) best = l, best_u = x;
    if (progress) progress(evaluations, s.evaluations, l, best);
    return l;
  };
  struct context {
    std::function<double(const std::vector<double>&)>* f;
    std::exception_ptr* failed;
    nlopt::opt* opt;
  };
  auto phase = [&](nlopt::algorithm algorithm, std::size_t budget, double step) {
    nlopt::opt opt(algorithm, static_cast<unsigned>(n));
    opt.set_lower_bounds(std::vector<double>(n, 0.0));
    opt.set_upper_bounds(std::vector<double>(n, 1.0));
    opt.set_maxeval(static_cast<int>(std::max<std::size_t>(budget, 1)));
    opt.set_xtol_abs(0.01);
    if (step > 0) opt.set_initial_step(step);
    context ctx{&objective, &failed, &opt};
    // NLopt swallows what an objective throws: keep it, stop, and throw it after.
    opt.set_min_objective(
        [](const std::vector<double>& x, std::vector<double>&, void* data) -> double {
          auto* c = static_cast<context*>(data);
          try {
            return (*c->f)(x);
          } catch (...) {
            *c->failed = std::current_exception();
            c->opt->force_stop();
            return HUGE_VAL;
          }
        },
        &ctx);
    nlopt::result outcome = nlopt::FAILURE;
    std::vector<double> x = best_u;
    try {
      double ignored = 0;
      outcome = opt.optimize(x, ignored);
    } catch (const nlopt::forced_stop&) {
      outcome = nlopt::FORCED_STOP;
    } catch (const nlopt::roundoff_limited&) {
      outcome = nlopt::ROUNDOFF_LIMITED;
    }
    if (failed) std::rethrow_exception(failed);
    return outcome;
  };
  const std::size_t global = s.evaluations >= 10 ? s.evaluations * 2 / 5 : 0;
  if (global) phase(nlopt::GN_DIRECT_L, global, 0);
  nlopt::result outcome = s.evaluations > evaluations
                              ? phase(n >= 2 ? nlopt::LN_BOBYQA : nlopt::LN_COBYLA, s.evaluations - evaluations, 0.1)
                              : nlopt::MAXEVAL_REACHED;
  r.stopped = outcome == nlopt::MAXEVAL_REACHED    ? fmt::format("the evaluation budget ran out ({} evaluations)", s.evaluations)
              : outcome == nlopt::XTOL_REACHED     ? std::string("the knobs settled (to a hundredth of their ranges)")
              : outcome == nlopt::FTOL_REACHED     ? std::string("the loss settled")
              : outcome == nlopt::ROUNDOFF_LIMITED ? std::string("the loss stopped improving (roundoff)")
              : outcome == nlopt::SUCCESS          ? std::string("the optimizer converged")
                                                   : fmt::format("NLopt stopped (code {})", static_cast<int>(outcome));
  r.evaluations = evaluations;

  // The fit at the best knobs, and its curvature: the Jacobian of the standardized training errors
  // by finite differences (a step of curvature_step of each range, inwards from a bound).
  const auto at_best = simulate(best_u);
  const auto r0 = residuals(at_best);  // with the spread between worlds of the start, as in the fit
  r.loss = loss_of(r0);
  Eigen::MatrixXd jac(static_cast<Eigen::Index>(r0.size()), static_cast<Eigen::Index>(n));
  for (std::size_t j = 0; j < n; ++j) {
    auto u1 = best_u;
    const double h = best_u[j] + s.curvature_step <= 1 ? s.curvature_step : -s.curvature_step;
    u1[j] += h;
    const auto r1 = residuals(simulate(u1));
    for (std::size_t i = 0; i < r0.size(); ++i) jac(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = (r1[i] - r0[i]) / h;
  }
  const Eigen::MatrixXd information = jac.transpose() * jac;  // in units of the knobs' ranges
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(information);
  Eigen::MatrixXd covariance = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  std::vector<bool> determined(n, true);
  for (Eigen::Index k = 0; k < static_cast<Eigen::Index>(n); ++k) {
    const double lambda = eigen.eigenvalues()(k);
    const Eigen::VectorXd v = eigen.eigenvectors().col(k);
    // Moving all the way across the knobs' ranges along v changes the loss by about lambda: below
    // 1 (one standard error), the data say nothing of that combination.
    if (lambda >= 1) {
      covariance += v * v.transpose() / lambda;
      continue;
    }
    std::string combination;
    for (std::size_t j = 0; j < n; ++j)
      if (std::abs(v(static_cast<Eigen::Index>(j))) >= 0.3) {
        determined[j] = false;
        combination += fmt::format("{}{} ({:+.2f})", combination.empty() ? "" : " with ", s.knobs[j].path, v(static_cast<Eigen::Index>(j)));
      }
    r.unidentified.push_back(fmt::format("{}: the loss changes by {:.2g} across the whole range", combination, std::max(lambda, 0.0)));
  }
  r.fitted = knobs_at(best_u);
  r.fitted.seed = s.start.seed;
  for (std::size_t j = 0; j < n; ++j) {
    knob_fit k;
    k.range = s.knobs[j];
    k.start = sim::knob_value(s.start, k.range.path);
    k.value = sim::knob_value(r.fitted, k.range.path);
    const auto J = static_cast<Eigen::Index>(j);
    if (determined[j]) k.standard_error = std::sqrt(std::max(covariance(J, J), 0.0)) * (k.range.upper - k.range.lower);
    k.at_bound = best_u[j] <= 0.01 || best_u[j] >= 0.99;
    r.knobs.push_back(k);
  }
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = a + 1; b < n; ++b) {
      const auto A = static_cast<Eigen::Index>(a), B = static_cast<Eigen::Index>(b);
      if (!determined[a] || !determined[b] || covariance(A, A) <= 0 || covariance(B, B) <= 0) continue;
      const double rho = covariance(A, B) / std::sqrt(covariance(A, A) * covariance(B, B));
      if (std::abs(rho) >= 0.9) r.confounded.push_back({s.knobs[a].path, s.knobs[b].path, rho});
    }

  // Each observation beside its prediction, with the fitted world's spread between worlds.
  pool_world_variance(at_best);
  std::size_t inside_train = 0, inside_held = 0;
  double held_ss = 0;
  for (std::size_t k = 0; k < used.size(); ++k) {
    const auto& o = observed.observations[used[k]];
    observation_fit f;
    f.id = o.id, f.what = o.what, f.role = roles[used[k]];
    f.observed = o.value, f.sigma = *o.uncertainty.sigma();
    f.simulated = detail::mean_of(at_best[k], &f.seeds);
    f.seed_sd = detail::sd_of(at_best[k]);
    // One world's value: the larger of the observation's error and one world's spread, and the
    // simulated mean's own.
    const double spread = std::sqrt(std::max(f.sigma * f.sigma, world_variance[k]) +
                                    (f.seeds ? world_variance[k] / static_cast<double>(f.seeds) : 0));
    f.lower = f.simulated - 1.959963984540054 * spread, f.upper = f.simulated + 1.959963984540054 * spread;
    f.z = std::isnan(f.simulated) ? std::numeric_limits<double>::quiet_NaN() : (f.simulated - f.observed) / spread;
    if (f.role == fit_role::train) ++r.train, inside_train += f.inside();
    else ++r.held_out, inside_held += f.inside(), held_ss += std::isnan(f.z) ? detail::missing_penalty : f.z * f.z;
    r.observations.push_back(std::move(f));
  }
  r.train_inside = r.train ? static_cast<double>(inside_train) / static_cast<double>(r.train) : 0;
  r.held_out_inside = r.held_out ? static_cast<double>(inside_held) / static_cast<double>(r.held_out) : std::numeric_limits<double>::quiet_NaN();
  r.held_out_rms_z = r.held_out ? std::sqrt(held_ss / static_cast<double>(r.held_out)) : std::numeric_limits<double>::quiet_NaN();
  const double dof = static_cast<double>(r.train) - static_cast<double>(n);
  r.fit_p = dof >= 1 ? boost::math::cdf(boost::math::complement(boost::math::chi_squared(dof), r.loss)) : 1.0;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return r;
}

namespace detail {
inline std::string number(double v) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return "not determined";
  return fmt::format("{:.4g}", v);
}
}  // namespace detail

/// The calibration report, as Markdown: the fitted knobs with their ranges, what the curvature
/// says of them, then every observation beside its prediction, held-out ones first.
inline std::string to_markdown(const calibration_result& r) {
  std::string out = fmt::format("# Calibration {}{}\n\n", r.name, r.simulated_observations ? " (observations SIMULATED)" : "");
  out += fmt::format("Fitted to the observations `{}` ({} train, {} held out; {}) by `judgegrad calibrate {}`: {} evaluations of the objective, "
                     "{} simulated studies ({} world seeds each, {} answered from the evaluation file), {:.0f} s; stopped because {}.\n\n",
                     r.observations_name, r.train, r.held_out, r.simulated_observations ? "made on judgegrad's simulator" : "observed",
                     r.source, r.evaluations, r.simulations, r.world_seeds.size(), r.cached, r.seconds, r.stopped);
  out += fmt::format("- Training loss (sum of squared standardized errors): {:.4g} at the start, **{:.4g}** fitted; P(chi-square with {} "
                     "degrees of freedom >= loss) = {:.3g}: {}\n",
                     r.start_loss, r.loss, r.train > r.knobs.size() ? r.train - r.knobs.size() : 0, r.fit_p,
                     r.fits() ? "the world fits the training observations within their uncertainty"
                              : "**the world does not fit the training observations** (p < 0.001): no setting of these knobs reproduces them");
  out += fmt::format("- Held out: root mean square standardized error **{}**, **{}** inside their 95% intervals (train: {} inside)\n\n",
                     detail::number(r.held_out_rms_z), std::isnan(r.held_out_inside) ? std::string("-") : fmt::format("{:.0f}%", 100 * r.held_out_inside),
                     fmt::format("{:.0f}%", 100 * r.train_inside));
  out += "| knob | range | start | fitted | standard error | note |\n|---|---|---|---|---|---|\n";
  for (const auto& k : r.knobs)
    out += fmt::format("| `{}` | [{}, {}] | {} | **{}** | {} | {} |\n", k.range.path, detail::number(k.range.lower), detail::number(k.range.upper),
                       detail::number(k.start), detail::number(k.value), detail::number(k.standard_error), k.at_bound ? "at a bound of its range" : "");
  out += "\n";
  if (r.unidentified.empty() && r.confounded.empty()) out += "Every knob is determined by the training observations (the fit's curvature).\n\n";
  for (const auto& u : r.unidentified) out += fmt::format("- Not determined by the training observations: {}\n", u);
  for (const auto& c : r.confounded)
    out += fmt::format("- `{}` and `{}` trade off (correlation {:+.2f}): the data hardly tell them apart\n", c.a, c.b, c.correlation);
  if (!r.unidentified.empty() || !r.confounded.empty()) out += "\n";
  out += "An observation is one world's value (one model's). Its 95% interval is the simulated mean over the world seeds +- 1.96 "
         "sqrt(max(sigma^2, tau^2) + tau^2 / seeds): sigma its own standard error, tau^2 the variance between world seeds of its quantity "
         "(pooled over the quantity's observations, means over criteria apart). z = (simulated - observed) / that square root; the fit "
         "minimizes the sum of the training (simulated - observed)^2 / max(sigma^2, tau^2), with tau^2 taken at the start.\n\n";
  out += "| observation | quantity | role | observed | sigma | simulated | 95% interval | z | inside |\n|---|---|---|---|---|---|---|---|---|\n";
  for (fit_role role : {fit_role::held_out, fit_role::train})
    for (const auto& o : r.observations)
      if (o.role == role)
        out += fmt::format("| {} | {} | {} | {} | {} | {} | [{}, {}] | {} | {} |\n", o.id, to_string(o.what), to_string(o.role), detail::number(o.observed),
                           detail::number(o.sigma), detail::number(o.simulated), detail::number(o.lower), detail::number(o.upper),
                           std::isnan(o.z) ? std::string("-") : fmt::format("{:+.2f}", o.z), o.inside() ? "yes" : "**no**");
  return out;
}

/// The calibration report as JSON ("judgegrad-calibration-report", version 1).
inline std::string to_json(const calibration_result& r) {
  json_writer w;
  w.begin_object().key("format").value("judgegrad-calibration-report").key("format_version").value(1).key("name").value(r.name)
      .key("specification").value(r.source).key("observations").value(r.observations_name).key("simulated_observations").value(r.simulated_observations)
      .key("world_seeds").begin_array();
  for (auto seed : r.world_seeds) w.value(seed);
  w.end_array().key("evaluations").value(std::uint64_t(r.evaluations)).key("simulations").value(std::uint64_t(r.simulations))
      .key("cached").value(std::uint64_t(r.cached)).key("seconds").value(r.seconds).key("stopped").value(r.stopped)
      .key("start_loss").value(r.start_loss).key("loss").value(r.loss).key("fit_p").value(r.fit_p).key("fits").value(r.fits())
      .key("train").value(std::uint64_t(r.train)).key("held_out").value(std::uint64_t(r.held_out)).key("held_out_rms_z").value(r.held_out_rms_z)
      .key("held_out_inside").value(r.held_out_inside).key("train_inside").value(r.train_inside).key("knobs").begin_array();
  for (const auto& k : r.knobs)
    w.begin_object().key("knob").value(k.range.path).key("lower").value(k.range.lower).key("upper").value(k.range.upper).key("start").value(k.start)
        .key("value").value(k.value).key("standard_error").value(k.standard_error).key("at_bound").value(k.at_bound).end_object();
  w.end_array().key("unidentified").begin_array();
  for (const auto& u : r.unidentified) w.value(u);
  w.end_array().key("confounded").begin_array();
  for (const auto& c : r.confounded) w.begin_object().key("a").value(c.a).key("b").value(c.b).key("correlation").value(c.correlation).end_object();
  w.end_array().key("observation_fits").begin_array();
  for (const auto& o : r.observations)
    w.begin_object().key("id").value(o.id).key("quantity").value(to_string(o.what)).key("role").value(to_string(o.role)).key("observed").value(o.observed)
        .key("sigma").value(o.sigma).key("simulated").value(o.simulated).key("seed_sd").value(o.seed_sd).key("seeds").value(std::uint64_t(o.seeds))
        .key("lower").value(o.lower).key("upper").value(o.upper).key("z").value(o.z).key("inside").value(o.inside()).end_object();
  w.end_array().key("fitted").raw(sim::to_json(r.fitted)).end_object();
  return std::move(w).str() + "\n";
}

}  // namespace calibration
JUDGEGRAD_END_NAMESPACE
