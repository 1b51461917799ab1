// Stores in SQLite files under a throwaway directory, for suites parameterized by StoreBackend.
#pragma once

#include "tests/support/store_conformance.h"

namespace tuneup::testing {

// `via_open_store`: stores are made by OpenStore("sqlite:PATH") rather than by SqliteStore.
StoreBackend SqliteBackend(bool via_open_store);

}  // namespace tuneup::testing
