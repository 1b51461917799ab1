// The PostgreSQL schema of PostgresStore and its versioned migrations.
#pragma once

#include <pqxx/pqxx>

namespace tuneup {

// Brings the database of `connection` to schema version `target`: each missing migration is
// applied in its own transaction and recorded in schema_migrations; concurrent callers are
// serialised by an advisory lock. Throws Error(kFailedPrecondition) when the database has a
// newer schema than this build knows.
void ApplyPostgresMigrations(pqxx::connection& connection, int target);

}  // namespace tuneup
