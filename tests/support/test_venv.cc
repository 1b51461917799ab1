#include "tests/support/test_venv.h"

#include <filesystem>

#include "tests/support/test_support.h"

namespace tuneup::testing {

TestVenv FindTestVenv() {
  const std::filesystem::path venv = TUNEUP_TEST_VENV;
  TestVenv found;
  if (std::filesystem::exists(venv / "UNAVAILABLE")) {
    found.unavailable = ReadFile((venv / "UNAVAILABLE").string());
  } else if (std::filesystem::exists(venv / "requirements.stamp")) {
    found.python = (venv / "bin" / "python").string();
  } else {
    found.error = "no test virtualenv at " + venv.string() +
                  ": run the test with ctest, whose fixture test_venv makes it, or run "
                  "tests/support/test_venv.sh " +
                  venv.string() + " tests/requirements.txt";
  }
  return found;
}

}  // namespace tuneup::testing
