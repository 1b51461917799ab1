#include "suggestion/hyperband.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "common/text.h"
#include "suggestion/bayesian_optimization.h"
#include "suggestion/resource_budget.h"
#include "suggestion/rng.h"
#include "suggestion/sampling.h"
#include "suggestion/settings.h"

namespace tuneup {

HyperbandSettings HyperbandSettings::Read(const Experiment& experiment, FieldErrors& errors) {
  HyperbandSettings settings;
  SettingsReader reader = SettingsReader::ForAlgorithm(experiment, errors);
  const size_t before = errors.size();
  if (auto name = ReadResourceName(reader, experiment)) settings.resource_name = *name;
  if (auto eta = reader.Int("eta", 2, 1'000'000)) settings.eta = static_cast<int>(*eta);
  if (auto r_l = reader.Double("r_l", 1, 1e15)) settings.r_l = *r_l;
  settings.random_state = ReadRandomState(reader);
  if (auto sampler = reader.OneOf("sampler", {"random", "bayesianoptimization"}))
    settings.model_guided = *sampler == "bayesianoptimization";
  if (auto passes = reader.Int("passes", 0, 1'000'000)) settings.passes = static_cast<int>(*passes);
  reader.RejectUnknown("hyperband");
  const bool settings_ok = errors.size() == before;
  if (settings_ok && settings.resource_name.empty()) errors.push_back(ResourceNameMissing());
  if (settings_ok && settings.r_l == 0) {
    errors.push_back({kAlgorithmSettingsPath, "r_l must be set: the largest budget a trial gets"});
  }
  if (settings_ok && settings.passes == 0) {
    if (auto error = EndlessScheduleError(
            experiment, "hyperband with passes 0 repeats its brackets until the experiment ends")) {
      errors.push_back(*error);
    }
  }
  return settings;
}

FieldErrors HyperbandSearch::ValidateSettings(const Experiment& experiment) {
  FieldErrors errors;
  HyperbandSettings::Read(experiment, errors);
  return errors;
}

FieldErrors HyperbandSearch::Warnings(const Experiment& experiment) {
  FieldErrors errors;
  HyperbandSettings settings = HyperbandSettings::Read(experiment, errors);
  if (!errors.empty()) return {};
  const double smallest = HyperbandSchedule(settings.r_l, settings.eta).front().rungs[0].budget;
  return BudgetRangeWarnings(
      experiment, settings.resource_name, smallest, settings.r_l,
      "r_l " + FormatDouble(settings.r_l) + " and eta " + std::to_string(settings.eta));
}

HyperbandSearch::HyperbandSearch(const Experiment& experiment, const SearchSpace& space)
    : maximize_(MaximizesObjective(experiment)), experiment_(experiment), space_(space) {
  FieldErrors errors;
  settings_ = HyperbandSettings::Read(experiment, errors);
  if (!errors.empty()) throw Error(ErrorCode::kInvalidArgument, errors.front().ToString());
  seed_ = settings_.random_state ? *settings_.random_state : FreshSeed();
  resource_ = &ResourceParameter(space_, settings_.resource_name);
  schedule_ = HyperbandSchedule(settings_.r_l, settings_.eta);
}

Assignment HyperbandSearch::NewConfiguration(int pass, int bracket, int64_t config,
                                             double budget) const {
  // A configuration depends only on its place in the schedule: the same trials exist whatever
  // the parallelism or the order in which rungs finish.
  uint64_t stream = seed_;
  if (pass > 0) stream = MixSeed(stream, 0x7061737300000000ULL + static_cast<uint64_t>(pass));
  Rng rng(MixSeed(MixSeed(stream, static_cast<uint64_t>(bracket)), static_cast<uint64_t>(config)));
  return WithBudget(SampleAssignment(space_, rng), *resource_, budget);
}

std::vector<Assignment> HyperbandSearch::GuidedConfigurations(std::span<const Trial> trials,
                                                              int pass, int s,
                                                              int64_t configurations) {
  // The Succeeded trials of the brackets run before this one (earlier passes, and this pass's
  // larger brackets), by budget.
  std::map<double, std::vector<const Trial*>, std::greater<>> by_budget;
  for (const auto& trial : trials) {
    auto bracket = IntLabel(trial, kHyperbandBracketLabel);
    const int64_t trial_pass = IntLabel(trial, kHyperbandPassLabel).value_or(0);
    const bool earlier = trial_pass < pass || (trial_pass == pass && bracket && *bracket > s);
    if (!bracket || !earlier || trial.status != TrialStatus::kSucceeded || !trial.objective)
      continue;
    auto value = FindValue(trial.assignment, resource_->name);
    auto budget = value ? ParseDouble(*value) : std::nullopt;
    if (budget) by_budget[*budget].push_back(&trial);
  }
  const size_t needed = std::max<size_t>(3, space_.parameters().size());
  for (const auto& [budget, group] : by_budget) {
    if (group.size() < needed) continue;
    std::string inputs = FormatDouble(budget);
    for (const Trial* trial : group)
      inputs += " " + trial->name;
    auto cached = guided_cache_.find({pass, s});
    if (cached != guided_cache_.end() && cached->second.first == inputs)
      return cached->second.second;
    // Bayesian optimisation over the other parameters, seeded by the bracket, asked for the whole
    // bracket at once: its inputs are fixed once the earlier brackets are done, so every call
    // (and every restart) gets the same configurations.
    std::vector<ParameterSpec> others;
    for (const auto& spec : experiment_.spec.parameters) {
      if (spec.name != resource_->name) others.push_back(spec);
    }
    Experiment model = experiment_;
    model.spec.parameters = others;
    uint64_t stream = MixSeed(seed_, 0x62680000ULL + static_cast<uint64_t>(s));
    if (pass > 0) stream = MixSeed(stream, static_cast<uint64_t>(pass));
    model.spec.algorithm = AlgorithmSpec{"bayesianoptimization",
                                         {{"acq_func", "EI"},
                                          {"n_initial_points", "0"},
                                          {"random_state", std::to_string(stream >> 1)}}};
    std::vector<Trial> history;
    for (const Trial* trial : group) {
      Trial& copy = history.emplace_back(*trial);
      std::erase_if(copy.assignment,
                    [&](const ParameterAssignment& a) { return a.name == resource_->name; });
    }
    FieldErrors ignored;
    BayesianOptimization optimizer(model, SearchSpace::FromSpec(model.spec, ignored));
    SuggestReply reply = optimizer.Suggest(history, static_cast<int>(configurations));
    std::vector<Assignment> chosen;
    for (auto& proposal : reply.proposals) {
      Assignment full;
      for (const auto& spec : experiment_.spec.parameters) {
        if (spec.name == resource_->name) {
          full.push_back({spec.name, ""});
        } else if (auto value = FindValue(proposal.assignment, spec.name)) {
          full.push_back({spec.name, *value});
        }
      }
      chosen.push_back(std::move(full));
    }
    guided_cache_[{pass, s}] = {std::move(inputs), chosen};
    return chosen;
  }
  return {};
}

SuggestReply HyperbandSearch::Suggest(std::span<const Trial> trials, int count) {
  using Key = std::tuple<int, int, int, int64_t>;  // pass, bracket s, rung, configuration
  std::map<Key, const Trial*> made;
  int64_t last_pass = -1;  // the latest pass with a trial
  for (const auto& trial : trials) {
    auto s = IntLabel(trial, kHyperbandBracketLabel);
    auto rung = IntLabel(trial, kHyperbandRungLabel);
    auto config = IntLabel(trial, kHyperbandConfigLabel);
    const int64_t pass = IntLabel(trial, kHyperbandPassLabel).value_or(0);
    if (!s || !rung || !config || pass < 0) continue;
    made.emplace(
        Key{static_cast<int>(pass), static_cast<int>(*s), static_cast<int>(*rung), *config},
        &trial);
    last_pass = std::max(last_pass, pass);
  }
  SuggestReply reply;
  bool everything_created = true;
  bool earlier_done = true;  // every bracket before this one has ended
  auto full = [&] { return static_cast<int>(reply.proposals.size()) >= count; };
  for (int pass = 0; settings_.passes == 0 || pass < settings_.passes; ++pass) {
    if (pass > last_pass && full()) {
      everything_created = false;  // later passes are still to come
      break;
    }
    for (const auto& bracket : schedule_) {
      if (settings_.model_guided && !earlier_done) {
        everything_created = false;  // it waits for the model's inputs
        break;
      }
      std::vector<int64_t> members(static_cast<size_t>(bracket.rungs.front().configurations));
      for (size_t k = 0; k < members.size(); ++k)
        members[k] = static_cast<int64_t>(k);
      std::optional<std::vector<Assignment>> guided;  // computed when first needed
      bool done = false;
      for (int i = 0; i <= bracket.s; ++i) {
        const double budget = bracket.rungs[static_cast<size_t>(i)].budget;
        bool complete = true;
        for (int64_t k : members) {
          auto it = made.find({pass, bracket.s, i, k});
          if (it != made.end()) {
            complete = complete && !IsActive(it->second->status);
            continue;
          }
          complete = false;
          everything_created = false;
          if (full()) continue;
          if (i == 0 && settings_.model_guided && !guided) {
            guided =
                GuidedConfigurations(trials, pass, bracket.s, bracket.rungs.front().configurations);
          }
          Assignment assignment;
          std::map<std::string, std::string> labels = {
              {kHyperbandPassLabel, std::to_string(pass)},
              {kHyperbandBracketLabel, std::to_string(bracket.s)},
              {kHyperbandRungLabel, std::to_string(i)},
              {kHyperbandConfigLabel, std::to_string(k)}};
          if (i > 0) {
            const Trial* parent = made.at({pass, bracket.s, i - 1, k});
            assignment = WithBudget(parent->assignment, *resource_, budget);
            labels[kResumeFromLabel] = parent->name;
          } else if (guided && static_cast<size_t>(k) < guided->size()) {
            assignment = WithBudget((*guided)[static_cast<size_t>(k)], *resource_, budget);
          } else {
            assignment = NewConfiguration(pass, bracket.s, k, budget);
          }
          reply.proposals.push_back({std::move(assignment), std::move(labels)});
        }
        if (i == bracket.s) {
          done = complete;
          break;
        }
        if (!complete) {
          everything_created = false;  // later rungs of this bracket are still to come
          break;
        }
        // Promote the best Succeeded configurations of this rung.
        std::vector<std::pair<double, int64_t>> ranked;
        for (int64_t k : members) {
          const Trial* trial = made.at({pass, bracket.s, i, k});
          if (trial->status != TrialStatus::kSucceeded || !trial->objective ||
              !std::isfinite(*trial->objective)) {
            continue;
          }
          ranked.push_back({maximize_ ? -*trial->objective : *trial->objective, k});
        }
        std::sort(ranked.begin(), ranked.end());
        const auto promoted = std::min<size_t>(
            ranked.size(),
            static_cast<size_t>(bracket.rungs[static_cast<size_t>(i) + 1].configurations));
        members.clear();
        for (size_t r = 0; r < promoted; ++r)
          members.push_back(ranked[r].second);
        std::sort(members.begin(), members.end());
        if (members.empty()) {  // every configuration of the rung failed: the bracket ends
          done = true;
          break;
        }
      }
      earlier_done = earlier_done && done;
    }
    if (settings_.model_guided && !earlier_done) break;
  }
  reply.exhausted = everything_created && reply.proposals.empty();
  return reply;
}

}  // namespace tuneup
