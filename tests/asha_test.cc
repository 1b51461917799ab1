// ASHA (suggestion/asha.h): rung budgets, asynchronous promotions against a hand-computed
// sequence, failed trials, batches, brackets, restarts and settings errors.
#include "suggestion/asha.h"

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/text.h"
#include "tests/support/parameter_specs.h"
#include "tests/support/printers.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ListSpec;
using testing::RangeSpec;

Experiment AshaExperiment(std::vector<NamedSetting> settings,
                          const std::string& direction = "minimize") {
  Experiment experiment = testing::SearchExperiment(
      "asha",
      {RangeSpec("lr", "double", "0.001", "1", "", "logUniform"),
       RangeSpec("epochs", "int", "1", "81"), ListSpec("opt", "categorical", {"sgd", "adam"})},
      std::move(settings), direction);
  experiment.spec.max_trial_count = 100;
  return experiment;
}

std::vector<NamedSetting> Settings(const std::string& max_resource = "9",
                                   const std::string& brackets = "1") {
  return {{"resource_name", "epochs"},
          {"max_resource", max_resource},
          {"brackets", brackets},
          {"random_state", "5"}};
}

AshaSearch Create(const Experiment& experiment) {
  return AshaSearch(experiment, SearchSpace::FromSpecOrThrow(experiment.spec));
}

AshaSettings Budgets(double min_resource, double max_resource, int eta) {
  AshaSettings settings;
  settings.min_resource = min_resource;
  settings.max_resource = max_resource;
  settings.eta = eta;
  return settings;
}

TEST(AshaTest, RungBudgetsAreMinResourceTimesPowersOfEtaCappedByMaxResource) {
  EXPECT_THAT(AshaRungBudgets(Budgets(1, 27, 3), 0), ElementsAre(1, 3, 9, 27));
  EXPECT_THAT(AshaRungBudgets(Budgets(1, 27, 3), 1), ElementsAre(3, 9, 27));
  EXPECT_THAT(AshaRungBudgets(Budgets(1, 27, 3), 3), ElementsAre(27));
  EXPECT_THAT(AshaRungBudgets(Budgets(1, 20, 3), 0), ElementsAre(1, 3, 9, 20));
  EXPECT_THAT(AshaRungBudgets(Budgets(2, 16, 2), 0), ElementsAre(2, 4, 8, 16));
  EXPECT_THAT(AshaRungBudgets(Budgets(5, 5, 3), 0), ElementsAre(5));
}

// Label `key` of a trial or proposal, as a number.
int64_t LabelOf(const std::map<std::string, std::string>& labels, const char* key) {
  return ParseInt64(labels.at(key)).value();
}

// The trial a runner makes of proposal `p` after `trials` (its status and objective still to set).
Trial NextTrial(const Proposal& p, const std::vector<Trial>& trials) {
  Trial trial;
  trial.sequence = static_cast<int64_t>(trials.size());
  trial.name = "asha-" + std::to_string(trial.sequence);
  trial.assignment = p.assignment;
  trial.labels = p.labels;
  return trial;
}

struct Step {
  int64_t rung;
  int64_t config;
  bool operator==(const Step&) const = default;
};
void PrintTo(const Step& s, std::ostream* os) {
  *os << "(rung " << s.rung << ", config " << s.config << ")";
}

// Runs ASHA one trial at a time (each ends before the next is asked for), a fresh AshaSearch at
// every step (as after a restart), with each configuration's objective taken from `values`
// whatever its budget; `failed` configurations fail in every rung.
std::vector<Step> RunSequentially(const Experiment& experiment, const std::vector<double>& values,
                                  size_t steps, const std::set<int64_t>& failed = {}) {
  std::vector<Trial> trials;
  std::vector<Step> sequence;
  std::map<int64_t, Assignment> first;
  for (size_t i = 0; i < steps; ++i) {
    SuggestReply reply = Create(experiment).Suggest(trials, 1);
    EXPECT_EQ(reply.proposals.size(), 1u);
    EXPECT_FALSE(reply.exhausted);
    const Proposal& p = reply.proposals.at(0);
    const int64_t rung = LabelOf(p.labels, kAshaRungLabel);
    const int64_t config = LabelOf(p.labels, kAshaConfigLabel);
    sequence.push_back({rung, config});
    // A promotion keeps every value but the budget.
    if (rung == 0) {
      first[config] = p.assignment;
    } else {
      for (const auto& value : p.assignment) {
        if (value.name == "epochs") continue;
        EXPECT_EQ(FindValue(first.at(config), value.name), value.value);
      }
    }
    Trial trial = NextTrial(p, trials);
    if (failed.count(config)) {
      trial.status = TrialStatus::kFailed;
    } else {
      trial.status = TrialStatus::kSucceeded;
      trial.objective = values.at(static_cast<size_t>(config));
    }
    trials.push_back(std::move(trial));
  }
  return sequence;
}

const std::vector<double> kValues = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0, 10, 11, 12};

TEST(AshaTest, PromotesAsSoonAsAConfigurationIsInTheTopThirdOfItsRung) {
  // eta 3, budgets 1, 3, 9. Worked by hand: rung 0 promotes its best once 3 have ended (c1),
  // then the best of 4 (c3); rung 1 promotes c3 once 3 have ended there; c9 (value 0) climbs to
  // the top as soon as it is in the top third of each rung.
  std::vector<Step> sequence = RunSequentially(AshaExperiment(Settings("9")), kValues, 17);
  EXPECT_THAT(sequence,
              ElementsAre(Step{0, 0}, Step{0, 1}, Step{0, 2}, Step{1, 1}, Step{0, 3}, Step{1, 3},
                          Step{0, 4}, Step{0, 5}, Step{1, 5}, Step{2, 3}, Step{0, 6}, Step{0, 7},
                          Step{0, 8}, Step{0, 9}, Step{1, 9}, Step{2, 9}, Step{0, 10}));
}

TEST(AshaTest, APromotionResumesFromItsConfigurationsTrialInTheRungBelow) {
  Experiment experiment = AshaExperiment(Settings("9"));
  std::vector<Trial> trials;
  int promotions = 0;
  for (int i = 0; i < 17; ++i) {
    SuggestReply reply = Create(experiment).Suggest(trials, 1);
    ASSERT_EQ(reply.proposals.size(), 1u);
    const Proposal& p = reply.proposals[0];
    auto parent = p.labels.find(kResumeFromLabel);
    if (LabelOf(p.labels, kAshaRungLabel) == 0) {
      EXPECT_EQ(parent, p.labels.end());
    } else {
      ++promotions;
      ASSERT_NE(parent, p.labels.end());
      const Trial* earlier = nullptr;
      for (const auto& t : trials)
        if (t.name == parent->second) earlier = &t;
      ASSERT_NE(earlier, nullptr) << parent->second;
      EXPECT_EQ(LabelOf(earlier->labels, kAshaRungLabel), LabelOf(p.labels, kAshaRungLabel) - 1);
      EXPECT_EQ(LabelOf(earlier->labels, kAshaConfigLabel), LabelOf(p.labels, kAshaConfigLabel));
    }
    Trial trial = NextTrial(p, trials);
    trial.status = TrialStatus::kSucceeded;
    trial.objective = kValues.at(static_cast<size_t>(LabelOf(p.labels, kAshaConfigLabel)));
    trials.push_back(std::move(trial));
  }
  EXPECT_EQ(promotions, 6);  // the hand-computed sequence above
}

TEST(AshaTest, BudgetsFollowTheRungs) {
  AshaSearch asha = Create(AshaExperiment(Settings("9")));
  std::vector<Trial> trials;
  for (int i = 0; i < 3; ++i) {
    Proposal p = asha.Suggest(trials, 1).proposals.at(0);
    EXPECT_EQ(FindValue(p.assignment, "epochs"), "1");
    Trial& t = trials.emplace_back();
    t.name = "t" + std::to_string(i);
    t.assignment = p.assignment;
    t.labels = p.labels;
    t.status = TrialStatus::kSucceeded;
    t.objective = kValues[static_cast<size_t>(i)];
  }
  Proposal promoted = asha.Suggest(trials, 1).proposals.at(0);
  EXPECT_EQ(FindValue(promoted.assignment, "epochs"), "3");
  EXPECT_EQ(FindValue(promoted.assignment, "lr"), FindValue(trials[1].assignment, "lr"));
}

TEST(AshaTest, FailedTrialsCountInTheRungButAreNeverPromoted) {
  // c1 (the best value) fails: rung 0 holds 5, failed, 8 -> its top third is c0.
  std::vector<Step> sequence = RunSequentially(AshaExperiment(Settings("9")), kValues, 4, {1});
  EXPECT_THAT(sequence, ElementsAre(Step{0, 0}, Step{0, 1}, Step{0, 2}, Step{1, 0}));
  // Everything fails: ASHA keeps starting new configurations.
  std::vector<Step> all_failed =
      RunSequentially(AshaExperiment(Settings("9")), kValues, 6, {0, 1, 2, 3, 4, 5});
  for (size_t i = 0; i < all_failed.size(); ++i)
    EXPECT_EQ(all_failed[i], (Step{0, static_cast<int64_t>(i)}));
}

TEST(AshaTest, MaximisedObjectivesPromoteTheLargest) {
  Experiment experiment = AshaExperiment(Settings("9"), "maximize");
  std::vector<Step> sequence = RunSequentially(experiment, kValues, 4);
  EXPECT_EQ(sequence.back(), (Step{1, 2})) << "c2 has the largest value, 8";
}

TEST(AshaTest, ABatchNeverProposesTheSamePromotionTwice) {
  AshaSearch asha = Create(AshaExperiment(Settings("9")));
  SuggestReply first = asha.Suggest({}, 9);
  ASSERT_EQ(first.proposals.size(), 9u);
  std::vector<Trial> trials;
  for (size_t i = 0; i < first.proposals.size(); ++i) {
    EXPECT_EQ(LabelOf(first.proposals[i].labels, kAshaConfigLabel), static_cast<int64_t>(i));
    Trial& t = trials.emplace_back();
    t.name = "t" + std::to_string(i);
    t.assignment = first.proposals[i].assignment;
    t.labels = first.proposals[i].labels;
    t.status = TrialStatus::kSucceeded;
    t.objective = kValues[i];
  }
  // Nine ended in rung 0: its top three (c3, c5, c1) go to rung 1, then new configurations.
  SuggestReply next = asha.Suggest(trials, 5);
  std::vector<Step> steps;
  for (const auto& p : next.proposals)
    steps.push_back({LabelOf(p.labels, kAshaRungLabel), LabelOf(p.labels, kAshaConfigLabel)});
  EXPECT_THAT(steps, ElementsAre(Step{1, 3}, Step{1, 5}, Step{1, 1}, Step{0, 9}, Step{0, 10}));
  // Running trials are members of their rung: asked again, the same promotions are not repeated.
  for (size_t i = 0; i < 3; ++i) {
    Trial& t = trials.emplace_back();
    t.name = "p" + std::to_string(i);
    t.assignment = next.proposals[i].assignment;
    t.labels = next.proposals[i].labels;
    t.status = TrialStatus::kRunning;
  }
  SuggestReply again = asha.Suggest(trials, 1);
  EXPECT_EQ(LabelOf(again.proposals.at(0).labels, kAshaRungLabel), 0);
}

TEST(AshaTest, BracketsTakeNewConfigurationsInTurn) {
  AshaSearch asha = Create(AshaExperiment(Settings("9", "3")));
  SuggestReply reply = asha.Suggest({}, 6);
  std::vector<std::string> epochs;
  for (const auto& p : reply.proposals) {
    EXPECT_EQ(LabelOf(p.labels, kAshaBracketLabel), LabelOf(p.labels, kAshaConfigLabel) % 3);
    epochs.push_back(FindValue(p.assignment, "epochs").value());
  }
  // Bracket s starts at min_resource * 3^s: 1, 3, 9.
  EXPECT_THAT(epochs, ElementsAre("1", "3", "9", "1", "3", "9"));
}

TEST(AshaTest, SameSeedSameConfigurations) {
  auto a = Create(AshaExperiment(Settings("27"))).Suggest({}, 5);
  auto b = Create(AshaExperiment(Settings("27"))).Suggest({}, 5);
  for (size_t i = 0; i < 5; ++i)
    EXPECT_EQ(a.proposals[i].assignment, b.proposals[i].assignment);
  EXPECT_NE(a.proposals[0].assignment, a.proposals[1].assignment);
}

FieldErrors ErrorsOf(std::vector<NamedSetting> settings, bool max_trial_count = true) {
  Experiment experiment = AshaExperiment(std::move(settings));
  if (!max_trial_count) experiment.spec.max_trial_count.reset();
  return AshaSearch::ValidateSettings(experiment);
}

TEST(AshaTest, SettingsErrorsNameTheSetting) {
  EXPECT_TRUE(ErrorsOf(Settings("27", "4")).empty());
  auto errors = ErrorsOf({{"max_resource", "9"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].ToString(), HasSubstr("resource_name must be set"));
  errors = ErrorsOf({{"resource_name", "opt"}, {"max_resource", "9"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].ToString(), HasSubstr("resource_name"));
  EXPECT_THAT(errors[0].ToString(), HasSubstr("epochs"));
  errors = ErrorsOf({{"resource_name", "epochs"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].ToString(), HasSubstr("max_resource must be set"));
  errors = ErrorsOf({{"resource_name", "epochs"}, {"min_resource", "10"}, {"max_resource", "9"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].ToString(), HasSubstr("max_resource (9) must be at least min_resource"));
  errors = ErrorsOf(Settings("27", "5"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].ToString(), HasSubstr("allow at most 4"));
  errors = ErrorsOf({{"resource_name", "epochs"}, {"max_resource", "9"}, {"eta", "1"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.algorithm.algorithmSettings[2].value");
  errors = ErrorsOf({{"resource_name", "epochs"}, {"max_resource", "9"}, {"r_l", "9"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].ToString(), HasSubstr("r_l"));
  errors = ErrorsOf(Settings("9"), false);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.maxTrialCount");
  EXPECT_THROW(Create(AshaExperiment({{"resource_name", "epochs"}})), Error);
}

TEST(AshaTest, BudgetsOutsideTheResourceRangeAreValidButWarned) {
  EXPECT_TRUE(AshaSearch::Warnings(AshaExperiment(Settings("81"))).empty());
  Experiment beyond =
      AshaExperiment({{"resource_name", "epochs"}, {"min_resource", "0.5"}, {"max_resource", "9"}});
  EXPECT_TRUE(AshaSearch::ValidateSettings(beyond).empty());
  FieldErrors warnings = AshaSearch::Warnings(beyond);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0].message,
              HasSubstr("min_resource 0.5 and max_resource 9 give epochs budgets from 0.5 to 9, "
                        "outside its feasibleSpace [1, 81]"));
}

}  // namespace
}  // namespace tuneup
