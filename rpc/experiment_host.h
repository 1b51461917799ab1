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
};

}  // namespace tuneup
