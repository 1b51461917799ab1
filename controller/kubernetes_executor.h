// Trials as Kubernetes Jobs (`tuneup run --executor kubernetes`).
//
// The Job is built as controller/kubernetes_job.h describes: a batch/v1 Job only (other kinds end
// with kLaunchFailed naming the kind), named <trial> (attempt 0) or <trial>-a<N>, labelled as
// Katib labels trial Jobs plus tuneup.dev/attempt, backoffLimit 0, restartPolicy Never,
// priorityClassName from the experiment's priority.
//
// The Job is created only when the job is released (JobCallbacks.on_created gets the identity
// "<namespace>/<job name>" first). Jobs and pods are followed with one watch per kind and
// namespace for all trials (label selector tuneup.dev/attempt), started with the first job of the
// namespace and stopped with its last. When the Job's pod runs (or has ended), the primary
// container's log (TrialJob.primary_container, else the first container) is followed and given
// to on_output as stdout; a broken log stream is reopened and what was already delivered skipped.
// How a job ends, decided on the pod and then the Job:
//  - the pod has condition DisruptionTarget=True with reason PreemptionByScheduler,
//    EvictionByEvictionAPI, DeletionByTaintManager or TerminationByKubelet, or status.reason
//    Evicted or Preempting, or the running pod disappears (even if the Job controller already
//    replaced it) while its Job has not ended and not at tuneup's request: kPreempted (the Job is
//    deleted, the runner re-runs the trial);
//  - DisruptionTarget with reason DeletionByPodGC (its node is gone) or status.reason NodeLost:
//    kInfrastructureFailed (the Job is deleted);
//  - the primary container terminated (pod Succeeded or Failed): kExited with its exitCode (and
//    signal 0: the API does not say), once its log has been read to the end;
//  - the Job Complete/Failed without such a pod (it was removed; its end is first awaited for
//    status_settle_time, as the pod's update may trail the Job's): kExited, exit code 0 for
//    Complete, -1 for Failed with the condition's reason and message;
//  - the Job deleted by someone else: kKilled;
//  - the Jobs or pods of its namespace cannot be listed (401, 403, 404): kLaunchFailed with the
//    server's message, rather than waiting forever.
// Jobs outlive the executor (destroying it deletes nothing), so a new controller can Adopt them.
// Finished Jobs are left in place (as Katib's `retain: true`): set ttlSecondsAfterFinished in the
// manifest to have Kubernetes remove them. Kill deletes the Job (propagationPolicy Background:
// its pods are removed by the garbage collector) and reports kKilled when the API server has
// accepted the deletion. Adopt GETs the Job: absent means it was never created (kNeverStarted);
// present, it is followed like a launched one, its log replayed from the start.
// API errors become messages naming the request and the server's answer; transport errors and
// 5xx are retried (controller/kube_client.h); a create refused with 4xx is kLaunchFailed.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "controller/executor.h"
#include "controller/kube_client.h"
#include "controller/kube_config.h"
#include "controller/kubernetes_job.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

struct KubernetesOptions {
  // Where the API server is and how to authenticate (controller/kube_config.h).
  KubeConfigOptions config;
  // Timeouts and retries of API requests (controller/kube_client.h).
  KubeClientOptions client;
  // The namespace (--namespace, overriding the manifest's) and the PriorityClass names for low-
  // and high-priority experiments (controller/kubernetes_job.h). Before the first Job with a
  // class is created, the class is looked up: a class the cluster does not have is kLaunchFailed
  // (the Job controller would otherwise fail to create its pods, silently).
  KubernetesJobSettings job;
  // After the primary container ended, how long its log may take to reach its end.
  std::chrono::milliseconds log_drain_timeout{10'000};
  // When the Job has ended but the end of its pod has not been seen yet, how long to wait for it
  // (the two arrive on different watches) before the Job's condition alone decides.
  std::chrono::milliseconds status_settle_time{2'000};
  // Delay before a broken log stream is reopened.
  std::chrono::milliseconds log_retry_delay{1'000};
};

class KubernetesExecutor final : public Executor {
 public:
  // Loads the configuration; throws Error(kInvalidArgument) when it cannot be used.
  KubernetesExecutor(boost::asio::io_context& io, const KubernetesOptions& options);
  // With a configuration given directly (tests).
  KubernetesExecutor(boost::asio::io_context& io, KubernetesOptions options, KubeConfig config);
  ~KubernetesExecutor() override;

  void Launch(const TrialJob& job, JobCallbacks callbacks) override;
  void Adopt(const TrialJob& job, const std::string& identity, JobCallbacks callbacks) override;
  void Kill(std::string_view trial) override;
  void KillAllNow() override;
  size_t running() const override;
  // Jobs whose pod has not been seen running yet (not created yet, or pending).
  size_t waiting() const override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tuneup
