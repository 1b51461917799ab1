// `bayesianoptimization` (suggestion/bayesian_optimization.h): Katib's settings and their errors,
// reproducibility, the initial design, what enters the model, no repeated assignment, batches and
// pending trials, and that it actually optimises.
#include "suggestion/bayesian_optimization.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/cross_validation.h"
#include "api/experiment.h"
#include "api/search_space.h"
#include "common/error.h"
#include "common/text.h"
#include "suggestion/registry.h"
#include "suggestion/space_transform.h"
#include "tests/support/parameter_specs.h"
#include "tests/support/printers.h"

namespace tuneup {
namespace {

using testing::ListSpec;
using testing::RangeSpec;

using Objective = std::function<double(const Assignment&)>;

Experiment BoExperiment(std::vector<ParameterSpec> parameters,
                        std::vector<NamedSetting> settings = {{"random_state", "7"}},
                        const std::string& direction = "minimize") {
  return testing::SearchExperiment("bayesianoptimization", std::move(parameters),
                                   std::move(settings), direction);
}

std::vector<ParameterSpec> UnitSquare() {
  return {RangeSpec("x", "double", "0", "1"), RangeSpec("y", "double", "0", "1")};
}

double Number(const Assignment& assignment, const std::string& name) {
  return ParseDouble(FindValue(assignment, name).value()).value();
}

// A smooth bowl with its minimum 0 at (0.3, 0.7).
double Bowl(const Assignment& a) {
  return std::pow(Number(a, "x") - 0.3, 2) + std::pow(Number(a, "y") - 0.7, 2);
}

double Branin(const Assignment& a) {
  const double x1 = Number(a, "x1"), x2 = Number(a, "x2");
  const double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

Trial MakeTrial(int64_t sequence, Assignment assignment, TrialStatus status,
                std::optional<double> objective) {
  Trial trial;
  trial.sequence = sequence;
  trial.name = "t" + std::to_string(sequence);
  trial.assignment = std::move(assignment);
  trial.status = status;
  trial.objective = objective;
  return trial;
}

// Runs `budget` sequential trials, one suggestion at a time, recording every assignment.
std::vector<Trial> RunSequentially(Algorithm& algorithm, const Objective& objective, int budget) {
  std::vector<Trial> trials;
  for (int i = 0; i < budget; ++i) {
    SuggestReply reply = algorithm.Suggest(trials, 1);
    if (reply.proposals.empty()) break;
    Assignment assignment = reply.proposals.front().assignment;
    double value = objective(assignment);
    trials.push_back(MakeTrial(i, std::move(assignment), TrialStatus::kSucceeded, value));
  }
  return trials;
}

std::unique_ptr<Algorithm> Create(const Experiment& experiment) {
  return AlgorithmRegistry::Default().Create(experiment);
}

double Best(const std::vector<Trial>& trials) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& trial : trials) {
    if (trial.objective) best = std::min(best, *trial.objective);
  }
  return best;
}

double Distance(const Assignment& a, const Assignment& b) {
  return std::hypot(Number(a, "x") - Number(b, "x"), Number(a, "y") - Number(b, "y"));
}

// ---------------------------------------------------------------------------------------------
// Settings

FieldErrors Validate(std::vector<NamedSetting> settings) {
  return AlgorithmRegistry::Default().ValidateSettings(
      BoExperiment(UnitSquare(), std::move(settings)));
}

TEST(BayesianOptimizationSettingsTest, KatibsSettingsAreAccepted) {
  EXPECT_TRUE(Validate({{"base_estimator", "GP"},
                        {"n_initial_points", "5"},
                        {"acq_func", "EI"},
                        {"acq_optimizer", "lbfgs"},
                        {"random_state", "10"}})
                  .empty());
  for (const char* acq : {"gp_hedge", "EI", "PI", "LCB"}) {
    EXPECT_TRUE(Validate({{"acq_func", acq}}).empty()) << acq;
  }
  for (const char* optimizer : {"auto", "sampling", "lbfgs"}) {
    EXPECT_TRUE(Validate({{"acq_optimizer", optimizer}}).empty()) << optimizer;
  }
  EXPECT_TRUE(Validate({{"xi", "0.1"}, {"kappa", "2.5"}, {"kernel", "rbf"}}).empty());
  EXPECT_TRUE(Validate({{"n_initial_points", "0"}}).empty());
}

TEST(BayesianOptimizationSettingsTest, EveryBadValueIsRejectedNamingTheSettingAndTheChoices) {
  struct Case {
    NamedSetting setting;
    std::string expected;  // part of the message
  };
  const std::vector<Case> cases = {
      {{"base_estimator", "SVM"}, "base_estimator must be one of GP, RF, ET, GBRT, got \"SVM\""},
      {{"base_estimator", "RF"}, "base_estimator RF is not supported"},
      {{"base_estimator", "ET"}, "base_estimator ET is not supported"},
      {{"base_estimator", "GBRT"}, "base_estimator GBRT is not supported"},
      {{"n_initial_points", "-1"}, "n_initial_points must be an integer"},
      {{"n_initial_points", "ten"}, "n_initial_points must be an integer"},
      {{"n_initial_points", "2.5"}, "n_initial_points must be an integer"},
      {{"acq_func", "UCB"}, "acq_func must be one of gp_hedge, EI, PI, LCB"},
      {{"acq_func", "EIps"}, "acq_func EIps is not supported"},
      {{"acq_func", "PIps"}, "acq_func PIps is not supported"},
      {{"acq_optimizer", "adam"}, "acq_optimizer must be one of auto, sampling, lbfgs"},
      {{"random_state", "-3"}, "random_state must be an integer"},
      {{"random_state", "seed"}, "random_state must be an integer"},
      {{"xi", "-0.1"}, "xi must be a number"},
      {{"xi", "nan"}, "xi must be a number"},
      {{"kappa", "big"}, "kappa must be a number"},
      {{"kernel", "linear"}, "kernel must be one of matern52, rbf"},
      {{"n_restarts", "3"}, "unknown setting \"n_restarts\" for algorithm bayesianoptimization"},
  };
  for (const auto& c : cases) {
    FieldErrors errors = Validate({c.setting});
    ASSERT_EQ(errors.size(), 1u) << c.setting.name << "=" << c.setting.value;
    EXPECT_NE(errors[0].ToString().find(c.expected), std::string::npos) << errors[0].ToString();
    EXPECT_NE(errors[0].path.find("spec.algorithm.algorithmSettings"), std::string::npos);
  }
}

TEST(BayesianOptimizationSettingsTest, CreateThrowsWithTheProblem) {
  try {
    Create(BoExperiment(UnitSquare(), {{"acq_func", "EIps"}}));
    FAIL() << "Create did not throw";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("acq_func EIps is not supported"), std::string::npos)
        << error.what();
  }
}

TEST(BayesianOptimizationSettingsTest, AllProblemsAreReportedAtOnce) {
  EXPECT_EQ(Validate({{"acq_func", "x"}, {"acq_optimizer", "y"}, {"kernel", "z"}}).size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// Reproducibility and the initial design

TEST(BayesianOptimizationTest, SeededRunsRepeatExactly) {
  for (const char* acq : {"gp_hedge", "EI", "LCB"}) {
    Experiment experiment = BoExperiment(
        UnitSquare(), {{"random_state", "3"}, {"acq_func", acq}, {"n_initial_points", "5"}});
    auto first = RunSequentially(*Create(experiment), Bowl, 25);
    auto second = RunSequentially(*Create(experiment), Bowl, 25);
    ASSERT_EQ(first.size(), 25u);
    ASSERT_EQ(second.size(), 25u);
    for (size_t i = 0; i < first.size(); ++i) {
      EXPECT_EQ(first[i].assignment, second[i].assignment) << acq << " trial " << i;
    }
  }
}

TEST(BayesianOptimizationTest, AFreshInstanceGivesTheSameSuggestionsFromTheSameHistory) {
  // What a restarted controller or a stateless gRPC request sees.
  Experiment experiment = BoExperiment(UnitSquare(), {{"random_state", "4"}});
  auto history = RunSequentially(*Create(experiment), Bowl, 20);
  auto a = Create(experiment)->Suggest(history, 3);
  auto b = Create(experiment)->Suggest(history, 3);
  ASSERT_EQ(a.proposals.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(a.proposals[i].assignment, b.proposals[i].assignment);
}

TEST(BayesianOptimizationTest, DifferentSeedsExploreDifferently) {
  auto a = RunSequentially(*Create(BoExperiment(UnitSquare(), {{"random_state", "1"}})), Bowl, 3);
  auto b = RunSequentially(*Create(BoExperiment(UnitSquare(), {{"random_state", "2"}})), Bowl, 3);
  EXPECT_NE(a[0].assignment, b[0].assignment);
}

TEST(BayesianOptimizationTest, TheInitialDesignIgnoresTheObjectiveAndTheModelDoesNot) {
  Experiment experiment =
      BoExperiment(UnitSquare(), {{"random_state", "5"}, {"n_initial_points", "6"}});
  auto bowl = RunSequentially(*Create(experiment), Bowl, 9);
  auto upside_down = RunSequentially(
      *Create(experiment), [](const Assignment& a) { return -Bowl(a); }, 9);
  for (size_t i = 0; i < 6; ++i)
    EXPECT_EQ(bowl[i].assignment, upside_down[i].assignment) << i;
  bool differs = false;
  for (size_t i = 6; i < 9; ++i)
    differs = differs || bowl[i].assignment != upside_down[i].assignment;
  EXPECT_TRUE(differs);
}

TEST(BayesianOptimizationTest, TheInitialDesignCoversTheSpace) {
  // A scrambled Sobol design: of the first 8 points each quarter of each axis gets exactly two.
  auto trials = RunSequentially(
      *Create(BoExperiment(UnitSquare(), {{"random_state", "8"}, {"n_initial_points", "8"}})), Bowl,
      8);
  for (const char* axis : {"x", "y"}) {
    std::vector<int> quarters(4, 0);
    for (const auto& trial : trials)
      ++quarters[static_cast<int>(Number(trial.assignment, axis) * 4)];
    EXPECT_EQ(quarters, (std::vector<int>{2, 2, 2, 2})) << axis;
  }
}

TEST(BayesianOptimizationTest, WithoutInitialPointsTheModelStartsAtTheSecondObservation) {
  auto trials = RunSequentially(
      *Create(BoExperiment(UnitSquare(), {{"random_state", "9"}, {"n_initial_points", "0"}})), Bowl,
      6);
  EXPECT_EQ(trials.size(), 6u);
}

// ---------------------------------------------------------------------------------------------
// What enters the model

TEST(BayesianOptimizationTest, OnlySucceededTrialsWithFiniteObjectivesAreModelled) {
  Experiment experiment =
      BoExperiment(UnitSquare(), {{"random_state", "2"}, {"n_initial_points", "3"}});
  auto algorithm = Create(experiment);
  auto* bo = dynamic_cast<BayesianOptimization*>(algorithm.get());
  ASSERT_NE(bo, nullptr);
  std::vector<Trial> trials = RunSequentially(*Create(experiment), Bowl, 8);
  int64_t next = 8;
  auto at = [](double x, double y) {
    return Assignment{{"x", FormatDouble(x)}, {"y", FormatDouble(y)}};
  };
  trials.push_back(MakeTrial(next++, at(0.11, 0.12), TrialStatus::kFailed, std::nullopt));
  trials.push_back(
      MakeTrial(next++, at(0.21, 0.22), TrialStatus::kMetricsUnavailable, std::nullopt));
  trials.push_back(MakeTrial(next++, at(0.31, 0.32), TrialStatus::kSucceeded, NAN));
  trials.push_back(MakeTrial(next++, at(0.41, 0.42), TrialStatus::kSucceeded, INFINITY));
  trials.push_back(MakeTrial(next++, at(0.51, 0.52), TrialStatus::kKilled, std::nullopt));
  trials.push_back(MakeTrial(next++, at(0.61, 0.62), TrialStatus::kRunning, std::nullopt));
  // Made by hand, outside the space: the model cannot place it, and it is no error.
  trials.push_back(MakeTrial(next++, at(1.5, 0.5), TrialStatus::kSucceeded, 0.1));
  trials.push_back(MakeTrial(next++, {{"x", "0.5"}}, TrialStatus::kSucceeded, 0.1));
  SuggestReply reply = bo->Suggest(trials, 2);
  ASSERT_EQ(reply.proposals.size(), 2u);
  ASSERT_NE(bo->model(), nullptr);
  EXPECT_EQ(bo->model()->size(), 8);  // the running trial's fantasy is gone again
}

TEST(BayesianOptimizationTest, ACrossValidatedTrialsFoldSpreadIsNoiseTheModelTrustsLess) {
  Experiment experiment =
      BoExperiment(UnitSquare(), {{"random_state", "5"}, {"n_initial_points", "3"}});
  const std::vector<Trial> history = RunSequentially(*Create(experiment), Bowl, 10);
  const size_t noisy = 6;
  // The same scores, as means over five folds: exact (every fold agrees) or spread out.
  auto with_folds = [&](double spread) {
    std::vector<Trial> trials = history;
    for (auto& trial : trials) {
      for (int f = 0; f < 5; ++f) {
        FoldResult fold;
        fold.index = f;
        fold.status = TrialStatus::kSucceeded;
        fold.objective = *trial.objective + (&trial == &trials[noisy] ? spread * (f - 2) : 0.0);
        trial.folds.push_back(fold);
      }
    }
    return trials;
  };
  auto posterior_at_noisy = [&](const std::vector<Trial>& trials, double& mean, double& variance) {
    auto algorithm = Create(experiment);
    auto* bo = dynamic_cast<BayesianOptimization*>(algorithm.get());
    ASSERT_NE(bo, nullptr);
    ASSERT_EQ(bo->Suggest(trials, 1).proposals.size(), 1u);
    ASSERT_NE(bo->model(), nullptr);
    ASSERT_EQ(bo->model()->size(), 10);
    Eigen::VectorXd means, variances;
    bo->model()->Predict(bo->model()->inputs().col(noisy), means, variances);
    mean = bo->model()->Unstandardise(means[0]);
    variance = variances[0];
  };
  double exact_mean = 0, exact_variance = 0, noisy_mean = 0, noisy_variance = 0;
  posterior_at_noisy(with_folds(0.0), exact_mean, exact_variance);
  posterior_at_noisy(with_folds(0.5), noisy_mean, noisy_variance);
  const double score = *history[noisy].objective;
  // Exact folds: the model goes through the score. Spread folds (sd 0.79, so the mean's
  // variance is 0.125): the model keeps its doubt there and leans on the neighbours.
  EXPECT_NEAR(exact_mean, score, 0.002);
  EXPECT_GT(noisy_variance, 4 * exact_variance);
  EXPECT_GT(std::abs(noisy_mean - score), std::abs(exact_mean - score));
}

TEST(BayesianOptimizationTest, MaximisedObjectivesAreNegatedForTheModel) {
  // Maximising -Bowl must find the same optimum as minimising Bowl.
  auto trials = RunSequentially(
      *Create(BoExperiment(UnitSquare(), {{"random_state", "6"}}, "maximize")),
      [](const Assignment& a) { return -Bowl(a); }, 25);
  double best = -std::numeric_limits<double>::infinity();
  for (const auto& trial : trials)
    best = std::max(best, *trial.objective);
  EXPECT_GT(best, -1e-3);
}

// ---------------------------------------------------------------------------------------------
// Never the same assignment twice

std::vector<ParameterSpec> SmallFiniteSpace() {
  return {RangeSpec("n", "int", "1", "5"), ListSpec("c", "categorical", {"a", "b"}),
          RangeSpec("s", "double", "0", "1", "0.5")};  // 5 * 2 * 3 = 30 points
}

double FiniteObjective(const Assignment& a) {
  return std::abs(Number(a, "n") - 4) + (FindValue(a, "c") == "b" ? 0.5 : 0) + Number(a, "s");
}

TEST(BayesianOptimizationTest, AFiniteSpaceIsWalkedWithoutRepeatsThenExhausted) {
  auto algorithm = Create(BoExperiment(SmallFiniteSpace(), {{"random_state", "1"}}));
  std::vector<Trial> trials;
  std::set<std::string> seen;
  bool exhausted = false;
  for (int i = 0; i < 40 && !exhausted; ++i) {
    SuggestReply reply = algorithm->Suggest(trials, 1);
    exhausted = reply.exhausted;
    for (const auto& proposal : reply.proposals) {
      EXPECT_TRUE(seen.insert(AssignmentKey(proposal.assignment)).second)
          << "repeated " << AssignmentKey(proposal.assignment);
      trials.push_back(MakeTrial(i, proposal.assignment, TrialStatus::kSucceeded,
                                 FiniteObjective(proposal.assignment)));
    }
  }
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_TRUE(exhausted);
  EXPECT_TRUE(algorithm->Suggest(trials, 3).proposals.empty());
}

TEST(BayesianOptimizationTest, ABatchLargerThanWhatIsLeftGetsTheRestAndIsExhausted) {
  auto algorithm = Create(BoExperiment(SmallFiniteSpace(), {{"random_state", "2"}}));
  auto history = RunSequentially(*algorithm, FiniteObjective, 24);
  SuggestReply reply = algorithm->Suggest(history, 10);
  EXPECT_EQ(reply.proposals.size(), 6u);
  EXPECT_TRUE(reply.exhausted);
  std::set<std::string> all;
  for (const auto& trial : history)
    all.insert(AssignmentKey(trial.assignment));
  for (const auto& proposal : reply.proposals)
    all.insert(AssignmentKey(proposal.assignment));
  EXPECT_EQ(all.size(), 30u);
}

TEST(BayesianOptimizationTest, FailedAssignmentsAreNeverProposedAgain) {
  auto algorithm = Create(BoExperiment(SmallFiniteSpace(), {{"random_state", "3"}}));
  std::vector<Trial> trials;
  std::set<std::string> failed;
  for (int i = 0; i < 30; ++i) {
    SuggestReply reply = algorithm->Suggest(trials, 1);
    ASSERT_EQ(reply.proposals.size(), 1u) << "trial " << i;
    const Assignment& assignment = reply.proposals.front().assignment;
    EXPECT_FALSE(failed.count(AssignmentKey(assignment)));
    if (i % 3 == 0) {  // every third trial fails
      failed.insert(AssignmentKey(assignment));
      trials.push_back(MakeTrial(i, assignment, TrialStatus::kFailed, std::nullopt));
    } else {
      trials.push_back(
          MakeTrial(i, assignment, TrialStatus::kSucceeded, FiniteObjective(assignment)));
    }
  }
  EXPECT_TRUE(algorithm->Suggest(trials, 1).exhausted);
}

TEST(BayesianOptimizationTest, AConstantObjectiveStillGivesNewFeasiblePoints) {
  auto trials = RunSequentially(
      *Create(BoExperiment(UnitSquare(), {{"random_state", "4"}})),
      [](const Assignment&) { return 1.0; }, 20);
  ASSERT_EQ(trials.size(), 20u);
  std::set<std::string> keys;
  for (const auto& trial : trials)
    keys.insert(AssignmentKey(trial.assignment));
  EXPECT_EQ(keys.size(), 20u);
}

// ---------------------------------------------------------------------------------------------
// Batches and pending trials

// The posterior standard deviation (in units of the observed outputs' spread) at `points`, in the
// model as it was before the batch.
std::vector<double> PosteriorSd(const BayesianOptimization& bo,
                                const std::vector<Assignment>& points,
                                const std::vector<std::string>& names) {
  Eigen::MatrixXd Z(static_cast<Eigen::Index>(names.size()),
                    static_cast<Eigen::Index>(points.size()));
  for (size_t j = 0; j < points.size(); ++j) {
    for (size_t i = 0; i < names.size(); ++i) {
      // Unit-cube coordinates of the test spaces below: x, y in [0, 1]; x1 in [-5, 10], x2 in [0,
      // 15].
      double value = Number(points[j], names[i]);
      if (names[i] == "x1") value = (value + 5) / 15;
      if (names[i] == "x2") value = value / 15;
      Z(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = value;
    }
  }
  Eigen::VectorXd mean, variance;
  bo.model()->Predict(Z, mean, variance);
  std::vector<double> sd;
  for (Eigen::Index j = 0; j < variance.size(); ++j)
    sd.push_back(std::sqrt(variance[j]));
  return sd;
}

// A 4-wide batch after `history` trials: no two points closer than 2% of the space's width unless
// the model is certain at both (posterior sd below 5% of the outputs' spread, where spreading out
// buys nothing).
void ExpectBatchSpreadsOut(const std::vector<ParameterSpec>& space, const Objective& objective,
                           int history_size) {
  std::vector<std::string> names;
  names.reserve(space.size());
  for (const auto& parameter : space)
    names.push_back(parameter.name);
  auto scaled = [&](const Assignment& a, const std::string& name) {
    double value = Number(a, name);
    return name == "x1" ? (value + 5) / 15 : name == "x2" ? value / 15 : value;
  };
  int close_pairs = 0;
  for (const char* acq : {"gp_hedge", "EI", "PI", "LCB"}) {
    for (int seed = 0; seed < 5; ++seed) {
      auto algorithm =
          Create(BoExperiment(space, {{"random_state", std::to_string(seed)}, {"acq_func", acq}}));
      auto history = RunSequentially(*algorithm, objective, history_size);
      SuggestReply reply = algorithm->Suggest(history, 4);
      ASSERT_EQ(reply.proposals.size(), 4u);
      std::vector<Assignment> batch;
      for (const auto& proposal : reply.proposals)
        batch.push_back(proposal.assignment);
      std::vector<double> sd =
          PosteriorSd(dynamic_cast<const BayesianOptimization&>(*algorithm), batch, names);
      for (size_t i = 0; i < batch.size(); ++i) {
        for (size_t j = i + 1; j < batch.size(); ++j) {
          double distance = std::hypot(scaled(batch[i], names[0]) - scaled(batch[j], names[0]),
                                       scaled(batch[i], names[1]) - scaled(batch[j], names[1]));
          if (distance >= 0.02) continue;
          ++close_pairs;
          EXPECT_LT(std::max(sd[i], sd[j]), 0.05)
              << acq << " seed " << seed << ": points " << i << " and " << j << " are " << distance
              << " apart where the model is unsure";
        }
      }
    }
  }
  ::testing::Test::RecordProperty("close_pairs", close_pairs);
}

TEST(BayesianOptimizationTest, AFourWideBatchSpreadsOutUnlessTheModelIsCertain) {
  ExpectBatchSpreadsOut(UnitSquare(), Bowl, 15);
  ExpectBatchSpreadsOut(
      {RangeSpec("x1", "double", "-5", "10"), RangeSpec("x2", "double", "0", "15")}, Branin, 15);
}

TEST(BayesianOptimizationTest, RunningTrialsAreFantasiesTheNextProposalsKeepAwayFrom) {
  Experiment experiment = BoExperiment(UnitSquare(), {{"random_state", "5"}, {"acq_func", "EI"}});
  auto algorithm = Create(experiment);
  auto trials = RunSequentially(*algorithm, Bowl, 15);
  // What the model wants most, three times: each proposal becomes a running trial.
  std::vector<Assignment> running;
  for (int i = 0; i < 3; ++i) {
    SuggestReply reply = algorithm->Suggest(trials, 1);
    ASSERT_EQ(reply.proposals.size(), 1u);
    for (const auto& other : running)
      EXPECT_GT(Distance(reply.proposals[0].assignment, other), 0.02);
    running.push_back(reply.proposals[0].assignment);
    trials.push_back(MakeTrial(static_cast<int64_t>(trials.size()), running.back(),
                               TrialStatus::kRunning, std::nullopt));
  }
}

TEST(BayesianOptimizationTest, ABatchEqualsTheSameNumberOfSingleAsksWithPendingTrials) {
  // A batch of 3, and three single asks each with the earlier proposals running, see the same
  // fantasies and so propose the same points.
  Experiment experiment = BoExperiment(UnitSquare(), {{"random_state", "6"}, {"acq_func", "EI"}});
  auto history = RunSequentially(*Create(experiment), Bowl, 12);
  auto batch = Create(experiment)->Suggest(history, 3);
  ASSERT_EQ(batch.proposals.size(), 3u);
  auto single = Create(experiment);
  for (size_t i = 0; i < 3; ++i) {
    SuggestReply reply = single->Suggest(history, 1);
    ASSERT_EQ(reply.proposals.size(), 1u);
    EXPECT_EQ(reply.proposals[0].assignment, batch.proposals[i].assignment) << i;
    history.push_back(MakeTrial(static_cast<int64_t>(history.size()), reply.proposals[0].assignment,
                                TrialStatus::kRunning, std::nullopt));
  }
}

// ---------------------------------------------------------------------------------------------
// It optimises

TEST(BayesianOptimizationTest, FindsBraninsMinimumInFortyTrials) {
  // Random search gets within 0.4 of the optimum in 50 trials on average (bench/README.md).
  for (int seed = 0; seed < 2; ++seed) {
    auto trials = RunSequentially(*Create(BoExperiment({RangeSpec("x1", "double", "-5", "10"),
                                                        RangeSpec("x2", "double", "0", "15")},
                                                       {{"random_state", std::to_string(seed)}})),
                                  Branin, 40);
    EXPECT_LT(Best(trials) - 0.397887, 0.05) << "seed " << seed;
  }
}

TEST(BayesianOptimizationTest, OptimisesMixedSpacesToo) {
  // A log-scaled double, an int with a step, a discrete and a categorical parameter.
  Experiment experiment = BoExperiment({RangeSpec("lr", "double", "1e-5", "1", "", "logUniform"),
                                        RangeSpec("units", "int", "8", "256", "8"),
                                        ListSpec("batch", "discrete", {"16", "32", "64", "128"}),
                                        ListSpec("opt", "categorical", {"sgd", "adam", "rmsprop"})},
                                       {{"random_state", "11"}});
  auto objective = [](const Assignment& a) {
    double lr = std::log10(Number(a, "lr")) + 3;  // best at 1e-3
    double units = (Number(a, "units") - 96) / 64;
    double batch = std::log2(Number(a, "batch")) - 5;  // best at 32
    return lr * lr + units * units + 0.3 * batch * batch + (FindValue(a, "opt") == "adam" ? 0 : 1);
  };
  auto trials = RunSequentially(*Create(experiment), objective, 40);
  // Random search's expected best of 40 is about 0.5 here; the optimum is 0.
  EXPECT_LT(Best(trials), 0.1);
}

TEST(BayesianOptimizationTest, EveryAcquisitionAndOptimizerSettingOptimises) {
  for (const char* acq : {"gp_hedge", "EI", "PI", "LCB"}) {
    for (const char* optimizer : {"sampling", "lbfgs"}) {
      for (const char* kernel : {"matern52", "rbf"}) {
        auto trials =
            RunSequentially(*Create(BoExperiment(UnitSquare(), {{"random_state", "1"},
                                                                {"acq_func", acq},
                                                                {"acq_optimizer", optimizer},
                                                                {"kernel", kernel}})),
                            Bowl, 20);
        EXPECT_LT(Best(trials), 0.01) << acq << " " << optimizer << " " << kernel;
      }
    }
  }
}

}  // namespace
}  // namespace tuneup
