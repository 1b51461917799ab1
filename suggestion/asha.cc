#include "suggestion/asha.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "common/text.h"
#include "suggestion/resource_budget.h"
#include "suggestion/rng.h"
#include "suggestion/sampling.h"
#include "suggestion/settings.h"

namespace tuneup {

namespace {

// More rungs than this is a setting error, not a schedule (min_resource 1e-9, max 1e9, eta 2).
constexpr int kMaxRungs = 64;

// The largest s with min_resource * eta^s <= max_resource: the last bracket that has a rung.
int MaxBracket(const AshaSettings& settings) {
  int s = 0;
  double budget = settings.min_resource * settings.eta;
  while (budget <= settings.max_resource && s < kMaxRungs) {
    ++s;
    budget *= settings.eta;
  }
  return s;
}

}  // namespace

AshaSettings AshaSettings::Read(const Experiment& experiment, FieldErrors& errors) {
  AshaSettings settings;
  SettingsReader reader = SettingsReader::ForAlgorithm(experiment, errors);
  const size_t before = errors.size();
  if (auto name = ReadResourceName(reader, experiment)) settings.resource_name = *name;
  if (auto eta = reader.Int("eta", 2, 1'000'000)) settings.eta = static_cast<int>(*eta);
  if (auto r = reader.Double("min_resource", 1e-9, 1e15)) settings.min_resource = *r;
  if (auto r = reader.Double("max_resource", 1e-9, 1e15)) settings.max_resource = *r;
  std::optional<int64_t> brackets = reader.Int("brackets", 1, kMaxRungs);
  settings.random_state = ReadRandomState(reader);
  reader.RejectUnknown("asha");
  if (errors.size() != before) return settings;
  if (settings.resource_name.empty()) errors.push_back(ResourceNameMissing());
  if (settings.max_resource == 0) {
    errors.push_back(
        {kAlgorithmSettingsPath, "max_resource must be set: the budget of the top rung"});
  } else if (settings.max_resource < settings.min_resource) {
    errors.push_back({kAlgorithmSettingsPath, "max_resource (" +
                                                  FormatDouble(settings.max_resource) +
                                                  ") must be at least min_resource (" +
                                                  FormatDouble(settings.min_resource) + ")"});
  } else if (MaxBracket(settings) >= kMaxRungs) {
    errors.push_back({kAlgorithmSettingsPath, "max_resource / min_resource is too large for eta " +
                                                  std::to_string(settings.eta) + ": more than " +
                                                  std::to_string(kMaxRungs) + " rungs"});
  } else if (brackets) {
    const int most = MaxBracket(settings) + 1;
    if (*brackets > most) {
      errors.push_back(
          {kAlgorithmSettingsPath, "brackets is " + std::to_string(*brackets) +
                                       ", but min_resource " + FormatDouble(settings.min_resource) +
                                       ", max_resource " + FormatDouble(settings.max_resource) +
                                       " and eta " + std::to_string(settings.eta) +
                                       " allow at most " + std::to_string(most)});
    } else {
      settings.brackets = static_cast<int>(*brackets);
    }
  }
  if (auto error = EndlessScheduleError(
          experiment, "asha keeps starting configurations until the experiment ends")) {
    errors.push_back(*error);
  }
  return settings;
}

std::vector<double> AshaRungBudgets(const AshaSettings& settings, int s) {
  std::vector<double> budgets;
  double budget = settings.min_resource * std::pow(static_cast<double>(settings.eta), s);
  while (budget < settings.max_resource && budgets.size() < kMaxRungs) {
    budgets.push_back(budget);
    budget *= settings.eta;
  }
  budgets.push_back(settings.max_resource);
  return budgets;
}

FieldErrors AshaSearch::ValidateSettings(const Experiment& experiment) {
  FieldErrors errors;
  AshaSettings::Read(experiment, errors);
  return errors;
}

FieldErrors AshaSearch::Warnings(const Experiment& experiment) {
  FieldErrors errors;
  AshaSettings settings = AshaSettings::Read(experiment, errors);
  if (!errors.empty()) return {};
  return BudgetRangeWarnings(experiment, settings.resource_name, settings.min_resource,
                             settings.max_resource,
                             "min_resource " + FormatDouble(settings.min_resource) +
                                 " and max_resource " + FormatDouble(settings.max_resource));
}

AshaSearch::AshaSearch(const Experiment& experiment, const SearchSpace& space)
    : maximize_(MaximizesObjective(experiment)), space_(space) {
  FieldErrors errors;
  settings_ = AshaSettings::Read(experiment, errors);
  if (!errors.empty()) throw Error(ErrorCode::kInvalidArgument, errors.front().ToString());
  seed_ = settings_.random_state ? *settings_.random_state : FreshSeed();
  resource_ = &ResourceParameter(space_, settings_.resource_name);
  for (int s = 0; s < settings_.brackets; ++s)
    budgets_.push_back(AshaRungBudgets(settings_, s));
}

SuggestReply AshaSearch::Suggest(std::span<const Trial> trials, int count) {
  struct Rung {
    // Ended trials of the rung, best first (failed and stopped ones last, never promoted).
    std::vector<std::pair<double, int64_t>> ranked;  // (score, configuration)
    int64_t ended = 0;
    std::set<int64_t> members;  // every configuration with a trial in the rung
  };
  std::map<std::pair<int, int>, Rung> rungs;    // (bracket, rung)
  std::map<int64_t, const Trial*> first_trial;  // configuration -> its rung-0 trial
  std::map<std::tuple<int, int, int64_t>, const Trial*> by_place;  // (bracket, rung, configuration)
  int64_t configurations = 0;
  for (const auto& trial : trials) {
    auto bracket = IntLabel(trial, kAshaBracketLabel);
    auto rung = IntLabel(trial, kAshaRungLabel);
    auto config = IntLabel(trial, kAshaConfigLabel);
    if (!bracket || !rung || !config || *bracket < 0 || *bracket >= settings_.brackets ||
        *rung < 0 || *rung >= static_cast<int64_t>(budgets_[*bracket].size())) {
      continue;  // not ours (made by hand, or by other settings)
    }
    configurations = std::max(configurations, *config + 1);
    Rung& r = rungs[{static_cast<int>(*bracket), static_cast<int>(*rung)}];
    r.members.insert(*config);
    if (*rung == 0) first_trial.emplace(*config, &trial);
    by_place.emplace(std::tuple{static_cast<int>(*bracket), static_cast<int>(*rung), *config},
                     &trial);
    if (IsActive(trial.status)) continue;
    ++r.ended;
    if (trial.status == TrialStatus::kSucceeded && trial.objective &&
        std::isfinite(*trial.objective)) {
      r.ranked.push_back({maximize_ ? -*trial.objective : *trial.objective, *config});
    }
  }
  for (auto& [key, rung] : rungs)
    std::sort(rung.ranked.begin(), rung.ranked.end());

  SuggestReply reply;
  // The assignment a configuration was first run with, from the trials or this batch.
  std::map<int64_t, Assignment> batch_assignments;
  auto assignment_of = [&](int64_t config) -> const Assignment& {
    auto it = batch_assignments.find(config);
    return it != batch_assignments.end() ? it->second : first_trial.at(config)->assignment;
  };
  while (static_cast<int>(reply.proposals.size()) < count) {
    // A promotion, from the highest rung down, in any bracket.
    std::optional<std::tuple<int, int, int64_t>> promotion;
    for (int k = static_cast<int>(budgets_.front().size()) - 2; k >= 0 && !promotion; --k) {
      for (int s = 0; s < settings_.brackets && !promotion; ++s) {
        if (k + 1 >= static_cast<int>(budgets_[s].size())) continue;
        auto it = rungs.find({s, k});
        if (it == rungs.end()) continue;
        const Rung& rung = it->second;
        const auto top = static_cast<size_t>(rung.ended / settings_.eta);
        Rung& next = rungs[{s, k + 1}];
        for (size_t i = 0; i < std::min(top, rung.ranked.size()); ++i) {
          const int64_t config = rung.ranked[i].second;
          if (!next.members.count(config)) {
            promotion = {s, k + 1, config};
            break;
          }
        }
      }
    }
    int s = 0;
    int k = 0;
    int64_t config = 0;
    Assignment assignment;
    std::map<std::string, std::string> labels;
    if (promotion) {
      std::tie(s, k, config) = *promotion;
      assignment = WithBudget(assignment_of(config), *resource_, budgets_[s][k]);
      labels[kResumeFromLabel] = by_place.at({s, k - 1, config})->name;
    } else {
      // A new configuration in rung 0; configurations are dealt to the brackets in turn.
      config = configurations++;
      s = static_cast<int>(config % settings_.brackets);
      Rng rng(MixSeed(seed_, static_cast<uint64_t>(config)));
      assignment = WithBudget(SampleAssignment(space_, rng), *resource_, budgets_[s][0]);
      batch_assignments[config] = assignment;
    }
    rungs[{s, k}].members.insert(config);
    labels[kAshaBracketLabel] = std::to_string(s);
    labels[kAshaRungLabel] = std::to_string(k);
    labels[kAshaConfigLabel] = std::to_string(config);
    reply.proposals.push_back({std::move(assignment), std::move(labels)});
  }
  return reply;
}

}  // namespace tuneup
