#include "tests/support/postgres_factory.h"

#include <unistd.h>

#include <pqxx/pqxx>

#include <cstdlib>

#include "db/postgres_store.h"
#include "tests/support/test_support.h"

namespace tuneup::testing {

std::string PostgresServerUri() {
  std::string uri = ReadFile(std::string(TUNEUP_TEST_POSTGRES_DIR) + "/uri");
  while (!uri.empty() && (uri.back() == '\n' || uri.back() == ' '))
    uri.pop_back();
  if (uri.empty()) {
    ADD_FAILURE() << "no PostgreSQL: " << TUNEUP_TEST_POSTGRES_DIR
                  << "/uri is missing (the ctest fixture `postgres` starts the server)";
  }
  return uri;
}

std::string PostgresStoreFactory::name() const {
  return via_open_store_ ? "PostgresViaOpenStore" : "Postgres";
}

std::unique_ptr<Store> PostgresStoreFactory::Open() {
  static int opened = 0;
  const std::string server = PostgresServerUri();
  const std::string database =
      "conformance_" + std::to_string(::getpid()) + "_" + std::to_string(++opened);
  pqxx::connection admin(server);
  pqxx::nontransaction(admin).exec("CREATE DATABASE " + database);
  uri_ = server.substr(0, server.rfind('/') + 1) + database;
  return Reopen();
}

std::unique_ptr<Store> PostgresStoreFactory::Reopen() {
  if (via_open_store_) return OpenStore(uri_);
  return std::make_unique<PostgresStore>(uri_);
}

StoreBackend PostgresBackend(bool via_open_store) {
  return {via_open_store ? "PostgresViaOpenStore" : "Postgres",
          [via_open_store] { return std::make_unique<PostgresStoreFactory>(via_open_store); }};
}

PrivatePostgres::PrivatePostgres() : dir_(std::make_unique<TempDir>()) {
  if (!Run("start")) return;
  uri_ = ReadFile(dir_->Join("pg/uri"));
  uri_ = uri_.substr(0, uri_.find('\n'));
}

PrivatePostgres::~PrivatePostgres() {
  Run("stop");
}

bool PrivatePostgres::Run(const std::string& action) {
  const std::string command = "sh " + SourcePath("tests/support/postgres.sh") + " " + action + " " +
                              dir_->Join("pg") + " >/dev/null";
  return std::system(command.c_str()) == 0;
}

}  // namespace tuneup::testing
