// The SQLite schema, as numbered migrations.
#pragma once

#include "db/sqlite.h"

namespace tuneup {

// Brings the database up to schema version `target`, applying each missing migration in its own
// transaction and recording it in schema_migrations. Throws Error(kFailedPrecondition) when the
// database already has a version above `target` (written by a newer tuneup).
void ApplySqliteMigrations(sqlite::Connection& db, int target);

}  // namespace tuneup
