// The Store conformance suite (tests/support/store_conformance.h) run against SqliteStore, both
// constructed directly and through OpenStore("sqlite:PATH").
#include <gtest/gtest.h>

#include "tests/support/sqlite_factory.h"
#include "tests/support/store_conformance.h"

namespace tuneup::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(SqliteBackend(false), SqliteBackend(true)),
                         StoreBackendName);

}  // namespace
}  // namespace tuneup::testing
