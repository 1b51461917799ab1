// A Gaussian process on Eigen, for Bayesian optimisation over the unit cube.
//
// The model: constant mean on standardised outputs (y - mean(y)) / sd(y), a Matérn 5/2 or RBF
// kernel with one length scale per input dimension (ARD) and a signal variance, and Gaussian
// observation noise with a learned variance. All hyperparameters live on a log scale.
//
// Its life, as in limbo: Fit(X, y, h) factorises from scratch (O(n³)); Add(x, y) extends the
// Cholesky factor by one row (O(n²)) keeping the hyperparameters and the standardisation;
// Truncate(n) forgets what was added after the first n observations (fantasies of pending points
// are added, used and truncated away); Predict gives the posterior mean and latent variance.
// Hyperparameters are chosen by FitHyperparameters (gp/hyperparameters.h), which maximises
// LogMarginalLikelihood plus priors.
#pragma once

#include <optional>

#include <Eigen/Core>

namespace tuneup::gp {

enum class KernelKind { kMatern52, kRbf };

struct Hyperparameters {
  Eigen::VectorXd log_lengthscales;  // one per input dimension
  double log_signal_variance = 0;    // of the standardised outputs
  double log_noise_variance = -9.2;  // of the standardised outputs (e^-9.2 ≈ 1e-4)

  int size() const { return static_cast<int>(log_lengthscales.size()) + 2; }
  // [log l_1 .. log l_d, log signal variance, log noise variance]
  Eigen::VectorXd Pack() const;
  static Hyperparameters Unpack(const Eigen::VectorXd& packed);
};

// k(a, b) for every column a of A and b of B (points are columns), without the noise term.
Eigen::MatrixXd KernelMatrix(KernelKind kind, const Hyperparameters& h, const Eigen::MatrixXd& A,
                             const Eigen::MatrixXd& B);

// The log marginal likelihood of standardised outputs `y` at inputs `X` (columns) under `h`, and
// its gradient with respect to h.Pack() when `gradient` is given. nullopt when the covariance
// cannot be factorised even with jitter.
std::optional<double> LogMarginalLikelihood(KernelKind kind, const Eigen::MatrixXd& X,
                                            const Eigen::VectorXd& y, const Hyperparameters& h,
                                            Eigen::VectorXd* gradient);

class GaussianProcess {
 public:
  GaussianProcess(KernelKind kind, int dimensions);

  // Replaces the data (inputs as columns of X, outputs y in the objective's own units) and the
  // hyperparameters, standardises y and factorises. `known_noise` (optional, one entry per
  // observation, in the objective's units squared) is noise variance known to be in an output
  // beyond the learned noise: a cross-validated trial's score is a mean over folds, and the
  // variance of that mean (sd² / folds) says how far it may be from the configuration's true
  // score. The model then trusts such outputs less (heteroscedastic noise).
  void Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const Hyperparameters& h,
           const Eigen::VectorXd* known_noise = nullptr);

  // Adds one observation, keeping hyperparameters and standardisation: O(n²). Its noise variance
  // (standardised units) is the learned one unless given.
  void Add(const Eigen::VectorXd& x, double y, std::optional<double> noise_variance = std::nullopt);
  // Adds a fantasy at `x` whose output is the current posterior mean (kriging believer), without
  // observation noise: the model then treats the outcome there as known. A noisy fantasy would
  // change nothing where the model is already surer than the noise, and a batch would pile up.
  void AddBelief(const Eigen::VectorXd& x);
  // Forgets the observations after the first `n` (n <= size()).
  void Truncate(int n);

  int size() const { return n_; }
  int dimensions() const { return dimensions_; }
  KernelKind kernel() const { return kind_; }
  const Hyperparameters& hyperparameters() const { return h_; }
  // Inputs (first size() columns) and standardised outputs (first size() entries).
  Eigen::Ref<const Eigen::MatrixXd> inputs() const { return X_.leftCols(n_); }
  Eigen::Ref<const Eigen::VectorXd> standardised_outputs() const { return y_.head(n_); }

  // Standardised units <-> the objective's units.
  double Standardise(double y) const { return (y - y_mean_) / y_scale_; }
  double Unstandardise(double z) const { return z * y_scale_ + y_mean_; }
  double output_scale() const { return y_scale_; }

  // Posterior mean and latent (noise-free) variance, in standardised units, at the columns of Z.
  void Predict(const Eigen::MatrixXd& Z, Eigen::VectorXd& mean, Eigen::VectorXd& variance) const;
  // Posterior mean only (O(n) per point).
  Eigen::VectorXd PredictMean(const Eigen::MatrixXd& Z) const;
  // The posterior given only the `neighbours` observations nearest to each column of Z (in
  // length-scale units): its variance is an upper bound on the exact latent variance
  // (conditioning on fewer data never lowers it) and its mean an approximation of the exact
  // mean, both close to exact when the neighbours carry nearly all the information. O(n·d +
  // neighbours³) per point instead of O(n²) (and no kernel evaluation against all n): for
  // screening many candidates before the best few get the exact posterior.
  void Screen(const Eigen::MatrixXd& Z, int neighbours, Eigen::VectorXd& approximate_mean,
              Eigen::VectorXd& variance_bound) const;
  // A model with the same hyperparameters and standardisation holding only the `size`
  // observations nearest to `center` (in length-scale units): for work that is local anyway
  // (climbing an acquisition from a candidate), at O(size²) per prediction instead of O(n²).
  GaussianProcess Local(const Eigen::VectorXd& center, int size) const;
  // The same at one point, with gradients with respect to the point.
  void PredictWithGradient(const Eigen::VectorXd& z, double& mean, double& variance,
                           Eigen::VectorXd& mean_gradient,
                           Eigen::VectorXd& variance_gradient) const;

 private:
  void Reserve(int capacity);
  void Factorise();
  void UpdateAlpha();

  KernelKind kind_;
  int dimensions_;
  Hyperparameters h_;
  int n_ = 0;
  Eigen::MatrixXd X_;      // dimensions x capacity
  Eigen::VectorXd y_;      // standardised, capacity
  Eigen::VectorXd noise_;  // each observation's noise variance (standardised units), capacity
  Eigen::MatrixXd L_;      // capacity x capacity, lower Cholesky factor in the top-left n x n
  Eigen::VectorXd alpha_;  // K⁻¹ y for the first n
  double y_mean_ = 0;
  double y_scale_ = 1;
  double jitter_ = 0;  // added to the diagonal when the factorisation needed it
};

}  // namespace tuneup::gp
