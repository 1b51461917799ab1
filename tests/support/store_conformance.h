// The Store conformance suite: every guarantee of db/store.h, written once and run against each
// Store implementation. A backend joins by instantiating the suite with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(StoreBackend{"Sqlite", MakeMyFactory}),
//                            StoreBackendName);
//
// The cases live in this static test-support library; StoreBackendName is defined next to them,
// so naming it in the instantiation is also what links them into the test binary.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "common/error.h"
#include "db/store.h"

namespace tuneup::testing {

// Opens stores of one implementation. Each test case gets its own factory.
class StoreFactory {
 public:
  virtual ~StoreFactory();
  virtual std::string name() const = 0;
  // A fresh, empty store.
  virtual std::unique_ptr<Store> Open() = 0;
  // Another connection to the store the last Open() made (which may be open or closed by now).
  virtual std::unique_ptr<Store> Reopen() = 0;
};

// One backend under test.
struct StoreBackend {
  std::string name;  // the instantiation's name suffix: letters, digits and underscores
  std::function<std::unique_ptr<StoreFactory>()> make;
};

void PrintTo(const StoreBackend& backend, std::ostream* out);
std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info);

// A valid experiment named `name`, as the controller stores it, for backend-specific tests.
ExperimentRecord ConformanceExperiment(const std::string& name);
// A pending trial of `experiment`, as the runner creates it.
Trial ConformanceTrial(const std::string& experiment, const std::string& name, int64_t sequence);

class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;

  Store& store() { return *store_; }

  std::unique_ptr<StoreFactory> factory_;
  std::unique_ptr<Store> store_;  // from factory_->Open()
};

// Whether `action` throws tuneup::Error with `code`; the failure says what it did instead. The
// error's message goes to `message` when given. Inline so that a test using only this does not
// link the conformance cases (gtest would then report them as never instantiated).
inline ::testing::AssertionResult ThrowsError(const std::function<void()>& action, ErrorCode code,
                                              std::string* message = nullptr) {
  try {
    action();
  } catch (const Error& e) {
    if (message) *message = e.what();
    if (e.code() == code) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "threw a \"" << ErrorCodeName(e.code()) << "\" error instead of \""
           << ErrorCodeName(code) << "\": " << e.what();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-tuneup exception instead of a \""
                                         << ErrorCodeName(code) << "\" error: " << e.what();
  }
  return ::testing::AssertionFailure()
         << "threw nothing; expected a \"" << ErrorCodeName(code) << "\" error";
}

}  // namespace tuneup::testing
