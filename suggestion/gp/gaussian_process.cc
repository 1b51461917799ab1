#include "suggestion/gp/gaussian_process.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <Eigen/Cholesky>

namespace tuneup::gp {

namespace {

constexpr double kLog2Pi = 1.8378770664093453;
// Jitter tried, relative to the signal variance, when a covariance will not factorise.
constexpr double kJitters[] = {0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2};

// Columns of `A` divided by the length scales.
Eigen::MatrixXd Scaled(const Eigen::MatrixXd& A, const Eigen::VectorXd& inverse_lengthscales) {
  return inverse_lengthscales.asDiagonal() * A;
}

// Squared scaled distances between the columns of As and Bs.
Eigen::MatrixXd SquaredDistances(const Eigen::MatrixXd& As, const Eigen::MatrixXd& Bs) {
  Eigen::MatrixXd d2 = -2.0 * (As.transpose() * Bs);
  d2.colwise() += As.colwise().squaredNorm().transpose();
  d2.rowwise() += Bs.colwise().squaredNorm();
  return d2.cwiseMax(0.0);
}

// Replaces squared scaled distances by kernel values, coefficient-wise, with Eigen's vectorised
// sqrt and exp (the scalar library calls dominated the cost of large kernel matrices).
template <typename Derived>
void ApplyKernel(KernelKind kind, double signal, Eigen::ArrayBase<Derived>&& r2) {
  if (kind == KernelKind::kRbf) {
    r2 = signal * (-0.5 * r2).exp();
  } else {
    // r = sqrt(5) |x - x'| / l once, in place (Eigen would evaluate a repeated sqrt twice):
    // k = signal (1 + r + r²/3) exp(-r).
    r2 = (5.0 * r2).sqrt();
    r2 = signal * (1.0 + r2 + (1.0 / 3.0) * r2.square()) * (-r2).exp();
  }
}

// Replaces squared scaled distances by g(r), where dk/dx = -g (x - b) / l² and
// dk/dlog l_j = g (x_j - b_j)² / l_j².
template <typename Derived>
void ApplyKernelSlope(KernelKind kind, double signal, Eigen::ArrayBase<Derived>&& r2) {
  if (kind == KernelKind::kRbf) {
    r2 = signal * (-0.5 * r2).exp();
  } else {
    r2 = (5.0 * r2).sqrt();
    r2 = signal * (5.0 / 3.0) * (1.0 + r2) * (-r2).exp();
  }
}

// Squared scaled distances between the columns of As and Bs, written into `out`.
void SquaredDistancesInto(const Eigen::MatrixXd& As, const Eigen::MatrixXd& Bs,
                          Eigen::Ref<Eigen::MatrixXd> out) {
  out.noalias() = -2.0 * (As.transpose() * Bs);
  out.colwise() += As.colwise().squaredNorm().transpose();
  out.rowwise() += Bs.colwise().squaredNorm();
  out = out.cwiseMax(0.0);
}

Eigen::VectorXd InverseLengthscales(const Hyperparameters& h) {
  return (-h.log_lengthscales.array()).exp().matrix();
}

// Factorises K + (noise + jitter) I, raising the jitter until it succeeds. Returns the jitter
// used, or nullopt when even the largest fails.
std::optional<double> FactoriseWithJitter(Eigen::MatrixXd& K, double noise, double signal,
                                          Eigen::LLT<Eigen::MatrixXd>& llt) {
  for (double relative : kJitters) {
    double jitter = relative * signal;
    Eigen::MatrixXd A = K;
    A.diagonal().array() += noise + jitter;
    llt.compute(A);
    if (llt.info() == Eigen::Success) return jitter;
  }
  return std::nullopt;
}

}  // namespace

Eigen::VectorXd Hyperparameters::Pack() const {
  Eigen::VectorXd packed(size());
  packed.head(log_lengthscales.size()) = log_lengthscales;
  packed[log_lengthscales.size()] = log_signal_variance;
  packed[log_lengthscales.size() + 1] = log_noise_variance;
  return packed;
}

Hyperparameters Hyperparameters::Unpack(const Eigen::VectorXd& packed) {
  Hyperparameters h;
  Eigen::Index d = packed.size() - 2;
  h.log_lengthscales = packed.head(d);
  h.log_signal_variance = packed[d];
  h.log_noise_variance = packed[d + 1];
  return h;
}

// k(a, b) for the columns of A and B, written into `out` (A.cols() x B.cols()).
void KernelMatrixInto(KernelKind kind, const Hyperparameters& h, const Eigen::MatrixXd& A,
                      const Eigen::MatrixXd& B, Eigen::Ref<Eigen::MatrixXd> out) {
  Eigen::VectorXd inverse = InverseLengthscales(h);
  SquaredDistancesInto(Scaled(A, inverse), Scaled(B, inverse), out);
  ApplyKernel(kind, std::exp(h.log_signal_variance), out.array());
}

Eigen::MatrixXd KernelMatrix(KernelKind kind, const Hyperparameters& h, const Eigen::MatrixXd& A,
                             const Eigen::MatrixXd& B) {
  Eigen::MatrixXd K(A.cols(), B.cols());
  KernelMatrixInto(kind, h, A, B, K);
  return K;
}

std::optional<double> LogMarginalLikelihood(KernelKind kind, const Eigen::MatrixXd& X,
                                            const Eigen::VectorXd& y, const Hyperparameters& h,
                                            Eigen::VectorXd* gradient) {
  const Eigen::Index n = X.cols();
  const Eigen::Index d = X.rows();
  const double signal = std::exp(h.log_signal_variance);
  const double noise = std::exp(h.log_noise_variance);
  Eigen::VectorXd inverse = InverseLengthscales(h);
  Eigen::MatrixXd Xs = Scaled(X, inverse);
  Eigen::MatrixXd R2 = SquaredDistances(Xs, Xs);
  Eigen::MatrixXd K = R2;
  ApplyKernel(kind, signal, K.array());
  Eigen::LLT<Eigen::MatrixXd> llt;
  auto jitter = FactoriseWithJitter(K, noise, signal, llt);
  if (!jitter) return std::nullopt;
  Eigen::VectorXd alpha = llt.solve(y);
  const Eigen::MatrixXd& L = llt.matrixLLT();
  double log_det_half = L.diagonal().array().log().sum();
  double value = -0.5 * y.dot(alpha) - log_det_half - 0.5 * static_cast<double>(n) * kLog2Pi;
  if (!std::isfinite(value)) return std::nullopt;
  if (gradient == nullptr) return value;

  // d LML / d theta = 0.5 tr((alpha alpha^T - K^-1) dK/dtheta).
  Eigen::MatrixXd W = llt.solve(Eigen::MatrixXd::Identity(n, n));
  W = alpha * alpha.transpose() - W;
  gradient->resize(d + 2);
  // Length scales: with M = W .* g, sum_ab M_ab (xs_aj - xs_bj)^2 = 2 (sum_a xs_aj^2 (M 1)_a -
  // xs_j^T M xs_j), so all d of them cost one n x n x d product.
  Eigen::MatrixXd M = R2;
  ApplyKernelSlope(kind, signal, M.array());
  M = M.cwiseProduct(W);
  Eigen::VectorXd row_sums = M.rowwise().sum();
  Eigen::MatrixXd MXs = M * Xs.transpose();  // n x d
  for (Eigen::Index j = 0; j < d; ++j) {
    double quadratic = Xs.row(j).dot(MXs.col(j));
    double weighted = Xs.row(j).array().square().matrix().dot(row_sums);
    (*gradient)[j] = 0.5 * 2.0 * (weighted - quadratic);
  }
  (*gradient)[d] = 0.5 * W.cwiseProduct(K).sum();
  (*gradient)[d + 1] = 0.5 * noise * W.trace();
  return value;
}

GaussianProcess::GaussianProcess(KernelKind kind, int dimensions)
    : kind_(kind), dimensions_(dimensions) {
  h_.log_lengthscales = Eigen::VectorXd::Constant(dimensions, std::log(0.5));
}

void GaussianProcess::Reserve(int capacity) {
  if (capacity <= X_.cols()) return;
  // Room for an eighth more (fantasies and new observations) without reallocating; growing by a
  // quarter keeps copies rare without doubling the largest matrix the process holds.
  int grown = std::max(capacity + capacity / 8 + 16, static_cast<int>(X_.cols()) * 5 / 4);
  X_.conservativeResize(dimensions_, grown);
  y_.conservativeResize(grown);
  noise_.conservativeResize(grown);
  Eigen::MatrixXd L(grown, grown);
  L.topLeftCorner(n_, n_) = L_.topLeftCorner(n_, n_);
  L_.swap(L);
}

void GaussianProcess::Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                          const Hyperparameters& h, const Eigen::VectorXd* known_noise) {
  h_ = h;
  n_ = 0;  // nothing to keep: Reserve copies only the first n_ rows
  Reserve(static_cast<int>(X.cols()));
  n_ = static_cast<int>(X.cols());
  X_.leftCols(n_) = X;
  y_mean_ = n_ > 0 ? y.mean() : 0;
  double variance = n_ > 1 ? (y.array() - y_mean_).square().sum() / (n_ - 1) : 0;
  y_scale_ = variance > 1e-300 ? std::sqrt(variance) : 1;
  y_.head(n_) = (y.array() - y_mean_) / y_scale_;
  noise_.head(n_).setConstant(std::exp(h_.log_noise_variance));
  if (known_noise != nullptr) noise_.head(n_) += *known_noise / (y_scale_ * y_scale_);
  Factorise();
}

void GaussianProcess::Factorise() {
  jitter_ = 0;
  if (n_ == 0) {
    alpha_.resize(0);
    return;
  }
  const double signal = std::exp(h_.log_signal_variance);
  // Factorised in place, in L_'s own storage: at thousands of observations the n x n matrices
  // are the process' memory, so no second copy is made (the kernel matrix is recomputed in the
  // rare case a larger jitter is needed).
  for (double relative : kJitters) {
    jitter_ = relative * signal;
    auto block = L_.topLeftCorner(n_, n_);
    KernelMatrixInto(kind_, h_, X_.leftCols(n_), X_.leftCols(n_), block);
    block.diagonal().array() += noise_.head(n_).array() + jitter_;
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(block);
    if (llt.info() == Eigen::Success) break;
  }
  // The largest jitter always factorises a kernel matrix (it is positive semi-definite); if even
  // that failed the factor is still finite, and predictions stay usable.
  L_.topLeftCorner(n_, n_).triangularView<Eigen::StrictlyUpper>().setZero();
  UpdateAlpha();
}

void GaussianProcess::UpdateAlpha() {
  alpha_ = L_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>().solve(y_.head(n_));
  L_.topLeftCorner(n_, n_).transpose().triangularView<Eigen::Upper>().solveInPlace(alpha_);
}

void GaussianProcess::Add(const Eigen::VectorXd& x, double y,
                          std::optional<double> noise_variance) {
  Reserve(n_ + 1);
  const double signal = std::exp(h_.log_signal_variance);
  const double noise = noise_variance ? *noise_variance : std::exp(h_.log_noise_variance);
  const double diagonal = signal + noise + jitter_;
  Eigen::VectorXd k = n_ > 0 ? Eigen::VectorXd(KernelMatrix(kind_, h_, X_.leftCols(n_), x).col(0))
                             : Eigen::VectorXd();
  Eigen::VectorXd l = L_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>().solve(k);
  // A point (nearly) on top of another leaves nothing new to explain: keep the factor positive.
  double d2 = std::max(diagonal - l.squaredNorm(), 1e-10 * diagonal);
  L_.row(n_).head(n_) = l.transpose();
  L_(n_, n_) = std::sqrt(d2);
  X_.col(n_) = x;
  y_[n_] = Standardise(y);
  noise_[n_] = noise;
  ++n_;
  UpdateAlpha();
}

void GaussianProcess::AddBelief(const Eigen::VectorXd& x) {
  Eigen::VectorXd mean, variance;
  Predict(x, mean, variance);
  Add(x, Unstandardise(mean[0]), 0.0);
}

void GaussianProcess::Truncate(int n) {
  if (n >= n_) return;
  n_ = std::max(n, 0);
  UpdateAlpha();
}

void GaussianProcess::Predict(const Eigen::MatrixXd& Z, Eigen::VectorXd& mean,
                              Eigen::VectorXd& variance) const {
  const double signal = std::exp(h_.log_signal_variance);
  if (n_ == 0) {
    mean = Eigen::VectorXd::Zero(Z.cols());
    variance = Eigen::VectorXd::Constant(Z.cols(), signal);
    return;
  }
  Eigen::MatrixXd Ks = KernelMatrix(kind_, h_, X_.leftCols(n_), Z);  // n x m
  mean = Ks.transpose() * alpha_;
  L_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>().solveInPlace(Ks);
  variance = (signal - Ks.colwise().squaredNorm().array()).cwiseMax(0.0).matrix().transpose();
}

GaussianProcess GaussianProcess::Local(const Eigen::VectorXd& center, int size) const {
  GaussianProcess local(kind_, dimensions_);
  local.h_ = h_;
  local.y_mean_ = y_mean_;
  local.y_scale_ = y_scale_;
  const int k = std::min(size, n_);
  std::vector<int> order(n_);
  std::iota(order.begin(), order.end(), 0);
  if (k < n_) {
    Eigen::VectorXd inverse2 = (-2.0 * h_.log_lengthscales.array()).exp().matrix();
    Eigen::VectorXd r2 =
        ((X_.leftCols(n_).colwise() - center).array().square().colwise() * inverse2.array())
            .colwise()
            .sum()
            .transpose();
    std::nth_element(order.begin(), order.begin() + (k - 1), order.end(),
                     [&](int a, int b) { return r2[a] < r2[b]; });
  }
  local.Reserve(k);
  local.n_ = k;
  for (int i = 0; i < k; ++i) {
    local.X_.col(i) = X_.col(order[i]);
    local.y_[i] = y_[order[i]];
    local.noise_[i] = noise_[order[i]];
  }
  local.Factorise();
  return local;
}

Eigen::VectorXd GaussianProcess::PredictMean(const Eigen::MatrixXd& Z) const {
  if (n_ == 0) return Eigen::VectorXd::Zero(Z.cols());
  return KernelMatrix(kind_, h_, X_.leftCols(n_), Z).transpose() * alpha_;
}

void GaussianProcess::Screen(const Eigen::MatrixXd& Z, int neighbours, Eigen::VectorXd& mean,
                             Eigen::VectorXd& variance_bound) const {
  const double signal = std::exp(h_.log_signal_variance);
  mean = Eigen::VectorXd::Zero(Z.cols());
  variance_bound = Eigen::VectorXd::Constant(Z.cols(), signal);
  if (n_ == 0) return;
  const int k = std::min(neighbours, n_);
  Eigen::VectorXd inverse = InverseLengthscales(h_);
  Eigen::MatrixXd Xs = Scaled(X_.leftCols(n_), inverse);
  Eigen::MatrixXd Zs = Scaled(Z, inverse);
  std::vector<std::pair<double, int>> heap;  // the k nearest so far, farthest on top
  heap.reserve(static_cast<size_t>(k) + 1);
  // Per-candidate work is small: everything is allocated once, outside the loop, and distances
  // are computed one candidate at a time (an n x m distance matrix would be megabytes of fresh
  // pages on every call).
  Eigen::VectorXd r2s(n_);
  Eigen::MatrixXd near(Xs.rows(), k);
  Eigen::MatrixXd K(k, k);
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  Eigen::VectorXd kz(k), near_noise(k), near_y(k);
  for (Eigen::Index c = 0; c < Z.cols(); ++c) {
    heap.clear();
    r2s.noalias() = (Xs.colwise() - Zs.col(c)).colwise().squaredNorm().transpose();
    for (int i = 0; i < n_; ++i) {
      double r2 = r2s[i];
      if (static_cast<int>(heap.size()) < k) {
        heap.emplace_back(r2, i);
        std::push_heap(heap.begin(), heap.end());
      } else if (r2 < heap.front().first) {
        std::pop_heap(heap.begin(), heap.end());
        heap.back() = {r2, i};
        std::push_heap(heap.begin(), heap.end());
      }
    }
    for (int i = 0; i < k; ++i) {
      const int index = heap[static_cast<size_t>(i)].second;
      near.col(i) = Xs.col(index);
      kz[i] = heap[static_cast<size_t>(i)].first;
      near_noise[i] = noise_[index] + jitter_;
      near_y[i] = y_[index];
    }
    // Squared distances among the neighbours, lower triangle (LLT reads only that).
    for (int a = 0; a < k; ++a) {
      for (int b = a; b < k; ++b)
        K(b, a) = (near.col(b) - near.col(a)).squaredNorm();
    }
    ApplyKernel(kind_, signal, kz.array());
    ApplyKernel(kind_, signal, K.array());
    K.diagonal() += near_noise;
    llt.compute(K);
    if (llt.info() == Eigen::Success) {
      llt.matrixL().solveInPlace(kz);
      llt.matrixL().solveInPlace(near_y);
      variance_bound[c] = std::max(signal - kz.squaredNorm(), 0.0);
      mean[c] = kz.dot(near_y);
    }  // else the prior stays: the variance is still an upper bound
  }
}

void GaussianProcess::PredictWithGradient(const Eigen::VectorXd& z, double& mean, double& variance,
                                          Eigen::VectorXd& mean_gradient,
                                          Eigen::VectorXd& variance_gradient) const {
  const double signal = std::exp(h_.log_signal_variance);
  mean_gradient = Eigen::VectorXd::Zero(dimensions_);
  variance_gradient = Eigen::VectorXd::Zero(dimensions_);
  if (n_ == 0) {
    mean = 0;
    variance = signal;
    return;
  }
  Eigen::VectorXd inverse = InverseLengthscales(h_);
  Eigen::VectorXd inverse2 = inverse.array().square().matrix();
  Eigen::MatrixXd diff = X_.leftCols(n_);
  diff = (-diff).colwise() + z;  // columns: z - x_i
  Eigen::VectorXd r2 = (inverse.asDiagonal() * diff).colwise().squaredNorm().transpose();
  Eigen::VectorXd k = r2;
  ApplyKernel(kind_, signal, k.array());
  Eigen::VectorXd g = r2;
  ApplyKernelSlope(kind_, signal, g.array());
  mean = k.dot(alpha_);
  Eigen::VectorXd v = L_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>().solve(k);
  variance = std::max(signal - v.squaredNorm(), 0.0);
  Eigen::VectorXd kinv_k =
      L_.topLeftCorner(n_, n_).transpose().triangularView<Eigen::Upper>().solve(v);
  // dk_i/dz = -g_i (z - x_i) / l^2
  mean_gradient = -(inverse2.asDiagonal() * (diff * g.cwiseProduct(alpha_)));
  variance_gradient = 2.0 * (inverse2.asDiagonal() * (diff * g.cwiseProduct(kinv_k)));
}

}  // namespace tuneup::gp
