#include "tests/support/sqlite_factory.h"

#include <memory>
#include <string>

#include "db/sqlite_store.h"
#include "tests/support/test_support.h"

namespace tuneup::testing {

namespace {

// Each Open() makes a new database file in the factory's own temporary directory.
class SqliteStoreFactory final : public StoreFactory {
 public:
  explicit SqliteStoreFactory(bool via_open_store) : via_open_store_(via_open_store) {}

  std::string name() const override { return via_open_store_ ? "SqliteViaOpenStore" : "Sqlite"; }
  std::unique_ptr<Store> Open() override {
    path_ = dir_.Join("store-" + std::to_string(++opened_) + ".db");
    return Reopen();
  }
  std::unique_ptr<Store> Reopen() override {
    if (via_open_store_) return OpenStore("sqlite:" + path_);
    return std::make_unique<SqliteStore>(path_);
  }

 private:
  bool via_open_store_;
  TempDir dir_;
  std::string path_;
  int opened_ = 0;
};

}  // namespace

StoreBackend SqliteBackend(bool via_open_store) {
  return {
      via_open_store ? "SqliteViaOpenStore" : "Sqlite", [via_open_store] {
        return std::unique_ptr<StoreFactory>(std::make_unique<SqliteStoreFactory>(via_open_store));
      }};
}

}  // namespace tuneup::testing
