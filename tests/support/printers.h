// How GoogleTest prints the project's value types in failure messages (instead of their bytes).
#pragma once

#include <ostream>

#include "api/trial.h"

namespace tuneup {

inline void PrintTo(const ParameterAssignment& assignment, std::ostream* out) {
  *out << assignment.name << "=" << assignment.value;
}

}  // namespace tuneup
