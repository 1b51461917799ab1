#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/kubernetes_executor.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "controller/kube_client.h"
#include "controller/kube_watch.h"

namespace tuneup {

namespace asio = boost::asio;

namespace {

std::string JobsPath(const std::string& ns) {
  return "/apis/batch/v1/namespaces/" + UrlEncode(ns) + "/jobs";
}

std::string PodsPath(const std::string& ns) {
  return "/api/v1/namespaces/" + UrlEncode(ns) + "/pods";
}

std::string DeletePath(const std::string& ns, const std::string& name) {
  return JobsPath(ns) + "/" + UrlEncode(name) + "?propagationPolicy=Background";
}

std::string DeleteBody() {
  return R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"})";
}

JobResult Result(JobResult::Kind kind, std::string message, int exit_code = -1) {
  JobResult result;
  result.kind = kind;
  result.exit_code = exit_code;
  result.message = std::move(message);
  return result;
}

}  // namespace

// One trial's Job, from Launch (or Adopt) to on_exit.
struct Tracked {
  explicit Tracked(asio::io_context& io) : drain_timer(io), log_timer(io), settle_timer(io) {}

  enum class Phase {
    kHeld,       // waiting for release (on_created)
    kCreating,   // POST (or, for Adopt, GET) in flight
    kFollowing,  // the Job exists: following its status
    kDone,       // on_exit called
  };
  std::string trial;
  int attempt = 0;
  std::string ns;
  std::string name;
  std::string container;
  std::string uid;  // the Job's metadata.uid, once known
  std::string priority_class;
  int backoff_limit = 0;
  JobCallbacks callbacks;
  Json manifest;
  Phase phase = Phase::kHeld;
  bool watching = false;  // counted among its namespace's users
  bool kill_requested = false;
  bool job_seen = false;  // the Job was seen in the watch
  // The pod whose log is followed (the newest of the Job), and how much of its log was given to
  // on_output (a reopened stream skips that much).
  std::string pod;
  bool pod_alive = false;  // last seen neither ended nor with its container terminated
  bool started = false;    // a pod of the Job was seen running or ended
  uint64_t delivered = 0;
  uint64_t stream_offset = 0;
  std::shared_ptr<KubeStream> log;
  bool log_ended_cleanly = false;
  std::optional<JobResult> result;  // decided; reported when the log has been read
  asio::steady_timer drain_timer;
  asio::steady_timer log_timer;
  // The Job has ended but its pod's end has not been seen yet: waiting for it (settle_timer).
  bool settling = false;
  bool settled = false;
  asio::steady_timer settle_timer;
};

struct KubernetesExecutor::Impl : std::enable_shared_from_this<KubernetesExecutor::Impl> {
  Impl(asio::io_context& io_context, KubernetesOptions opts, KubeConfig config)
      : io(io_context),
        options(std::move(opts)),
        client(std::make_unique<KubeClient>(io_context, std::move(config), options.client)),
        random(std::random_device{}()) {}

  struct Namespace {
    std::unique_ptr<KubeWatch> jobs;
    std::unique_ptr<KubeWatch> pods;
    size_t users = 0;
  };

  asio::io_context& io;
  KubernetesOptions options;
  std::unique_ptr<KubeClient> client;
  std::mt19937_64 random;
  std::map<std::string, std::shared_ptr<Tracked>, std::less<>> jobs;  // by trial
  std::map<std::string, Namespace> namespaces;
  // PriorityClass name -> "" when it exists (or cannot be checked), else why it cannot be used.
  std::map<std::string, std::string> classes_checked;

  std::string LaunchId() {
    char id[40];
    std::snprintf(id, sizeof(id), "%016llx%016llx", static_cast<unsigned long long>(random()),
                  static_cast<unsigned long long>(random()));
    return id;
  }

  // --- namespaces and their watches ---

  void Watch(Tracked& t) {
    if (t.watching) return;
    t.watching = true;
    Namespace& ns = namespaces[t.ns];
    if (ns.users++ > 0) return;
    const std::string name = t.ns;
    auto handlers = [weak = weak_from_this(), name] {
      KubeWatch::Handlers h;
      h.on_event = [weak, name](const std::string&, const Json&) {
        if (auto self = weak.lock()) self->EvaluateNamespace(name);
      };
      h.on_synced = [weak, name] {
        if (auto self = weak.lock()) self->EvaluateNamespace(name);
      };
      h.on_error = [weak, name](const std::string& message, int status) {
        if (status != 401 && status != 403 && status != 404) return;  // retried
        if (auto self = weak.lock()) self->FailNamespace(name, message);
      };
      return h;
    };
    ns.jobs = std::make_unique<KubeWatch>(*client, JobsPath(t.ns), kAttemptLabel, handlers());
    ns.pods = std::make_unique<KubeWatch>(*client, PodsPath(t.ns), kAttemptLabel, handlers());
    ns.jobs->Start();
    ns.pods->Start();
  }

  void Unwatch(Tracked& t) {
    if (!t.watching) return;
    t.watching = false;
    auto it = namespaces.find(t.ns);
    if (it == namespaces.end() || --it->second.users > 0) return;
    it->second.jobs->Stop();
    it->second.pods->Stop();
    // Destroyed later: this may run inside one of their own callbacks.
    asio::post(io, [jobs = std::shared_ptr<KubeWatch>(std::move(it->second.jobs)),
                    pods = std::shared_ptr<KubeWatch>(std::move(it->second.pods))] {});
    namespaces.erase(it);
  }

  // The Jobs of `ns` cannot be followed (the credentials may not list them): rather than wait
  // forever, every job there fails, and its Job is deleted.
  void FailNamespace(const std::string& ns, const std::string& message) {
    std::vector<std::shared_ptr<Tracked>> in_ns;
    for (auto& [trial, t] : jobs) {
      if (t->ns == ns && t->phase == Tracked::Phase::kFollowing) in_ns.push_back(t);
    }
    for (auto& t : in_ns) {
      DeleteAndReport(t, Result(JobResult::Kind::kLaunchFailed,
                                "cannot follow Job " + t->ns + "/" + t->name + ": " + message));
    }
  }

  void EvaluateNamespace(const std::string& ns) {
    std::vector<std::shared_ptr<Tracked>> in_ns;
    for (auto& [trial, t] : jobs) {
      if (t->ns == ns) in_ns.push_back(t);
    }
    for (auto& t : in_ns)
      Evaluate(t);
  }

  // --- launching ---

  void Report(const std::shared_ptr<Tracked>& t, const JobResult& result) {
    if (t->phase == Tracked::Phase::kDone) return;
    t->phase = Tracked::Phase::kDone;
    t->drain_timer.cancel();
    t->log_timer.cancel();
    t->settle_timer.cancel();
    if (t->log) t->log->Cancel();
    t->log.reset();
    auto it = jobs.find(t->trial);
    if (it != jobs.end() && it->second == t) jobs.erase(it);
    Unwatch(*t);
    if (t->callbacks.on_exit) t->callbacks.on_exit(result);
  }

  void ReportLater(const std::shared_ptr<Tracked>& t, JobResult result) {
    asio::post(io, [weak = weak_from_this(), t, result = std::move(result)] {
      if (auto self = weak.lock()) self->Report(t, result);
    });
  }

  void Launch(const TrialJob& job, JobCallbacks callbacks) {
    auto t = std::make_shared<Tracked>(io);
    t->trial = job.trial;
    t->attempt = job.attempt;
    t->callbacks = std::move(callbacks);
    if (jobs.count(job.trial)) {
      ReportLater(
          t, Result(JobResult::Kind::kLaunchFailed, "trial " + job.trial + " is already running"));
      return;
    }
    KubernetesManifest manifest = BuildKubernetesJob(job, options.job, LaunchId());
    if (!manifest.error.empty()) {
      ReportLater(t, Result(JobResult::Kind::kLaunchFailed, manifest.error));
      return;
    }
    t->ns = manifest.namespace_;
    t->name = manifest.name;
    t->container = manifest.container;
    t->priority_class = manifest.priority_class;
    t->backoff_limit = manifest.job["spec"].value("backoffLimit", 0);
    t->manifest = std::move(manifest.job);
    jobs[t->trial] = t;
    if (!t->callbacks.on_created) {
      Release(t);
      return;
    }
    asio::post(io, [weak = weak_from_this(), t] {
      auto self = weak.lock();
      if (!self || t->phase != Tracked::Phase::kHeld) return;
      t->callbacks.on_created(t->ns + "/" + t->name, [weak, t] {
        if (auto self = weak.lock()) self->Release(t);
      });
    });
  }

  void Release(const std::shared_ptr<Tracked>& t) {
    if (t->phase != Tracked::Phase::kHeld) return;
    t->phase = Tracked::Phase::kCreating;
    if (t->priority_class.empty()) {
      Create(t);
      return;
    }
    auto checked = classes_checked.find(t->priority_class);
    if (checked != classes_checked.end()) {
      if (checked->second.empty()) {
        Create(t);
      } else {
        Report(t, Result(JobResult::Kind::kLaunchFailed, checked->second));
      }
      return;
    }
    client->Request(
        "GET", "/apis/scheduling.k8s.io/v1/priorityclasses/" + UrlEncode(t->priority_class), "",
        [weak = weak_from_this(), t](const KubeResponse& response) {
          auto self = weak.lock();
          if (!self || t->phase != Tracked::Phase::kCreating) return;
          std::string problem;
          if (response.status == 404) {
            problem = "PriorityClass \"" + t->priority_class +
                      "\" does not exist in the cluster: create it (kubectl create priorityclass " +
                      t->priority_class +
                      " --value=-100) or name another with --kube-priority-class-low/-high";
          }
          // Anything else (even 403: reading classes may not be allowed) lets the create decide.
          self->classes_checked[t->priority_class] = problem;
          if (problem.empty()) {
            self->Create(t);
          } else {
            self->Report(t, Result(JobResult::Kind::kLaunchFailed, problem));
          }
        });
  }

  void Create(const std::shared_ptr<Tracked>& t) {
    if (t->kill_requested) {
      Report(t, Result(JobResult::Kind::kKilled, "stopped before its Job was created"));
      return;
    }
    Watch(*t);  // before the create, so that no event of the new Job can be missed
    client->Request("POST", JobsPath(t->ns), t->manifest.dump(),
                    [weak = weak_from_this(), t](const KubeResponse& response) {
                      if (auto self = weak.lock()) self->OnCreated(t, response);
                    });
  }

  void OnCreated(const std::shared_ptr<Tracked>& t, const KubeResponse& response) {
    if (t->phase != Tracked::Phase::kCreating) return;
    if (response.status == 409) {
      // Ours if an earlier attempt of this POST got through; otherwise a leftover.
      client->Request("GET", JobsPath(t->ns) + "/" + UrlEncode(t->name), "",
                      [weak = weak_from_this(), t](const KubeResponse& existing) {
                        auto self = weak.lock();
                        if (!self || t->phase != Tracked::Phase::kCreating) return;
                        Json job = existing.json();
                        const std::string mine =
                            StringAt(t->manifest, {"metadata", "annotations", kLaunchIdAnnotation});
                        if (existing.ok() && StringAt(job, {"metadata", "annotations",
                                                            kLaunchIdAnnotation}) == mine) {
                          self->Follow(t, job);
                          return;
                        }
                        self->Report(t, Result(JobResult::Kind::kLaunchFailed,
                                               "a Job named " + t->name +
                                                   " already exists in namespace " + t->ns +
                                                   " (left from an earlier run with the same trial "
                                                   "names?): delete it, or rename the experiment"));
                      });
      return;
    }
    if (!response.ok()) {
      Report(t, Result(JobResult::Kind::kLaunchFailed,
                       "cannot create the Job: " + response.Describe()));
      return;
    }
    Follow(t, response.json());
  }

  // The Job exists (`job` as the API server returned it): follow it from now on.
  void Follow(const std::shared_ptr<Tracked>& t, const Json& job) {
    t->phase = Tracked::Phase::kFollowing;
    t->uid = StringAt(job, {"metadata", "uid"});
    if (t->kill_requested) {
      DeleteAndReport(t, Result(JobResult::Kind::kKilled, "stopped"));
      return;
    }
    Evaluate(t);
  }

  // --- following ---

  Namespace* NamespaceOf(const Tracked& t) {
    auto it = namespaces.find(t.ns);
    return it == namespaces.end() ? nullptr : &it->second;
  }

  void Evaluate(const std::shared_ptr<Tracked>& t) {
    if (t->phase != Tracked::Phase::kFollowing || t->kill_requested || t->result) return;
    Namespace* ns = NamespaceOf(*t);
    if (ns == nullptr || !ns->jobs->synced() || !ns->pods->synced()) return;
    const auto& job_objects = ns->jobs->objects();
    auto job_it = job_objects.find(t->name);
    const Json* job =
        job_it != job_objects.end() && StringAt(job_it->second, {"metadata", "uid"}) == t->uid
            ? &job_it->second
            : nullptr;
    if (job == nullptr) {
      if (t->job_seen) {
        Decide(t,
               Result(JobResult::Kind::kKilled,
                      "Job " + t->ns + "/" + t->name + " was deleted outside tuneup"),
               false);
      }
      return;  // else created, but not yet seen by the watch
    }
    t->job_seen = true;

    // The Job's pods, newest last.
    std::vector<const Json*> pods;
    for (const auto& [name, pod] : ns->pods->objects()) {
      if (PodOwnedBy(pod, t->uid)) pods.push_back(&pod);
    }
    std::sort(pods.begin(), pods.end(), [](const Json* a, const Json* b) {
      return std::make_pair(StringAt(*a, {"metadata", "creationTimestamp"}),
                            StringAt(*a, {"metadata", "name"})) <
             std::make_pair(StringAt(*b, {"metadata", "creationTimestamp"}),
                            StringAt(*b, {"metadata", "name"}));
    });
    for (const Json* pod : pods) {
      if (std::optional<JobResult> taken = PodTakenAway(*pod)) {
        DeleteAndReport(t, *taken);
        return;
      }
    }
    std::string reason;
    std::string message;
    const bool complete = ConditionStatus(*job, "Complete") == "True";
    const bool failed = ConditionStatus(*job, "Failed", &reason, &message) == "True";
    const bool followed_present = std::any_of(pods.begin(), pods.end(), [&](const Json* pod) {
      return StringAt(*pod, {"metadata", "name"}) == t->pod;
    });
    // The pod vanished while it ran, and not because its Job ended (a Job past its deadline
    // deletes its pods): someone took it away, even if the Job controller already replaced it.
    if (!t->pod.empty() && !followed_present && t->pod_alive && !complete && !failed) {
      DeleteAndReport(
          t, Result(JobResult::Kind::kPreempted, "pod " + t->pod + " was deleted before it ended"));
      return;
    }
    const Json* newest = pods.empty() ? nullptr : pods.back();
    if (newest != nullptr && StringAt(*newest, {"metadata", "name"}) != t->pod) {
      SwitchPod(t, StringAt(*newest, {"metadata", "name"}));
    }
    if (complete || failed) {
      // The pod's own end says more (its exit code and log); its update, even its creation, may
      // trail the Job's on the other watch, so it is given a moment to arrive.
      if (newest != nullptr) {
        EvaluatePod(t, *newest, /*job_ended=*/true);
        if (t->result || t->phase != Tracked::Phase::kFollowing) return;
      }
      if (!t->settled) {
        WaitToSettle(t);
        return;
      }
      Decide(t,
             Result(JobResult::Kind::kExited,
                    complete ? "Job complete"
                             : "Job failed" + (reason.empty() ? "" : ": " + reason) +
                                   (message.empty() ? "" : ": " + message),
                    complete ? 0 : -1),
             true);
      return;
    }
    if (newest != nullptr) EvaluatePod(t, *newest, /*job_ended=*/false);
  }

  void WaitToSettle(const std::shared_ptr<Tracked>& t) {
    if (t->settling) return;
    t->settling = true;
    t->settle_timer.expires_after(options.status_settle_time);
    t->settle_timer.async_wait([weak = weak_from_this(), t](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      t->settled = true;
      self->Evaluate(t);
    });
  }

  void SwitchPod(const std::shared_ptr<Tracked>& t, const std::string& pod) {
    if (t->log) t->log->Cancel();
    t->log.reset();
    t->log_timer.cancel();
    t->pod = pod;
    t->pod_alive = false;
    t->delivered = 0;
    t->log_ended_cleanly = false;
  }

  void EvaluatePod(const std::shared_ptr<Tracked>& t, const Json& pod, bool job_ended) {
    const std::string phase = StringAt(pod, {"status", "phase"});
    ContainerState state = PrimaryContainerState(pod, t->container);
    const bool pod_ended = phase == "Succeeded" || phase == "Failed";
    t->pod_alive = !pod_ended && state.state != "terminated";
    if (phase == "Running" || pod_ended) t->started = true;
    if ((phase == "Running" || pod_ended || !state.state.empty()) && !t->log) StartLog(t);
    if (state.waiting_reason == "InvalidImageName" || state.waiting_reason == "ErrImageNeverPull") {
      DeleteAndReport(t, Result(JobResult::Kind::kLaunchFailed,
                                "container " + t->container + " cannot start: " +
                                    state.waiting_reason + ": " + state.message));
      return;
    }
    if (state.state == "terminated") {
      // A failed container with retries left in the Job: a new pod follows.
      if (state.exit_code != 0 && t->backoff_limit > 0 && !job_ended) return;
      Decide(t, Result(JobResult::Kind::kExited, state.message, state.exit_code), true);
    } else if (pod_ended) {
      if (phase == "Failed" && t->backoff_limit > 0 && !job_ended) return;
      const std::string reason = StringAt(pod, {"status", "reason"});
      Decide(t,
             Result(JobResult::Kind::kExited,
                    "pod " + phase + (reason.empty() ? "" : " (" + reason + ")"),
                    phase == "Succeeded" ? 0 : -1),
             true);
    }
  }

  // The job's end is known: report it, after its log has been read to the end when `drain`.
  void Decide(const std::shared_ptr<Tracked>& t, JobResult result, bool drain) {
    if (t->result) return;
    t->result = std::move(result);
    if (!drain || t->pod.empty()) {
      Report(t, *t->result);
      return;
    }
    // A stream still open ends when the log does; otherwise one more read gets the rest.
    if (!t->log) StartLog(t);
    t->drain_timer.expires_after(options.log_drain_timeout);
    t->drain_timer.async_wait([weak = weak_from_this(), t](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || t->phase == Tracked::Phase::kDone) return;
      JobResult result = *t->result;
      result.message += " (its log did not reach its end in time)";
      self->Report(t, result);
    });
  }

  void DeleteAndReport(const std::shared_ptr<Tracked>& t, const JobResult& result) {
    t->result = result;
    client->Request("DELETE", DeletePath(t->ns, t->name), DeleteBody(), [](const KubeResponse&) {});
    Report(t, result);
  }

  // --- logs ---

  void StartLog(const std::shared_ptr<Tracked>& t) {
    if (t->pod.empty() || t->log || t->phase == Tracked::Phase::kDone) return;
    t->stream_offset = 0;
    t->log_ended_cleanly = false;
    std::string path = PodsPath(t->ns) + "/" + UrlEncode(t->pod) + "/log?follow=true";
    if (!t->container.empty()) path += "&container=" + UrlEncode(t->container);
    const std::string pod = t->pod;
    t->log = client->Stream(
        path,
        [weak = weak_from_this(), t, pod](std::string_view bytes) {
          auto self = weak.lock();
          if (!self || t->pod != pod || t->phase == Tracked::Phase::kDone) return;
          // A reopened stream starts from the beginning: skip what was delivered.
          const uint64_t end = t->stream_offset + bytes.size();
          if (end > t->delivered) {
            std::string_view fresh =
                bytes.substr(t->delivered > t->stream_offset ? t->delivered - t->stream_offset : 0);
            t->delivered = end;
            if (t->callbacks.on_output) t->callbacks.on_output(OutputStream::kStdout, fresh);
          }
          t->stream_offset = end;
        },
        [weak = weak_from_this(), t, pod](const KubeResponse& response) {
          auto self = weak.lock();
          if (!self || t->pod != pod || t->phase == Tracked::Phase::kDone) return;
          self->OnLogEnd(t, response);
        });
  }

  void OnLogEnd(const std::shared_ptr<Tracked>& t, const KubeResponse& response) {
    t->log.reset();
    t->log_ended_cleanly = response.ok();
    if (t->result) {
      // The container has ended: a clean end is the end of its log. A broken stream is read again
      // until the drain timeout.
      if (response.ok()) {
        Report(t, *t->result);
        return;
      }
    }
    // Still running (or the log could not be read yet): read again after a pause.
    t->log_timer.expires_after(options.log_retry_delay);
    t->log_timer.async_wait([weak = weak_from_this(), t](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->StartLog(t);
    });
  }

  // --- stopping ---

  void Kill(const std::shared_ptr<Tracked>& t) {
    if (t->kill_requested || t->result || t->phase == Tracked::Phase::kDone) return;
    t->kill_requested = true;
    switch (t->phase) {
      case Tracked::Phase::kHeld:
        ReportLater(t, Result(JobResult::Kind::kKilled, "stopped before its Job was created"));
        break;
      case Tracked::Phase::kCreating:
        break;  // OnCreated / Follow delete it
      case Tracked::Phase::kFollowing:
        client->Request("DELETE", DeletePath(t->ns, t->name), DeleteBody(),
                        [weak = weak_from_this(), t](const KubeResponse& response) {
                          auto self = weak.lock();
                          if (!self) return;
                          std::string message = "stopped: Job " + t->ns + "/" + t->name;
                          if (response.ok() || response.status == 404) {
                            message += " deleted";
                          } else {
                            message += " could not be deleted: " + response.Describe();
                          }
                          self->Report(t, Result(JobResult::Kind::kKilled, message));
                        });
        break;
      case Tracked::Phase::kDone:
        break;
    }
  }

  // --- adopting ---

  void Adopt(const TrialJob& job, const std::string& identity, JobCallbacks callbacks) {
    auto t = std::make_shared<Tracked>(io);
    t->trial = job.trial;
    t->attempt = job.attempt;
    t->callbacks = std::move(callbacks);
    const size_t slash = identity.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == identity.size() ||
        identity.find('/', slash + 1) != std::string::npos) {
      ReportLater(t, Result(JobResult::Kind::kLaunchFailed,
                            "\"" + identity + "\" is not a Kubernetes Job (namespace/name)"));
      return;
    }
    if (jobs.count(job.trial)) {
      ReportLater(
          t, Result(JobResult::Kind::kLaunchFailed, "trial " + job.trial + " is already running"));
      return;
    }
    t->ns = identity.substr(0, slash);
    t->name = identity.substr(slash + 1);
    t->container = job.primary_container;
    t->phase = Tracked::Phase::kCreating;
    jobs[t->trial] = t;
    Watch(*t);
    client->Request(
        "GET", JobsPath(t->ns) + "/" + UrlEncode(t->name), "",
        [weak = weak_from_this(), t](const KubeResponse& response) {
          auto self = weak.lock();
          if (!self || t->phase != Tracked::Phase::kCreating) return;
          if (response.status == 404) {
            self->Report(t, Result(JobResult::Kind::kNeverStarted,
                                   "Job " + t->ns + "/" + t->name + " does not exist"));
            return;
          }
          Json job = response.json();
          if (!response.ok() || !job.is_object()) {
            self->Report(t, Result(JobResult::Kind::kLaunchFailed, "cannot adopt Job " + t->ns +
                                                                       "/" + t->name + ": " +
                                                                       response.Describe()));
            return;
          }
          if (StringAt(job, {"metadata", "labels", kKatibTrialLabel}) != t->trial) {
            self->Report(t, Result(JobResult::Kind::kLaunchFailed,
                                   "Job " + t->ns + "/" + t->name + " is not trial " + t->trial +
                                       "'s (label " + kKatibTrialLabel + ")"));
            return;
          }
          t->backoff_limit = job["spec"].value("backoffLimit", 0);
          if (t->container.empty() || !self->HasContainer(job, t->container)) {
            t->container = StringAt(job["spec"]["template"]["spec"]["containers"][0], {"name"});
          }
          if (job.contains("metadata") && !job["metadata"].contains("annotations")) {
            job["metadata"]["annotations"] = Json::object();
          }
          self->Follow(t, job);
        });
  }

  static bool HasContainer(const Json& job, const std::string& name) {
    const Json* containers = nullptr;
    try {
      containers = &job.at("spec").at("template").at("spec").at("containers");
    } catch (const Json::exception&) {
      return false;
    }
    return std::any_of(containers->begin(), containers->end(),
                       [&](const Json& c) { return StringAt(c, {"name"}) == name; });
  }
};

KubernetesExecutor::KubernetesExecutor(asio::io_context& io, const KubernetesOptions& options)
    : KubernetesExecutor(io, options, LoadKubeConfig(options.config)) {}

KubernetesExecutor::KubernetesExecutor(asio::io_context& io, KubernetesOptions options,
                                       KubeConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(config))) {}

KubernetesExecutor::~KubernetesExecutor() {
  for (auto& [trial, t] : impl_->jobs) {
    t->phase = Tracked::Phase::kDone;
    if (t->log) t->log->Cancel();
  }
  impl_->jobs.clear();
  for (auto& [name, ns] : impl_->namespaces) {
    ns.jobs->Stop();
    ns.pods->Stop();
  }
  impl_->client->CancelAll();
}

void KubernetesExecutor::Launch(const TrialJob& job, JobCallbacks callbacks) {
  impl_->Launch(job, std::move(callbacks));
}

void KubernetesExecutor::Adopt(const TrialJob& job, const std::string& identity,
                               JobCallbacks callbacks) {
  impl_->Adopt(job, identity, std::move(callbacks));
}

void KubernetesExecutor::Kill(std::string_view trial) {
  auto it = impl_->jobs.find(trial);
  if (it == impl_->jobs.end()) return;
  impl_->Kill(std::shared_ptr<Tracked>(it->second));
}

void KubernetesExecutor::KillAllNow() {
  std::vector<std::shared_ptr<Tracked>> all;
  for (auto& [trial, t] : impl_->jobs)
    all.push_back(t);
  for (auto& t : all)
    impl_->Kill(t);
}

size_t KubernetesExecutor::running() const {
  return impl_->jobs.size();
}

size_t KubernetesExecutor::waiting() const {
  return static_cast<size_t>(
      std::count_if(impl_->jobs.begin(), impl_->jobs.end(),
                    [](const auto& entry) { return !entry.second->started; }));
}

}  // namespace tuneup
