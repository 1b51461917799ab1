// `bayesianoptimization`: a Gaussian process model of the objective and an acquisition function
// that trades exploring the unknown against exploiting what looks good.
//
// Katib runs scikit-optimize for this algorithm; tuneup accepts the same settings with the same
// meaning and defaults:
//   base_estimator   GP (RF, ET and GBRT are refused: tuneup has only the GP)
//   n_initial_points trials drawn from a scrambled Sobol design before the model is used (10)
//   acq_func         gp_hedge (a portfolio of EI, PI and LCB), EI, PI or LCB (EIps / PIps need
//                    the trials' durations as a second objective and are refused)
//   acq_optimizer    auto (L-BFGS polishing when every parameter is a continuous double,
//                    candidate sampling otherwise), sampling, lbfgs
//   random_state     a seed: the same history gives the same suggestions, bit for bit
// and three more: xi and kappa (scikit-optimize's acq_func_kwargs, defaults 0.01 and 1.96; xi in
// the objective's own units, as there) and kernel (matern52, the default, or rbf).
//
// The objective is modelled in the unit cube (suggestion/space_transform.h); failed trials are left
// out of the model but never proposed again, and no proposal repeats an assignment already tried.
// Trials still running, and the earlier proposals of the same batch, enter the model as
// fantasies at the model's own prediction (kriging believer), so a batch spreads out instead of
// proposing one point N times.
//
// Cost: the model is kept between calls and grows by O(n²) per new observation; hyperparameters
// are refitted when new data arrive while n <= 50 and then each time n has grown by 10%, on a
// subset of at most 200 observations. gp_hedge's portfolio gains are kept in memory (as in
// scikit-optimize's Optimizer) and start again from zero when tuneup restarts.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "suggestion/acquisition.h"
#include "suggestion/algorithm.h"
#include "suggestion/gp/gaussian_process.h"
#include "suggestion/rng.h"
#include "suggestion/sobol_search.h"
#include "suggestion/space_transform.h"

namespace tuneup {

struct BayesianOptimizationSettings {
  enum class Optimizer { kAuto, kSampling, kLbfgs };

  int n_initial_points = 10;
  std::optional<AcquisitionKind> acquisition;  // nullopt: gp_hedge
  Optimizer acq_optimizer = Optimizer::kAuto;
  AcquisitionSettings acquisition_settings;
  gp::KernelKind kernel = gp::KernelKind::kMatern52;
  std::optional<uint64_t> random_state;

  // Reads spec.algorithm.algorithmSettings; every problem goes to `errors` naming the setting.
  static BayesianOptimizationSettings Read(const Experiment& experiment, FieldErrors& errors);
  // The same, throwing Error(kInvalidArgument) with the first problem.
  static BayesianOptimizationSettings ReadOrThrow(const Experiment& experiment);
};

class BayesianOptimization final : public Algorithm {
 public:
  static FieldErrors ValidateSettings(const Experiment& experiment);

  BayesianOptimization(const Experiment& experiment, const SearchSpace& space);
  ~BayesianOptimization() override;

  SuggestReply Suggest(std::span<const Trial> trials, int count) override;

  // For tests and benchmarks: the model after the last Suggest (nullptr before there is one).
  const gp::GaussianProcess* model() const { return model_.get(); }

 private:
  struct Observation {
    Eigen::VectorXd x;
    double y = 0;  // minimised: the objective, negated when maximising
    // Variance of y known from the trial itself (a cross-validation mean: sd² / folds), in the
    // objective's units squared; 0 when it is a single measurement.
    double known_noise = 0;
  };

  // What is derived from a trial's assignment, once per trial (an assignment never changes).
  struct KnownTrial {
    std::string key;                   // AssignmentKey
    std::optional<Eigen::VectorXd> x;  // the point; nullopt when outside the space
  };
  using KeySet = std::unordered_set<std::string_view>;

  const KnownTrial& Known(const Trial& trial);
  // The successful trials' observations, in trial order.
  std::vector<std::pair<std::string, Observation>> Observations(std::span<const Trial> trials);
  // Brings the model up to date with the successful trials (incrementally when it can).
  void UpdateModel(std::span<const Trial> trials);
  void Refit(const std::vector<std::pair<std::string, Observation>>& observations);
  // The next point by the acquisition function(s); nullopt when every candidate was tried.
  std::optional<Assignment> ProposeByModel(const KeySet& tried, Rng& rng, uint64_t stream);
  AcquisitionKind ChooseHedge(Rng& rng) const;
  // A pending point enters the model at its predicted outcome (kriging believer).
  void AddFantasy(const Eigen::VectorXd& x);

  BayesianOptimizationSettings settings_;
  bool maximize_ = false;
  uint64_t seed_;  // random_state, or a fresh seed
  SearchSpace space_;
  SpaceTransform transform_;
  SobolDesign design_;  // the initial design

  std::unordered_map<std::string, KnownTrial> known_;  // by trial name
  std::unique_ptr<gp::GaussianProcess> model_;
  std::map<std::string, double> modelled_;  // trial name -> y in the model
  int fitted_size_ = 0;                     // observations at the last hyperparameter fit
  double best_ = 0;                         // lowest standardised output in the model

  std::array<double, 3> hedge_gains_{0, 0, 0};
  std::vector<Eigen::VectorXd> hedge_points_;  // each acquisition's last choice
};

}  // namespace tuneup
