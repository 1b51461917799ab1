// `hyperband` (suggestion/hyperband.h): brackets proposed from the schedule, promotions are the
// top ⌊n/η⌋ of a finished rung, failed trials never hold a rung up, the same trials at any
// parallelism, a fresh instance continues from the history, and the settings' errors.
#include "suggestion/hyperband.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/text.h"
#include "tests/support/parameter_specs.h"
#include "tests/support/printers.h"

namespace tuneup {
namespace {

using testing::ListSpec;
using testing::RangeSpec;

Experiment HyperbandExperiment(std::vector<NamedSetting> settings,
                               const std::string& direction = "minimize") {
  return testing::SearchExperiment(
      "hyperband",
      {RangeSpec("lr", "double", "0.001", "1", "", "logUniform"),
       RangeSpec("epochs", "int", "1", "81"), ListSpec("opt", "categorical", {"sgd", "adam"})},
      std::move(settings), direction);
}

std::vector<NamedSetting> Settings(const std::string& r_l = "9", const std::string& eta = "3") {
  return {{"resource_name", "epochs"}, {"r_l", r_l}, {"eta", eta}, {"random_state", "5"}};
}

HyperbandSearch Create(const Experiment& experiment) {
  return HyperbandSearch(experiment, SearchSpace::FromSpecOrThrow(experiment.spec));
}

std::string Label(const Proposal& p, const char* key) {
  return p.labels.at(key);
}
int Rung(const Trial& t) {
  return std::stoi(t.labels.at(kHyperbandRungLabel));
}
int Bracket(const Trial& t) {
  return std::stoi(t.labels.at(kHyperbandBracketLabel));
}

double Number(const Assignment& a, const std::string& name) {
  return ParseDouble(FindValue(a, name).value()).value();
}

// A loss that falls with the budget and depends on the configuration.
double Loss(const Assignment& a) {
  double lr = std::log10(Number(a, "lr")) + 2;
  return lr * lr + (FindValue(a, "opt") == "adam" ? 0 : 0.3) + 1 / Number(a, "epochs");
}

Trial FromProposal(const Proposal& p, int64_t sequence) {
  Trial trial;
  trial.sequence = sequence;
  trial.name = "hb-" + std::to_string(sequence);
  trial.assignment = p.assignment;
  trial.labels = p.labels;
  trial.status = TrialStatus::kRunning;
  return trial;
}

void Finish(Trial& trial) {
  trial.status = TrialStatus::kSucceeded;
  trial.objective = Loss(trial.assignment);
}

TEST(HyperbandTest, TheFirstAskProposesTheFirstRungOfEveryBracket) {
  HyperbandSearch hb = Create(HyperbandExperiment(Settings("9", "3")));
  SuggestReply reply = hb.Suggest({}, 100);
  // (9, 3): rung 0 of the brackets: 9 at budget 1, 5 at 3, 3 at 9.
  ASSERT_EQ(reply.proposals.size(), 17u);
  EXPECT_FALSE(reply.exhausted);
  std::map<std::string, int> per_bracket;
  for (const auto& p : reply.proposals) {
    EXPECT_EQ(Label(p, kHyperbandRungLabel), "0");
    const std::string s = Label(p, kHyperbandBracketLabel);
    ++per_bracket[s];
    const std::string expected_epochs = s == "2" ? "1" : s == "1" ? "3" : "9";
    EXPECT_EQ(FindValue(p.assignment, "epochs"), expected_epochs);
  }
  EXPECT_EQ(per_bracket, (std::map<std::string, int>{{"2", 9}, {"1", 5}, {"0", 3}}));
  // Asking for fewer gives the first of them, in bracket order.
  SuggestReply few = Create(HyperbandExperiment(Settings("9", "3"))).Suggest({}, 4);
  ASSERT_EQ(few.proposals.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(few.proposals[i].assignment, reply.proposals[i].assignment);
}

TEST(HyperbandTest, ARungIsPromotedOnlyWhenFinishedAndOnlyItsTopThird) {
  HyperbandSearch hb = Create(HyperbandExperiment(Settings("9", "3")));
  std::vector<Trial> trials;
  for (const auto& p : hb.Suggest({}, 9).proposals)
    trials.push_back(FromProposal(p, static_cast<int64_t>(trials.size())));
  // Bracket 2's rung 0, eight of nine finished: no promotion yet (only other brackets' rung 0).
  for (size_t i = 0; i < 8; ++i)
    Finish(trials[i]);
  for (const auto& p : hb.Suggest(trials, 100).proposals)
    EXPECT_EQ(Label(p, kHyperbandRungLabel), "0");
  Finish(trials[8]);
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& t : trials)
    ranked.push_back({*t.objective, t.labels.at(kHyperbandConfigLabel)});
  std::sort(ranked.begin(), ranked.end());
  std::set<std::string> best3 = {ranked[0].second, ranked[1].second, ranked[2].second};
  std::set<std::string> promoted;
  for (const auto& p : hb.Suggest(trials, 100).proposals) {
    if (Label(p, kHyperbandBracketLabel) != "2" || Label(p, kHyperbandRungLabel) != "1") continue;
    promoted.insert(Label(p, kHyperbandConfigLabel));
    EXPECT_EQ(FindValue(p.assignment, "epochs"), "3");
    const Trial& parent = *std::find_if(trials.begin(), trials.end(), [&](const Trial& t) {
      return t.labels.at(kHyperbandConfigLabel) == Label(p, kHyperbandConfigLabel);
    });
    EXPECT_EQ(FindValue(p.assignment, "lr"), FindValue(parent.assignment, "lr"));
    EXPECT_EQ(FindValue(p.assignment, "opt"), FindValue(parent.assignment, "opt"));
  }
  EXPECT_EQ(promoted, best3);
}

TEST(HyperbandTest, MaximisedObjectivesPromoteTheHighest) {
  HyperbandSearch hb = Create(HyperbandExperiment(Settings("9", "3"), "maximize"));
  std::vector<Trial> trials;
  for (const auto& p : hb.Suggest({}, 9).proposals) {
    trials.push_back(FromProposal(p, static_cast<int64_t>(trials.size())));
    trials.back().status = TrialStatus::kSucceeded;
    trials.back().objective = static_cast<double>(trials.size());  // configs 6, 7, 8 are best
  }
  std::set<std::string> promoted;
  for (const auto& p : hb.Suggest(trials, 100).proposals) {
    if (Label(p, kHyperbandRungLabel) == "1") promoted.insert(Label(p, kHyperbandConfigLabel));
  }
  EXPECT_EQ(promoted, (std::set<std::string>{"6", "7", "8"}));
}

TEST(HyperbandTest, FailedTrialsNeverHoldARungUpNorArePromoted) {
  HyperbandSearch hb = Create(HyperbandExperiment(Settings("9", "3")));
  std::vector<Trial> trials;
  for (const auto& p : hb.Suggest({}, 9).proposals)
    trials.push_back(FromProposal(p, static_cast<int64_t>(trials.size())));
  // Seven fail; configs 2 and 5 succeed: only they go on (fewer than ⌊9/3⌋).
  for (size_t i = 0; i < trials.size(); ++i) {
    if (i == 2 || i == 5) {
      Finish(trials[i]);
    } else {
      trials[i].status = i % 2 ? TrialStatus::kFailed : TrialStatus::kMetricsUnavailable;
    }
  }
  std::set<std::string> promoted;
  for (const auto& p : hb.Suggest(trials, 100).proposals) {
    if (Label(p, kHyperbandRungLabel) == "1") promoted.insert(Label(p, kHyperbandConfigLabel));
  }
  EXPECT_EQ(promoted, (std::set<std::string>{"2", "5"}));
}

// Runs the whole experiment with at most `parallel` trials at a time, finishing the oldest
// running trial first; returns every trial made.
std::vector<Trial> RunAll(int parallel, const std::string& r_l, const std::string& eta,
                          const std::string& sampler = "random", const std::string& passes = "1") {
  std::vector<NamedSetting> settings = Settings(r_l, eta);
  settings.push_back({"sampler", sampler});
  settings.push_back({"passes", passes});
  HyperbandSearch hb = Create(HyperbandExperiment(settings));
  std::vector<Trial> trials;
  std::deque<size_t> running;
  for (int step = 0; step < 10000; ++step) {
    const int free = parallel - static_cast<int>(running.size());
    SuggestReply reply = hb.Suggest(trials, free);
    for (const auto& p : reply.proposals) {
      running.push_back(trials.size());
      trials.push_back(FromProposal(p, static_cast<int64_t>(trials.size())));
    }
    if (running.empty()) {
      EXPECT_TRUE(reply.exhausted) << "nothing running and nothing proposed, yet not exhausted";
      return trials;
    }
    Finish(trials[running.front()]);
    running.pop_front();
  }
  ADD_FAILURE() << "the run did not end";
  return trials;
}

std::set<std::string> TrialSet(const std::vector<Trial>& trials) {
  std::set<std::string> set;
  for (const auto& t : trials) {
    set.insert(t.labels.at(kHyperbandBracketLabel) + "/" + t.labels.at(kHyperbandRungLabel) + "/" +
               t.labels.at(kHyperbandConfigLabel) + " " + AssignmentKey(t.assignment) + " pass " +
               t.labels.at(kHyperbandPassLabel));
  }
  return set;
}

TEST(HyperbandTest, TheSameTrialsAtParallelismOneTwoAndEight) {
  for (const auto& [r_l, eta] : std::vector<std::pair<std::string, std::string>>{
           {"9", "3"}, {"27", "3"}, {"16", "2"}, {"81", "3"}}) {
    auto one = RunAll(1, r_l, eta), two = RunAll(2, r_l, eta), eight = RunAll(8, r_l, eta);
    EXPECT_EQ(TrialSet(one), TrialSet(two)) << r_l << "/" << eta;
    EXPECT_EQ(TrialSet(one), TrialSet(eight)) << r_l << "/" << eta;
    // Every rung of every bracket ran, with its table's sizes.
    std::map<std::pair<int, int>, int64_t> sizes;
    for (const auto& t : one)
      ++sizes[{Bracket(t), Rung(t)}];
    for (const auto& bracket : HyperbandSchedule(std::stod(r_l), std::stoi(eta))) {
      for (size_t i = 0; i < bracket.rungs.size(); ++i) {
        EXPECT_EQ((sizes[{bracket.s, static_cast<int>(i)}]), bracket.rungs[i].configurations)
            << r_l << "/" << eta << " bracket " << bracket.s << " rung " << i;
      }
    }
  }
}

TEST(HyperbandTest, ModelGuidedBracketsWaitForTheEarlierOnesAndDoNotDependOnParallelism) {
  std::vector<NamedSetting> settings = Settings("27", "3");
  settings.push_back({"sampler", "bayesianoptimization"});
  // Only the first bracket can start: the others wait for its results.
  SuggestReply first = Create(HyperbandExperiment(settings)).Suggest({}, 100);
  ASSERT_EQ(first.proposals.size(), 27u);
  for (const auto& p : first.proposals)
    EXPECT_EQ(Label(p, kHyperbandBracketLabel), "3");

  auto one = RunAll(1, "27", "3", "bayesianoptimization");
  auto eight = RunAll(8, "27", "3", "bayesianoptimization");
  EXPECT_EQ(TrialSet(one), TrialSet(eight));
  // The same table, and the first bracket as with random sampling; later brackets' new
  // configurations come from the model, so they differ from the random ones.
  auto random = RunAll(1, "27", "3");
  std::map<std::string, int> per_bracket;
  std::set<std::string> random_set = TrialSet(random);
  int differ = 0;
  for (const auto& entry : TrialSet(one)) {
    ++per_bracket[entry.substr(0, 1)];
    if (entry[0] == '3') {
      EXPECT_TRUE(random_set.count(entry)) << entry;
    } else if (entry.substr(1, 3) == "/0/") {
      differ += random_set.count(entry) ? 0 : 1;
    }
  }
  // (27, 3): 27 + 9 + 3 + 1, 12 + 4 + 1, 6 + 2 and 4 trials.
  EXPECT_EQ(per_bracket, (std::map<std::string, int>{{"0", 4}, {"1", 8}, {"2", 17}, {"3", 40}}));
  EXPECT_EQ(differ, 12 + 6 + 4) << "every new configuration after the first bracket is guided";
}

TEST(HyperbandTest, APromotionResumesFromItsConfigurationsTrialInTheRungBelow) {
  std::vector<Trial> trials = RunAll(2, "27", "3");
  std::map<std::string, const Trial*> by_name;
  for (const auto& t : trials)
    by_name[t.name] = &t;
  int promotions = 0;
  for (const auto& t : trials) {
    auto parent = t.labels.find(kResumeFromLabel);
    if (Rung(t) == 0) {
      EXPECT_EQ(parent, t.labels.end()) << t.name;
      continue;
    }
    ++promotions;
    ASSERT_NE(parent, t.labels.end()) << t.name;
    const Trial& earlier = *by_name.at(parent->second);
    EXPECT_EQ(Rung(earlier), Rung(t) - 1);
    EXPECT_EQ(Bracket(earlier), Bracket(t));
    EXPECT_EQ(earlier.labels.at(kHyperbandConfigLabel), t.labels.at(kHyperbandConfigLabel));
    EXPECT_LT(earlier.sequence, t.sequence);
  }
  EXPECT_EQ(promotions, 9 + 3 + 1 + 4 + 1 + 2);  // the (27, 3) table's rungs above the first
}

TEST(HyperbandTest, PassesRepeatTheTableWithFreshConfigurations) {
  auto one = RunAll(1, "27", "3", "random", "2");
  auto eight = RunAll(8, "27", "3", "random", "2");
  EXPECT_EQ(TrialSet(one), TrialSet(eight));
  ASSERT_EQ(one.size(), 2u * 69);                               // then exhausted (RunAll checks)
  std::map<std::string, std::set<std::string>> configurations;  // pass -> rung-0 assignments
  for (const auto& t : one) {
    if (Rung(t) == 0)
      configurations[t.labels.at(kHyperbandPassLabel)].insert(AssignmentKey(t.assignment));
  }
  ASSERT_EQ(configurations.size(), 2u);
  EXPECT_EQ(configurations["0"].size(), 27u + 12 + 6 + 4);
  EXPECT_EQ(configurations["1"].size(), 27u + 12 + 6 + 4);
  for (const auto& key : configurations["1"])
    EXPECT_FALSE(configurations["0"].count(key)) << "pass 1 repeats a configuration of pass 0";
  // Pass 0 is the one-pass run.
  std::set<std::string> first_pass;
  for (const auto& entry : TrialSet(one)) {
    if (entry.ends_with(" pass 0")) first_pass.insert(entry);
  }
  EXPECT_EQ(first_pass, TrialSet(RunAll(1, "27", "3")));
}

TEST(HyperbandTest, ModelGuidedPassesLearnFromEveryEarlierPass) {
  auto guided = RunAll(1, "9", "3", "bayesianoptimization", "2");
  auto random = RunAll(1, "9", "3", "random", "2");
  ASSERT_EQ(guided.size(), random.size());
  std::set<std::string> random_set = TrialSet(random);
  int first_bracket_guided = 0;
  for (const auto& entry : TrialSet(guided)) {
    // Pass 1's first bracket (s = 2 for r_l 9) draws from the model on pass 0.
    if (entry.starts_with("2/0/") && entry.ends_with(" pass 1"))
      first_bracket_guided += random_set.count(entry) ? 0 : 1;
  }
  EXPECT_EQ(first_bracket_guided, 9);
}

TEST(HyperbandTest, PassesZeroGoesOnUntilTheExperimentEndsIt) {
  std::vector<NamedSetting> settings = Settings("9", "3");
  settings.push_back({"passes", "0"});
  Experiment experiment = HyperbandExperiment(settings);
  FieldErrors errors = HyperbandSearch::ValidateSettings(experiment);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.maxTrialCount");
  EXPECT_NE(errors[0].message.find("passes 0 repeats its brackets"), std::string::npos);

  experiment.spec.max_trial_count = 1000;
  HyperbandSearch hb = Create(experiment);
  std::vector<Trial> trials;
  for (int step = 0; step < 200; ++step) {
    SuggestReply reply = hb.Suggest(trials, 1);
    ASSERT_EQ(reply.proposals.size(), 1u) << "step " << step;
    EXPECT_FALSE(reply.exhausted);
    trials.push_back(FromProposal(reply.proposals[0], step));
    Finish(trials.back());
  }
  // (9, 3): 9 + 3 + 1, 5 + 1 and 3 trials a pass: 200 trials reach pass 200 / 22.
  EXPECT_EQ(trials.back().labels.at(kHyperbandPassLabel), std::to_string(199 / 22));
}

TEST(HyperbandTest, AFreshInstanceContinuesTheBracketsFromTheHistory) {
  // What a controller restarted mid-bracket sees: the same next proposals, nothing repeated.
  Experiment experiment = HyperbandExperiment(Settings("27", "3"));
  HyperbandSearch first = Create(experiment);
  std::vector<Trial> trials;
  for (const auto& p : first.Suggest({}, 30).proposals)
    trials.push_back(FromProposal(p, static_cast<int64_t>(trials.size())));
  for (size_t i = 0; i < 27; ++i)
    Finish(trials[i]);  // bracket 3's rung 0
  SuggestReply before = first.Suggest(trials, 50);
  SuggestReply after = Create(experiment).Suggest(trials, 50);
  ASSERT_EQ(before.proposals.size(), after.proposals.size());
  for (size_t i = 0; i < before.proposals.size(); ++i) {
    EXPECT_EQ(before.proposals[i].assignment, after.proposals[i].assignment);
    EXPECT_EQ(before.proposals[i].labels, after.proposals[i].labels);
  }
  std::set<std::string> existing;
  for (const auto& t : trials)
    existing.insert(t.labels.at(kHyperbandBracketLabel) + "/" + t.labels.at(kHyperbandRungLabel) +
                    "/" + t.labels.at(kHyperbandConfigLabel));
  for (const auto& p : after.proposals) {
    EXPECT_FALSE(existing.count(Label(p, kHyperbandBracketLabel) + "/" +
                                Label(p, kHyperbandRungLabel) + "/" +
                                Label(p, kHyperbandConfigLabel)));
  }
}

TEST(HyperbandTest, SettingsErrorsNameTheSetting) {
  auto errors_of = [](std::vector<NamedSetting> settings) {
    FieldErrors errors =
        HyperbandSearch::ValidateSettings(HyperbandExperiment(std::move(settings)));
    std::string all;
    for (const auto& e : errors)
      all += e.ToString() + "\n";
    return all;
  };
  EXPECT_EQ(errors_of(Settings()), "");
  EXPECT_NE(errors_of({{"r_l", "9"}}).find("resource_name must be set"), std::string::npos);
  EXPECT_NE(errors_of({{"resource_name", "epochs"}}).find("r_l must be set"), std::string::npos);
  EXPECT_NE(errors_of({{"resource_name", "opt"}, {"r_l", "9"}})
                .find("resource_name must be one of lr, epochs"),
            std::string::npos);
  EXPECT_NE(
      errors_of({{"resource_name", "nope"}, {"r_l", "9"}}).find("resource_name must be one of"),
      std::string::npos);
  EXPECT_NE(errors_of(Settings("9", "1")).find("eta must be an integer"), std::string::npos);
  EXPECT_NE(errors_of(Settings("0.5")).find("r_l must be a number"), std::string::npos);
  // As in Katib, the resource parameter's own range is not consulted: it receives the budgets.
  EXPECT_EQ(errors_of(Settings("243")), "");
  EXPECT_NE(errors_of({{"resource_name", "epochs"}, {"r_l", "9"}, {"sampler", "tpe"}})
                .find("sampler must be one of random, bayesianoptimization"),
            std::string::npos);
  EXPECT_NE(errors_of({{"resource_name", "epochs"}, {"r_l", "9"}, {"passes", "-1"}})
                .find("passes must be an integer"),
            std::string::npos);
  EXPECT_NE(errors_of({{"resource_name", "epochs"}, {"r_l", "9"}, {"min_resource", "1"}})
                .find("unknown setting \"min_resource\""),
            std::string::npos);
}

TEST(HyperbandTest, BudgetsOutsideTheResourceRangeAreValidButWarned) {
  // epochs is 1..81: r_l 81 (budgets 1..81) fits; r_l 243 (budgets 1..243) does not, and Katib's
  // own example does the same (r_l 2 for a [1, 1] range), so it is a warning, not an error.
  EXPECT_TRUE(HyperbandSearch::Warnings(HyperbandExperiment(Settings("81", "3"))).empty());
  Experiment beyond = HyperbandExperiment(Settings("243", "3"));
  EXPECT_TRUE(HyperbandSearch::ValidateSettings(beyond).empty());
  FieldErrors warnings = HyperbandSearch::Warnings(beyond);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].path, "spec.algorithm.algorithmSettings");
  EXPECT_NE(warnings[0].message.find("r_l 243 and eta 3 give epochs budgets from 1 to 243, "
                                     "outside its feasibleSpace [1, 81]"),
            std::string::npos)
      << warnings[0].message;
}

}  // namespace
}  // namespace tuneup
