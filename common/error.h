// Errors at tuneup's boundaries.
//
// One convention everywhere: a failure that the caller cannot ignore is thrown as a tuneup::Error,
// which carries a code (what kind of failure) and a message with enough context to act on
// ("sqlite: UPDATE trials: database is locked", "manifest.yaml:12:3: mapping values are not
// allowed here"). Validation is different: it reports every problem at once as a list of
// FieldError values, each naming the field path (`spec.parameters[2].feasibleSpace.max`).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tuneup {

enum class ErrorCode {
  kInvalidArgument,     // bad input from outside: a manifest, a setting, a request
  kNotFound,            // a named experiment or trial does not exist
  kAlreadyExists,       // a name is taken
  kFailedPrecondition,  // the request conflicts with stored state (e.g. a different spec)
  kUnsupported,         // valid, but tuneup does not run it (yet)
  kUnavailable,         // a dependency (database, executor) cannot be reached right now
  kIo,                  // a file or process operation failed
  kInternal,            // a broken invariant: a bug in tuneup
};

std::string_view ErrorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// One problem in an input document, located by its field path.
struct FieldError {
  std::string path;     // e.g. "spec.parameters[2].feasibleSpace.max"; "" for the whole document
  std::string message;  // what is wrong, in words a user can act on

  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
  bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

// Every error's ToString(), joined by "; ": the one-line message of an error carried in a status.
std::string JoinFieldErrors(const FieldErrors& errors);

// "a.b" + "c" -> "a.b.c"; "a" + 2 -> "a[2]". Paths are built as they are in Kubernetes messages.
std::string ChildPath(std::string_view parent, std::string_view field);
std::string IndexPath(std::string_view parent, size_t index);

}  // namespace tuneup
