// The test suite's Python virtualenv, for the tests that drive Python programs (files named
// *_py_test.cc): <build>/test-venv, made from tests/requirements.txt by the ctest fixture
// test_venv (tests/support/test_venv.sh) before those tests run.
#pragma once

#include <string>

namespace tuneup::testing {

struct TestVenv {
  std::string python;       // the venv's interpreter, when the venv is ready
  std::string unavailable;  // pip's error, when the package index could not be reached: skip
  std::string error;        // what is wrong otherwise (no venv at all): fail
};

TestVenv FindTestVenv();

}  // namespace tuneup::testing
