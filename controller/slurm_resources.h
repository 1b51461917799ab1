// A container's Kubernetes `resources` as a Slurm job's CPUs, memory and GPUs.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/experiment.h"

namespace tuneup {

struct SlurmResources {
  int64_t cpus = 0;       // --cpus-per-task; 0: not asked for
  int64_t memory_mb = 0;  // --mem, in Slurm's megabytes (MiB); 0: not asked for
  int64_t gpus = 0;       // --gres=gpu:N; 0: not asked for
  bool operator==(const SlurmResources&) const = default;
};

// Reads `resources` (a container's {limits, requests}; null or {} asks for nothing). For each of
// cpu, memory and nvidia.com/gpu the limit is used, else the request: cpu rounded up to whole
// CPUs (500m -> 1, 1.5 -> 2), memory rounded up to MiB (Ki Mi Gi Ti Pi Ei, k M G T P E,
// exponents and plain bytes, as Kubernetes quantities are written; 1G -> 954, 1Gi -> 1024),
// GPUs a whole number. Throws Error(kInvalidArgument) naming the field
// (resources.limits.memory: ...) when a value is not a quantity or is negative.
SlurmResources SlurmResourcesOf(const Json& resources);

// A Kubernetes quantity (`1.5Gi`, `500m`, `2e3`, `128974848`) divided by `unit` and rounded up;
// nullopt when `text` is not a non-negative quantity or the result does not fit.
std::optional<int64_t> QuantityCeil(std::string_view text, int64_t unit_numerator,
                                    int64_t unit_denominator = 1);

}  // namespace tuneup
