#include "db/store.h"

#include "common/error.h"
#include "db/sqlite_store.h"

namespace tuneup {

std::unique_ptr<Store> OpenStore(const std::string& location) {
  if (location.empty()) throw Error(ErrorCode::kInvalidArgument, "--db: empty database location");
  std::string path = location;
  if (path.rfind("sqlite:", 0) == 0) path = path.substr(7);
  if (location.find("://") != std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument,
                "--db " + location + ": unsupported database URI; give a SQLite file path");
  }
  // SQLite would take "" as a private temporary database, silently losing everything.
  if (path.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "--db " + location + ": no SQLite file path given");
  }
  return std::make_unique<SqliteStore>(path);
}

}  // namespace tuneup
