// Stores on the test suite's PostgreSQL 15, which the ctest fixture `postgres` starts
// (tests/support/postgres.sh) for the files named *postgres*: each test case gets a database of
// its own on it. Never skipped: without the server these fail.
#pragma once

#include <memory>
#include <string>

#include "tests/support/store_conformance.h"

namespace tuneup::testing {

class TempDir;

// The fixture's server: postgresql://postgres@127.0.0.1:PORT/postgres. Adds a test failure and
// returns "" when the fixture has not started it.
std::string PostgresServerUri();

// Each Open() creates a new database on the fixture's server; Reopen() connects to it again.
class PostgresStoreFactory final : public StoreFactory {
 public:
  // `via_open_store`: stores are made by OpenStore(uri) rather than by PostgresStore directly.
  explicit PostgresStoreFactory(bool via_open_store) : via_open_store_(via_open_store) {}

  std::string name() const override;
  std::unique_ptr<Store> Open() override;
  std::unique_ptr<Store> Reopen() override;
  // The database of the last Open().
  const std::string& uri() const { return uri_; }

 private:
  bool via_open_store_;
  std::string uri_;
};

// The backend of suites parameterized by StoreBackend (the conformance suite and others).
StoreBackend PostgresBackend(bool via_open_store);

// A PostgreSQL server of the test's own (tests/support/postgres.sh in a temporary directory),
// for outage tests that stop and start it. Stopped and removed on destruction.
class PrivatePostgres {
 public:
  // Starts the server; started() says whether that worked.
  PrivatePostgres();
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  bool started() const { return !uri_.empty(); }
  const std::string& uri() const { return uri_; }
  // Stops the server, keeping its data; Up() starts it again on the same port. True on success.
  bool Down() { return Run("down"); }
  bool Up() { return Run("up"); }

 private:
  bool Run(const std::string& action);

  std::unique_ptr<TempDir> dir_;
  std::string uri_;
};

}  // namespace tuneup::testing
