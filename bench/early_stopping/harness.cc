// Hyperband, ASHA and early stopping on synthetic learning curves (bench/early_stopping/curves.h):
// tuneup's real algorithms and stoppers, called in process, with the runner simulated
// sequentially (one trial at a time, as parallelTrialCount 1). bench/early_stopping/run.sh runs it
// beside Optuna's pruners (peers.py); bench/README.md, "Hyperband, ASHA and early stopping".
//
// Each run: the budget B is the epochs of one full Hyperband pass for r_l = R, eta = 3. Trials are
// started one at a time (Suggest(trials, 1)) while fewer than B epochs have been trained; a
// started trial trains epoch by epoch for its budget (its `epochs` value for hyperband and asha, R
// otherwise) and after each epoch the stopper, if any, is asked about it with every other started
// trial's curve, as controller/runner.cc does. The trial's objective is its last reported value.
// With a "-resume" system, a promoted trial (kResumeFromLabel) continues its parent's curve and
// trains only the epochs after the parent's, as a trainer that checkpoints does.
// The chosen configuration is the best objective among the trials that trained all R epochs and
// ended Succeeded; the regret is that configuration's noise-free loss at R minus the family's
// minimum at R. One JSON line per (system, R, seed):
//   {"system": "tuneup-hyperband", "R": 27, "seed": 0, "regret": .., "epochs_used": 423,
//    "budget": 423, "trials": 69, "full_budget_trials": 8, ...}
//
// Usage: bench_early_stopping [--seeds=30] [--R=27,81] [--systems=hyperband,asha,...]
//                             [--objective=last|min]
//        (--trace: every trial as a JSON line on stderr)
//        bench_early_stopping --describe [--R=27,81]   the family: minima (checked), rank
//                                                      correlations, regret of random configs
//        bench_early_stopping --dump                   curves of fixed configurations, for
//                                                      peers.py's cross-check
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/early_stopping/curves.h"
#include "common/error.h"
#include "common/text.h"
#include "suggestion/early_stopping.h"
#include "suggestion/hyperband_schedule.h"
#include "suggestion/registry.h"
#include "tests/support/parameter_specs.h"

namespace tuneup::bench {
namespace {

using curves::Config;

constexpr int kEta = 3;

struct System {
  std::string name;  // without the "tuneup-" prefix
  std::string algorithm;
  bool resource = false;  // the search space has `epochs`, set by the algorithm
  std::vector<NamedSetting> settings;
  std::optional<EarlyStoppingSpec> early_stopping;
  // A trial labelled kResumeFromLabel continues its parent's training (a trainer that
  // checkpoints): it trains and pays for the epochs after the parent's last one only.
  bool resume = false;
};

const std::vector<std::string> kSystemNames = {"hyperband",
                                               "hyperband-bo",
                                               "asha",
                                               "hyperband-resume",
                                               "hyperband-bo-resume",
                                               "asha-resume",
                                               "random+medianstop",
                                               "random+successivehalving",
                                               "random"};

System MakeSystem(const std::string& name, int R) {
  const std::string r = std::to_string(R), eta = std::to_string(kEta);
  if (name == "hyperband") {
    return {name, "hyperband", true, {{"resource_name", "epochs"}, {"eta", eta}, {"r_l", r}}, {}};
  }
  if (name == "hyperband-bo") {  // sampler: bayesianoptimization (model-guided brackets)
    return {name,
            "hyperband",
            true,
            {{"resource_name", "epochs"},
             {"eta", eta},
             {"r_l", r},
             {"sampler", "bayesianoptimization"}},
            {}};
  }
  if (name == "hyperband-resume" || name == "hyperband-bo-resume") {
    // Promotions resume, and the brackets repeat (passes 0) until the budget is used.
    System system = MakeSystem(name == "hyperband-resume" ? "hyperband" : "hyperband-bo", R);
    system.name = name;
    system.settings.push_back({"passes", "0"});
    system.resume = true;
    return system;
  }
  if (name == "asha-resume") {
    System system = MakeSystem("asha", R);
    system.name = name;
    system.resume = true;
    return system;
  }
  if (name == "asha") {
    return {name,
            "asha",
            true,
            {{"resource_name", "epochs"}, {"eta", eta}, {"min_resource", "1"}, {"max_resource", r}},
            {}};
  }
  if (name == "random+medianstop") {
    return {name, "random", false, {}, EarlyStoppingSpec{"medianstop", {}}};  // Katib's defaults
  }
  if (name == "random+successivehalving") {
    return {name,
            "random",
            false,
            {},
            EarlyStoppingSpec{"successivehalving", {{"min_resource", "1"}, {"eta", eta}}}};
  }
  if (name == "random") return {name, "random", false, {}, {}};
  throw Error(ErrorCode::kInvalidArgument, "unknown system " + name);
}

std::vector<ParameterSpec> Space(bool with_epochs, int R) {
  using testing::ListSpec;
  using testing::RangeSpec;
  std::vector<ParameterSpec> space = {
      RangeSpec("lr", "double", "0.0001", "1", "", "logUniform"),
      RangeSpec("width", "int", "16", "256", "16"),
      ListSpec("activation", "categorical", {"relu", "tanh", "sigmoid"}),
      RangeSpec("dropout", "double", "0", "0.5")};
  if (with_epochs) space.push_back(RangeSpec("epochs", "int", "1", std::to_string(R)));
  return space;
}

std::string Get(const Assignment& assignment, const std::string& name) {
  auto value = FindValue(assignment, name);
  if (!value) throw Error(ErrorCode::kInternal, "no value for " + name);
  return *value;
}

Config FromAssignment(const Assignment& assignment) {
  Config x;
  x.lr = ParseDouble(Get(assignment, "lr")).value();
  x.width = static_cast<int>(ParseInt64(Get(assignment, "width")).value());
  const std::string activation = Get(assignment, "activation");
  x.activation = -1;
  for (int a = 0; a < 3; ++a)
    if (activation == curves::kActivations[a]) x.activation = a;
  if (x.activation < 0) throw Error(ErrorCode::kInternal, "activation " + activation);
  x.dropout = ParseDouble(Get(assignment, "dropout")).value();
  return x;
}

nlohmann::json ToJson(const Config& x) {
  return {{"lr", x.lr},
          {"width", x.width},
          {"activation", curves::kActivations[x.activation]},
          {"dropout", x.dropout}};
}

// Epochs of one full Hyperband pass: every bracket, every rung, configurations x budget.
int64_t HyperbandBudget(int R) {
  int64_t total = 0;
  for (const auto& bracket : HyperbandSchedule(R, kEta)) {
    for (const auto& rung : bracket.rungs)
      total += rung.configurations * static_cast<int64_t>(std::llround(rung.budget));
  }
  return total;
}

double MinimumOrDie(int R) {
  const curves::Minimum m = curves::MinimumAt(R);
  const double known = curves::KnownMinimum(R);
  if (!std::isnan(known) && std::abs(m.value - known) > 1e-12 * std::abs(known)) {
    std::fprintf(stderr, "minimum at R=%d: computed %.17g, known %.17g\n", R, m.value, known);
    std::exit(1);
  }
  return m.value;
}

nlohmann::json Run(const System& system, int R, int seed, int64_t budget, double minimum,
                   bool objective_min, bool trace) {
  std::vector<NamedSetting> settings = system.settings;
  settings.push_back({"random_state", std::to_string(seed)});
  Experiment experiment =
      testing::SearchExperiment(system.algorithm, Space(system.resource, R), settings);
  experiment.metadata.name = "es-" + system.name;
  experiment.spec.early_stopping = system.early_stopping;
  experiment.spec.parallel_trial_count = 1;
  if (system.algorithm == "asha" || system.resume) {
    experiment.spec.max_trial_count = 1'000'000;  // never reached
  }

  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Algorithm> search = AlgorithmRegistry::Default().Create(experiment);
  std::unique_ptr<EarlyStopper> stopper = CreateEarlyStopper(experiment);
  std::vector<Trial> trials;
  std::vector<std::vector<double>> values;  // each trial's curve, as the runner keeps them
  std::vector<int> trained_to;              // each trial's last epoch (a resumed one's from 1)
  std::map<std::string, size_t> by_name;
  std::vector<Config> configs;
  int64_t used = 0, stopped = 0;
  bool exhausted = false;
  const Timestamp t0 = Timestamp(std::chrono::seconds(1'700'000'000));
  while (used < budget) {
    SuggestReply reply = search->Suggest(trials, 1);
    if (reply.proposals.empty()) {
      if (!reply.exhausted) {
        throw Error(ErrorCode::kInternal,
                    system.name + ": no proposal although nothing runs and not exhausted");
      }
      exhausted = true;
      break;
    }
    Proposal& proposal = reply.proposals.front();
    Trial trial;
    trial.experiment = experiment.metadata.name;
    trial.sequence = static_cast<int64_t>(trials.size());
    trial.name = experiment.metadata.name + "-" + std::to_string(trial.sequence);
    trial.assignment = std::move(proposal.assignment);
    trial.labels = std::move(proposal.labels);
    trial.status = TrialStatus::kRunning;
    trial.created_at = trial.started_at.emplace(t0 + std::chrono::seconds(trial.sequence));
    int first_epoch = 1;
    if (auto parent = trial.labels.find(kResumeFromLabel);
        system.resume && parent != trial.labels.end()) {
      first_epoch = trained_to.at(by_name.at(parent->second)) + 1;
    }
    by_name[trial.name] = trials.size();
    trials.push_back(std::move(trial));
    values.emplace_back();
    const size_t index = trials.size() - 1;
    const Config x = FromAssignment(trials[index].assignment);
    configs.push_back(x);
    const int epochs =
        system.resource
            ? static_cast<int>(ParseInt64(Get(trials[index].assignment, "epochs")).value())
            : R;
    if (epochs < 1 || epochs > R || first_epoch > epochs) {
      throw Error(ErrorCode::kInternal, "epochs out of range");
    }
    const curves::Curve curve(x, static_cast<uint64_t>(seed));
    bool stop = false;
    for (int t = first_epoch; t <= epochs && !stop; ++t) {
      values[index].push_back(curve.Observed(t));
      ++used;
      if (!stopper) continue;
      std::vector<TrialCurve> others;
      others.reserve(trials.size());
      for (size_t j = 0; j < trials.size(); ++j) {
        if (j != index && trials[j].status != TrialStatus::kPending)
          others.push_back({&trials[j], values[j]});
      }
      stop = stopper->Decide({&trials[index], values[index]}, others).stop;
    }
    Trial& done = trials[index];
    const std::vector<double>& v = values[index];
    trained_to.push_back(first_epoch - 1 + static_cast<int>(v.size()));
    const double lowest = *std::min_element(v.begin(), v.end());
    done.metrics = {{"loss", lowest, *std::max_element(v.begin(), v.end()), v.back(),
                     static_cast<int64_t>(v.size())}};
    done.objective = objective_min ? lowest : v.back();
    done.status = stop ? TrialStatus::kEarlyStopped : TrialStatus::kSucceeded;
    done.completed_at = *done.started_at + std::chrono::seconds(static_cast<int64_t>(v.size()));
    stopped += stop ? 1 : 0;
    if (trace) {
      std::fprintf(stderr, "%s\n",
                   nlohmann::json{{"system", "tuneup-" + system.name},
                                  {"R", R},
                                  {"seed", seed},
                                  {"trial", done.sequence},
                                  {"labels", done.labels},
                                  {"config", ToJson(x)},
                                  {"first_epoch", first_epoch},
                                  {"epochs", v.size()},
                                  {"budget", epochs},
                                  {"status", TrialStatusName(done.status)},
                                  {"objective", *done.objective}}
                       .dump()
                       .c_str());
    }
  }
  if (!exhausted && system.algorithm == "hyperband") {
    exhausted = search->Suggest(trials, 1).exhausted;  // did it end by itself at the budget?
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The chosen configuration: best objective among Succeeded trials trained for all R epochs.
  std::optional<size_t> chosen;
  int64_t full = 0;
  for (size_t i = 0; i < trials.size(); ++i) {
    if (trials[i].status != TrialStatus::kSucceeded || trained_to[i] != R) {
      continue;
    }
    ++full;
    if (!chosen || *trials[i].objective < *trials[*chosen].objective) chosen = i;
  }
  const bool fallback = !chosen;
  if (fallback) {  // none reached R: the best trial of any budget (flagged)
    for (size_t i = 0; i < trials.size(); ++i) {
      if (trials[i].objective && (!chosen || *trials[i].objective < *trials[*chosen].objective))
        chosen = i;
    }
  }
  nlohmann::json out = {{"system", "tuneup-" + system.name},
                        {"R", R},
                        {"seed", seed},
                        {"budget", budget},
                        {"epochs_used", used},
                        {"trials", static_cast<int64_t>(trials.size())},
                        {"full_budget_trials", full},
                        {"stopped_trials", stopped},
                        {"fallback", fallback},
                        {"objective", objective_min ? "min" : "last"},
                        {"seconds", seconds}};
  if (system.algorithm == "hyperband") out["exhausted"] = exhausted;
  if (chosen) {
    const double loss = curves::Clean(configs[*chosen], R);
    out["chosen"] = ToJson(configs[*chosen]);
    out["chosen_objective"] = *trials[*chosen].objective;
    out["chosen_loss"] = loss;
    out["regret"] = loss - minimum;
  }
  return out;
}

// --- --describe -------------------------------------------------------------------------------

std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]])
      ++j;
    for (size_t k = i; k <= j; ++k)
      ranks[order[k]] = (static_cast<double>(i) + static_cast<double>(j)) / 2;
    i = j + 1;
  }
  return ranks;
}

double Spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const std::vector<double> ra = Ranks(a), rb = Ranks(b);
  const double n = static_cast<double>(a.size()), mean = (n - 1) / 2;
  double num = 0, da = 0, db = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) * (ra[i] - mean);
    db += (rb[i] - mean) * (rb[i] - mean);
  }
  return num / std::sqrt(da * db);
}

Config RandomConfig(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  Config x;
  x.lr = std::pow(10.0, std::log10(curves::kLrMin) +
                            (std::log10(curves::kLrMax) - std::log10(curves::kLrMin)) * unit(rng));
  x.width = curves::kWidthMin + curves::kWidthStep * static_cast<int>(unit(rng) * 16);
  x.activation = static_cast<int>(unit(rng) * 3);
  x.dropout = curves::kDropoutMax * unit(rng);
  return x;
}

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

int Describe(const std::vector<int>& Rs) {
  int status = 0;
  constexpr int kSamples = 20000;
  for (int R : Rs) {
    const curves::Minimum m = curves::MinimumAt(R);
    const double known = curves::KnownMinimum(R);
    const int64_t budget = HyperbandBudget(R);
    std::printf("R = %d: Hyperband budget B = %lld epochs (%.1f full trainings)\n", R,
                static_cast<long long>(budget), static_cast<double>(budget) / R);
    std::printf("  minimum of the noise-free loss at R: %.17g at %s (stored: %.17g)%s\n", m.value,
                curves::Key(m.at).c_str(), known,
                std::isnan(known) || std::abs(m.value - known) <= 1e-12 * std::abs(known)
                    ? ""
                    : "  MISMATCH");
    if (!std::isnan(known) && std::abs(m.value - known) > 1e-12 * std::abs(known)) status = 1;
    const curves::Shape s = curves::ShapeOf(m.at);
    std::printf("  there: L = %.4f, A = %.4f, b = %.4f, loss(1) = %.4f, noise sd at R = %.4f\n",
                s.limit, s.gap, s.rate, curves::Clean(s, 1), curves::NoiseSd(s, R));
    std::mt19937_64 rng(12345);
    std::vector<double> final_clean, e1, e1_clean, e3, e9, e_third;
    double lowest = INFINITY;
    for (int i = 0; i < kSamples; ++i) {
      const Config x = RandomConfig(rng);
      const curves::Curve c(x, 0);
      final_clean.push_back(c.Clean(R));
      e1.push_back(c.Observed(1));
      e1_clean.push_back(c.Clean(1));
      e3.push_back(c.Observed(3));
      e9.push_back(c.Observed(9));
      e_third.push_back(c.Observed(R / 3));
      lowest = std::min(lowest, c.Clean(R));
    }
    if (lowest < m.value - 1e-12) {
      std::printf("  a random configuration is below the minimum: %.17g  ERROR\n", lowest);
      status = 1;
    }
    std::printf(
        "  Spearman correlation with the noise-free loss at R over %d random configurations:\n"
        "    observed loss at epoch 1: %.2f (noise-free: %.2f); epoch 3: %.2f; epoch 9: %.2f; "
        "epoch R/3 = %d: %.2f\n",
        kSamples, Spearman(e1, final_clean), Spearman(e1_clean, final_clean),
        Spearman(e3, final_clean), Spearman(e9, final_clean), R / 3,
        Spearman(e_third, final_clean));
    std::vector<double> regret;
    for (double f : final_clean)
      regret.push_back(f - m.value);
    std::printf(
        "  regret of a random configuration: median %.4f, 10%% quantile %.4f, 1%% %.4f, "
        "0.1%% %.4f\n",
        Quantile(regret, 0.5), Quantile(regret, 0.1), Quantile(regret, 0.01),
        Quantile(regret, 0.001));
    // The best of n random configurations trained fully (noise-free choice), n = B / R.
    const int n = static_cast<int>(budget / R);
    double sum = 0;
    const int groups = kSamples / n;
    for (int g = 0; g < groups; ++g) {
      double best = INFINITY;
      for (int k = 0; k < n; ++k)
        best = std::min(best, regret[static_cast<size_t>(g * n + k)]);
      sum += best;
    }
    std::printf(
        "  best of %d random configurations (B / R), chosen without noise: mean regret "
        "%.4f\n",
        n, sum / groups);
  }
  return status;
}

// --- --dump -----------------------------------------------------------------------------------

int Dump(const std::vector<int>& Rs) {
  const std::vector<Config> fixed = {{1e-4, 16, 0, 0.0},      {0.0031622776601683794, 128, 1, 0.25},
                                     {1.0, 256, 2, 0.5},      {0.02, 96, 0, 0.1234567890123},
                                     {0.000512, 240, 2, 0.3}, {0.3, 32, 1, 0.05}};
  for (const Config& x : fixed) {
    for (uint64_t seed : {0ull, 1ull, 29ull, 123456789ull}) {
      const curves::Curve c(x, seed);
      nlohmann::json observed = nlohmann::json::array(), clean = nlohmann::json::array();
      for (int t = 1; t <= 81; ++t) {
        observed.push_back(c.Observed(t));
        clean.push_back(c.Clean(t));
      }
      std::printf("%s\n", nlohmann::json{{"config", ToJson(x)},
                                         {"key", curves::Key(x)},
                                         {"seed", seed},
                                         {"observed", observed},
                                         {"clean", clean}}
                              .dump()
                              .c_str());
    }
  }
  for (int R : Rs) {
    const curves::Minimum m = curves::MinimumAt(R);
    std::printf(
        "%s\n",
        nlohmann::json{
            {"minimum", m.value}, {"R", R}, {"at", ToJson(m.at)}, {"budget", HyperbandBudget(R)}}
            .dump()
            .c_str());
  }
  return 0;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ','))
    if (!item.empty()) items.push_back(item);
  return items;
}

}  // namespace
}  // namespace tuneup::bench

int main(int argc, char** argv) {
  using namespace tuneup::bench;
  int seeds = 30;
  std::vector<int> Rs = {27};
  std::vector<std::string> systems = kSystemNames;
  bool describe = false, dump = false, objective_min = false, trace = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--seeds=", 0) == 0) {
      seeds = std::atoi(arg.c_str() + 8);
    } else if (arg.rfind("--R=", 0) == 0) {
      Rs.clear();
      for (const auto& r : SplitList(arg.substr(4)))
        Rs.push_back(std::atoi(r.c_str()));
    } else if (arg.rfind("--systems=", 0) == 0) {
      systems = SplitList(arg.substr(10));
    } else if (arg == "--objective=min") {
      objective_min = true;
    } else if (arg == "--objective=last") {
      objective_min = false;
    } else if (arg == "--trace") {
      trace = true;
    } else if (arg == "--describe") {
      describe = true;
    } else if (arg == "--dump") {
      dump = true;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  for (int R : Rs) {
    if (R < 1) {
      std::fprintf(stderr, "--R: %d is not a budget\n", R);
      return 2;
    }
  }
  if (describe) return Describe(Rs);
  if (dump) return Dump(Rs);
  for (const auto& name : systems) {
    if (std::find(kSystemNames.begin(), kSystemNames.end(), name) == kSystemNames.end()) {
      std::fprintf(stderr, "unknown system %s\n", name.c_str());
      return 2;
    }
  }
  for (int R : Rs) {
    const double minimum = MinimumOrDie(R);
    const int64_t budget = HyperbandBudget(R);
    for (const auto& name : systems) {
      const System system = MakeSystem(name, R);
      for (int seed = 0; seed < seeds; ++seed) {
        try {
          std::printf("%s\n",
                      Run(system, R, seed, budget, minimum, objective_min, trace).dump().c_str());
        } catch (const tuneup::Error& e) {
          if (e.code() != tuneup::ErrorCode::kUnsupported) throw;
          std::fprintf(stderr, "bench_early_stopping: SKIPPING tuneup-%s: %s\n", name.c_str(),
                       e.what());
          std::printf("%s\n",
                      nlohmann::json{{"system", "tuneup-" + name}, {"R", R}, {"skipped", e.what()}}
                          .dump()
                          .c_str());
          break;
        }
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
