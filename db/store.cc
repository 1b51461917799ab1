#include "db/store.h"

#include "common/error.h"
#include "db/postgres_store.h"
#include "db/sqlite_store.h"

namespace tuneup {

std::unique_ptr<Store> OpenStore(const std::string& location) {
  if (location.empty()) throw Error(ErrorCode::kInvalidArgument, "--db: empty database location");
  if (location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0) {
    return std::make_unique<PostgresStore>(location);
  }
  std::string path = location;
  if (path.rfind("sqlite:", 0) == 0) path = path.substr(7);
  if (location.find("://") != std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument,
                "--db " + location +
                    ": unsupported database URI; give a SQLite file path or a "
                    "postgresql:// URI");
  }
  // SQLite would take "" as a private temporary database, silently losing everything.
  if (path.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "--db " + location + ": no SQLite file path given");
  }
  return std::make_unique<SqliteStore>(path);
}

bool IsServerLocation(const std::string& location) {
  return location.find("://") != std::string::npos;
}

std::string RedactLocation(const std::string& location) {
  const size_t scheme = location.find("://");
  if (scheme == std::string::npos) return location;
  const size_t authority = scheme + 3;
  const size_t at = location.find('@', authority);
  const size_t slash = location.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return location;
  const size_t colon = location.find(':', authority);
  if (colon == std::string::npos || colon > at) return location;
  return location.substr(0, colon + 1) + "***" + location.substr(at);
}

}  // namespace tuneup
