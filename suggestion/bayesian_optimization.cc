#include "suggestion/bayesian_optimization.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>

#include "api/cross_validation.h"
#include "suggestion/acquisition_optimizer.h"
#include "suggestion/gp/hyperparameters.h"
#include "suggestion/sampling.h"
#include "suggestion/settings.h"

namespace tuneup {

namespace {

// Refit hyperparameters on every new observation up to this many observations (early on each
// observation changes the picture, and a fit is cheap)...
constexpr int kAlwaysRefitUpTo = 50;
// ... and afterwards whenever the data have grown by this factor since the last fit.
constexpr double kRefitGrowth = 1.1;
// Candidates drawn per suggestion. Scoring one exactly costs O(n²); screening one costs about as
// much as n + 1000 distance computations (its n distances, then a small model of its nearest
// observations; see acquisition_optimizer.h). Fewer are drawn as the model grows, never fewer
// than the minimum (the space must still be covered).
constexpr int kExactScoringUpTo = 200;    // observations
constexpr double kExactBudget = 2e7;      // n² * candidates while scoring exactly
constexpr double kScreeningBudget = 3e5;  // (n + overhead) * candidates while screening
constexpr double kScreeningOverhead = 1000;
constexpr int kMaxCandidates = 1536;
constexpr int kMinCandidates = 128;
// Ranked candidates kept so a tried one can be passed over for the next best.
constexpr size_t kRankedToKeep = 64;
// Random draws tried when every ranked candidate was already tried.
constexpr int kRandomFallbackTries = 256;

}  // namespace

BayesianOptimizationSettings BayesianOptimizationSettings::Read(const Experiment& experiment,
                                                                FieldErrors& errors) {
  BayesianOptimizationSettings settings;
  if (!experiment.spec.algorithm) return settings;
  SettingsReader reader = SettingsReader::ForAlgorithm(experiment, errors);
  if (auto estimator = reader.OneOf("base_estimator", {"GP", "RF", "ET", "GBRT"})) {
    if (*estimator != "GP") {
      errors.push_back({kAlgorithmSettingsPath,
                        "base_estimator " + *estimator +
                            " is not supported: tuneup's Bayesian optimisation uses a Gaussian "
                            "process (base_estimator GP)"});
    }
  }
  if (auto n = reader.Int("n_initial_points", 0, 1'000'000))
    settings.n_initial_points = static_cast<int>(*n);
  if (auto acq = reader.OneOf("acq_func", {"gp_hedge", "EI", "PI", "LCB", "EIps", "PIps"})) {
    if (*acq == "EI") settings.acquisition = AcquisitionKind::kExpectedImprovement;
    if (*acq == "PI") settings.acquisition = AcquisitionKind::kProbabilityOfImprovement;
    if (*acq == "LCB") settings.acquisition = AcquisitionKind::kLowerConfidenceBound;
    if (*acq == "EIps" || *acq == "PIps") {
      errors.push_back({kAlgorithmSettingsPath,
                        "acq_func " + *acq +
                            " is not supported: it needs each trial's duration as a second "
                            "objective; use gp_hedge, EI, PI or LCB"});
    }
  }
  if (auto optimizer = reader.OneOf("acq_optimizer", {"auto", "sampling", "lbfgs"})) {
    if (*optimizer == "sampling") settings.acq_optimizer = Optimizer::kSampling;
    if (*optimizer == "lbfgs") settings.acq_optimizer = Optimizer::kLbfgs;
  }
  if (auto xi = reader.Double("xi", 0, 1e6)) settings.acquisition_settings.xi = *xi;
  if (auto kappa = reader.Double("kappa", 0, 1e6)) settings.acquisition_settings.kappa = *kappa;
  if (auto kernel = reader.OneOf("kernel", {"matern52", "rbf"})) {
    settings.kernel = *kernel == "rbf" ? gp::KernelKind::kRbf : gp::KernelKind::kMatern52;
  }
  settings.random_state = ReadRandomState(reader);
  reader.RejectUnknown("bayesianoptimization");
  return settings;
}

BayesianOptimizationSettings BayesianOptimizationSettings::ReadOrThrow(
    const Experiment& experiment) {
  FieldErrors errors;
  BayesianOptimizationSettings settings = Read(experiment, errors);
  if (!errors.empty()) throw Error(ErrorCode::kInvalidArgument, errors.front().ToString());
  return settings;
}

FieldErrors BayesianOptimization::ValidateSettings(const Experiment& experiment) {
  FieldErrors errors;
  BayesianOptimizationSettings::Read(experiment, errors);
  if (auto error = SobolDesign::DimensionsError(experiment, "bayesianoptimization"))
    errors.push_back(*error);
  return errors;
}

BayesianOptimization::BayesianOptimization(const Experiment& experiment, const SearchSpace& space)
    : settings_(BayesianOptimizationSettings::ReadOrThrow(experiment)),
      maximize_(MaximizesObjective(experiment)),
      seed_(settings_.random_state ? *settings_.random_state : FreshSeed()),
      space_(space),
      transform_(space),
      design_(space, MixSeed(seed_, 0x736f626f6c)) {}

BayesianOptimization::~BayesianOptimization() = default;

std::vector<std::pair<std::string, BayesianOptimization::Observation>>
BayesianOptimization::Observations(std::span<const Trial> trials) {
  std::vector<std::pair<std::string, Observation>> observations;
  for (const auto& trial : trials) {
    // An early-stopped trial's best value so far is what it reached: a pessimistic but real
    // measurement of its point, which keeps the model away from regions the stopper gave up on.
    const bool measured =
        trial.status == TrialStatus::kSucceeded || trial.status == TrialStatus::kEarlyStopped;
    if (!measured || !trial.objective || !std::isfinite(*trial.objective)) continue;
    const auto& x = Known(trial).x;
    if (!x) continue;  // made by hand outside the space: nothing the model can place
    double known_noise = 0;
    if (!trial.folds.empty()) {
      const Spread spread = ObjectiveSpread(trial);
      if (spread.count >= 2) known_noise = spread.sd * spread.sd / spread.count;
    }
    observations.push_back(
        {trial.name, {*x, maximize_ ? -*trial.objective : *trial.objective, known_noise}});
  }
  return observations;
}

const BayesianOptimization::KnownTrial& BayesianOptimization::Known(const Trial& trial) {
  auto it = known_.find(trial.name);
  if (it == known_.end()) {
    it = known_
             .emplace(trial.name, KnownTrial{AssignmentKey(trial.assignment),
                                             transform_.Encode(trial.assignment)})
             .first;
  }
  return it->second;
}

void BayesianOptimization::Refit(
    const std::vector<std::pair<std::string, Observation>>& observations) {
  const int d = transform_.dimensions();
  const auto n = static_cast<Eigen::Index>(observations.size());
  Eigen::MatrixXd X(d, n);
  Eigen::VectorXd y(n);
  Eigen::VectorXd known_noise(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    X.col(i) = observations[static_cast<size_t>(i)].second.x;
    y[i] = observations[static_cast<size_t>(i)].second.y;
    known_noise[i] = observations[static_cast<size_t>(i)].second.known_noise;
  }
  // Fit the hyperparameters to the standardised outputs the model will use.
  double mean = y.mean();
  double sd = n > 1 ? std::sqrt((y.array() - mean).square().sum() / static_cast<double>(n - 1)) : 1;
  if (!(sd > 1e-300)) sd = 1;
  Eigen::VectorXd standardised = (y.array() - mean) / sd;
  gp::FitOptions options;
  options.seed = MixSeed(seed_, static_cast<uint64_t>(n));
  const gp::Hyperparameters* previous = model_ ? &model_->hyperparameters() : nullptr;
  if (previous) {
    // A refit starts next to the last optimum: fewer random restarts are needed.
    options.restarts = 1;
    options.max_evaluations = 40;
  }
  gp::Hyperparameters h =
      gp::FitHyperparameters(settings_.kernel, X, standardised, options, previous);
  auto model = std::make_unique<gp::GaussianProcess>(settings_.kernel, d);
  model->Fit(X, y, h, (known_noise.array() > 0).any() ? &known_noise : nullptr);
  model_ = std::move(model);
  fitted_size_ = static_cast<int>(n);
  modelled_.clear();
  for (const auto& [name, observation] : observations)
    modelled_[name] = observation.y;
}

void BayesianOptimization::UpdateModel(std::span<const Trial> trials) {
  auto observations = Observations(trials);
  // Incremental when the model's observations are all still there, unchanged.
  bool extends = model_ != nullptr;
  std::vector<const std::pair<std::string, Observation>*> added;
  if (extends) {
    size_t kept = 0;
    for (const auto& entry : observations) {
      auto it = modelled_.find(entry.first);
      if (it == modelled_.end()) {
        added.push_back(&entry);
      } else if (it->second == entry.second.y) {
        ++kept;
      } else {
        extends = false;
      }
    }
    if (kept != modelled_.size()) extends = false;
  }
  const int n = static_cast<int>(observations.size());
  bool refit =
      !extends || (!added.empty() && (n <= kAlwaysRefitUpTo || n >= kRefitGrowth * fitted_size_));
  if (n < 2) {
    model_.reset();
    modelled_.clear();
    return;
  }
  if (refit) {
    // The new observations change what the old choices of the hedge are worth: book it first.
    Refit(observations);
  } else {
    for (const auto* entry : added) {
      std::optional<double> noise;
      if (entry->second.known_noise > 0) {
        const double scale = model_->output_scale();
        noise = std::exp(model_->hyperparameters().log_noise_variance) +
                entry->second.known_noise / (scale * scale);
      }
      model_->Add(entry->second.x, entry->second.y, noise);
      modelled_[entry->first] = entry->second.y;
    }
  }
  if ((refit || !added.empty()) && !hedge_points_.empty()) {
    // scikit-optimize's gp_hedge: each acquisition earns the (negated) posterior mean, under the
    // updated model, of the point it chose last time.
    Eigen::MatrixXd points(transform_.dimensions(),
                           static_cast<Eigen::Index>(hedge_points_.size()));
    for (size_t a = 0; a < hedge_points_.size(); ++a) {
      points.col(static_cast<Eigen::Index>(a)) = hedge_points_[a];
    }
    Eigen::VectorXd mean = model_->PredictMean(points);
    for (size_t a = 0; a < hedge_points_.size(); ++a) {
      hedge_gains_[a] -= mean[static_cast<Eigen::Index>(a)];
    }
    hedge_points_.clear();
  }
  auto outputs = model_->standardised_outputs();
  best_ = outputs.size() > 0 ? outputs.minCoeff() : 0;
}

void BayesianOptimization::AddFantasy(const Eigen::VectorXd& x) {
  model_->AddBelief(x);
  // The believed outcome counts as observed, incumbent included: otherwise a belief below the
  // best leaves its neighbours' expected improvement intact and the batch clusters around it.
  best_ = std::min(best_, model_->standardised_outputs()[model_->size() - 1]);
}

AcquisitionKind BayesianOptimization::ChooseHedge(Rng& rng) const {
  double top = *std::max_element(hedge_gains_.begin(), hedge_gains_.end());
  std::array<double, 3> weights;
  double total = 0;
  for (size_t a = 0; a < 3; ++a)
    total += weights[a] = std::exp(hedge_gains_[a] - top);
  double u = rng.Uniform01() * total;
  for (size_t a = 0; a < 3; ++a) {
    if ((u -= weights[a]) < 0) return kAllAcquisitions[a];
  }
  return kAllAcquisitions[2];
}

std::optional<Assignment> BayesianOptimization::ProposeByModel(const KeySet& tried, Rng& rng,
                                                               uint64_t stream) {
  const int n = model_->size();
  const double size = std::max(static_cast<double>(n), 1.0);
  const double budget = n <= kExactScoringUpTo ? kExactBudget / (size * size)
                                               : kScreeningBudget / (size + kScreeningOverhead);
  const int total = std::clamp(static_cast<int>(budget), kMinCandidates, kMaxCandidates);
  CandidateOptions candidates;
  candidates.exact_up_to = kExactScoringUpTo;
  candidates.global = total * 2 / 3;
  candidates.local = total - candidates.global;
  candidates.seed = MixSeed(seed_, stream);
  CandidatePool pool = MakeCandidates(*model_, transform_, candidates);

  bool polish = settings_.acq_optimizer == BayesianOptimizationSettings::Optimizer::kLbfgs ||
                (settings_.acq_optimizer == BayesianOptimizationSettings::Optimizer::kAuto &&
                 transform_.all_continuous());
  // Each climb step costs O(n²): fewer, shorter climbs as the model grows (while it is small,
  // climbing thoroughly is what finds narrow optima).
  PolishOptions polish_options;
  polish_options.starts = n > 500 ? 1 : n > 200 ? 2 : n > 100 ? 5 : 10;
  polish_options.max_evaluations = n > 1000 ? 12 : n > 200 ? 20 : n > 100 ? 40 : 80;
  polish_options.local_size = 160;
  // Screened candidates given the exact posterior (O(n²) each) per acquisition.
  const int refine = n > 500 ? 8 : 16;

  // xi is in the objective's units, as in scikit-optimize (whose GP predicts in those units);
  // the model works in standardised ones.
  AcquisitionSettings acquisition_settings = settings_.acquisition_settings;
  acquisition_settings.xi /= model_->output_scale();

  AcquisitionKind kind;
  if (settings_.acquisition) {
    kind = *settings_.acquisition;
  } else {
    // gp_hedge: every acquisition nominates its best candidate (remembered for the gains, by
    // screening scores); one acquisition is chosen by the softmax of the gains, and only its
    // ranking is refined and polished.
    hedge_points_.clear();
    for (AcquisitionKind candidate : kAllAcquisitions) {
      hedge_points_.push_back(RankCandidates(*model_, transform_, pool, candidate,
                                             acquisition_settings, best_, 1, nullptr,
                                             /*refine=*/0)
                                  .front()
                                  .x);
    }
    kind = ChooseHedge(rng);
  }
  std::vector<ScoredPoint> ranked =
      RankCandidates(*model_, transform_, pool, kind, acquisition_settings, best_, kRankedToKeep,
                     polish ? &polish_options : nullptr, refine);
  for (const auto& point : ranked) {
    Assignment assignment = transform_.Decode(point.x);
    if (!tried.count(AssignmentKey(assignment))) return assignment;
  }
  return std::nullopt;
}

SuggestReply BayesianOptimization::Suggest(std::span<const Trial> trials, int count) {
  SuggestReply reply;
  // Keys of every assignment tried, and of this batch's proposals (kept in a deque: the set views
  // them, so they must not move).
  KeySet tried;
  tried.reserve(trials.size() + static_cast<size_t>(std::max(count, 0)));
  for (const auto& trial : trials)
    tried.insert(Known(trial).key);
  std::deque<std::string> batch_keys;
  const auto finite = transform_.finite_size();
  Rng rng(MixSeed(seed_, 0x626f0000ULL + trials.size()));

  UpdateModel(trials);
  // Trials still running are fantasies in the model, so proposals keep away from them.
  const int real_size = model_ ? model_->size() : 0;
  const double real_best = best_;
  if (model_) {
    for (const auto& trial : trials) {
      if (!IsActive(trial.status)) continue;
      if (auto x = transform_.Encode(trial.assignment)) AddFantasy(*x);
    }
  }
  for (int i = 0; i < count; ++i) {
    if (finite && static_cast<int64_t>(tried.size()) >= *finite) {
      reply.exhausted = true;
      break;
    }
    const uint64_t index = trials.size() + static_cast<uint64_t>(i);
    std::optional<Assignment> chosen;
    if (model_ && static_cast<int64_t>(index) >= settings_.n_initial_points) {
      chosen = ProposeByModel(tried, rng, index);
    } else {
      Assignment point = design_.At(index);
      if (!tried.count(AssignmentKey(point))) chosen = point;
    }
    for (int attempt = 0; !chosen && attempt < kRandomFallbackTries; ++attempt) {
      Assignment point = SampleAssignment(space_, rng);
      if (!tried.count(AssignmentKey(point))) chosen = point;
    }
    if (!chosen) break;  // a nearly exhausted finite space: try again next time
    tried.insert(batch_keys.emplace_back(AssignmentKey(*chosen)));
    if (model_ && i + 1 < count) {  // the next proposal of this batch must keep away from it
      if (auto x = transform_.Encode(*chosen)) AddFantasy(*x);
    }
    reply.proposals.push_back({std::move(*chosen), {}});
  }
  if (model_) model_->Truncate(real_size);
  best_ = real_best;
  if (finite && static_cast<int64_t>(tried.size()) >= *finite) reply.exhausted = true;
  return reply;
}

}  // namespace tuneup
