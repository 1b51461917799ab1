// What runs experiments submitted through tuneup's management API (rpc/manager_service.h):
// `tuneup serve` implements it. Kept apart from the service so that its implementer needs no
// generated gRPC code.
#pragma once

#include <string>

namespace tuneup {

// What runs submitted experiments (`tuneup serve`). Called from gRPC's threads.
class ExperimentHost {
 public:
  virtual ~ExperimentHost() = default;

  struct Submitted {
    std::string name;
    bool created = false;  // false: already stored with this spec (nothing changed)
  };
  // Validates the manifest (one Experiment, YAML or JSON) as `tuneup validate` does, stores it
  // and starts running it. Throws Error: kInvalidArgument listing every problem,
  // kFailedPrecondition when it is valid but cannot run here, kAlreadyExists naming the
  // differences when its name is stored with another spec.
  virtual Submitted Submit(const std::string& manifest) = 0;

  // Ends the experiment now, as a user asks (`tuneup stop`): its running trials are stopped and
  // end Killed, no new trial starts, and the experiment ends Succeeded with reason
  // ExperimentStopped (Katib has no such request; its trials would count as run). Stopping a
  // finished experiment changes nothing. Throws Error kNotFound for an unknown name.
  virtual void Stop(const std::string& name) = 0;

  // Stops the experiment if it runs, then removes it, its trials and their observations from the
  // store (as deleting a Katib Experiment deletes its Trials). Files under the work directory are
  // left. Throws Error kNotFound for an unknown name.
  virtual void Delete(const std::string& name) = 0;
};

}  // namespace tuneup
