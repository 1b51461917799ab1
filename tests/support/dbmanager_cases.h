// The DBManager suite: Katib's DBManager service (rpc/dbmanager_service.h) over a real socket on
// 127.0.0.1, written once and run against each Store backend, as the store conformance suite is:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, DbManagerTest, ::testing::Values(SqliteBackend(false)),
//                            StoreBackendName);
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "rpc/server.h"
#include "tests/support/rpc_client.h"
#include "tests/support/store_conformance.h"

namespace tuneup::testing {

// Stores experiment `experiment` with `trials` pending trials, "<experiment>-0",
// "<experiment>-1"...
void CreateExperimentWithTrials(Store& store, const std::string& experiment, int trials);

// Starts a server for `store` on 127.0.0.1, at a free port.
std::unique_ptr<RpcServer> StartOnFreePort(Store& store, RpcServerOptions options = {});

// Each case gets a fresh store holding experiment "dbm" with trials dbm-0 ... dbm-3 (attempt 0),
// a server for it on a free port, and a client.
class DbManagerTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Store& store() { return *store_; }
  RpcServer& server() { return *server_; }
  RpcClient& client() { return *client_; }

  std::unique_ptr<StoreFactory> factory_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RpcServer> server_;
  std::unique_ptr<RpcClient> client_;
};

}  // namespace tuneup::testing
