#!/bin/sh
# Makes the test suite's Python virtualenv: test_venv.sh VENV REQUIREMENTS
#
# Run by ctest as the setup of the fixture test_venv, which the tests that drive Python programs
# require (tests/*_py_test.cc). Quick when there is nothing to do: VENV is left alone when it was
# made from the same requirements by the same interpreter (/usr/bin/python3, or
# $TUNEUP_TEST_PYTHON). When pip cannot reach the package index, pip's error is written to
# VENV/UNAVAILABLE and the script succeeds, so that the tests skip and say why; any other
# failure fails the fixture, and with it the tests.
set -eu
venv=$1
requirements=$2
python=${TUNEUP_TEST_PYTHON:-/usr/bin/python3}

stamp="$venv/requirements.stamp"
want="$("$python" --version 2>&1) $(sha256sum <"$requirements" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

rm -f "$stamp" "$venv/UNAVAILABLE"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
log="$venv/pip.log"
if "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --retries 2 \
  --timeout 30 -r "$requirements" >"$log" 2>&1; then
  echo "$want" >"$stamp"
  echo "test_venv: $venv is ready"
  exit 0
fi

# pip's words for a package index it cannot reach (rather than a package it cannot install).
if grep -qE 'NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|No route to host|ConnectTimeoutError|Read timed out|ProxyError|Max retries exceeded' "$log"; then
  {
    echo "the package index could not be reached to install $requirements; pip said:"
    grep -E 'ERROR|WARNING' "$log" | tail -n 5
  } >"$venv/UNAVAILABLE"
  cat "$venv/UNAVAILABLE" >&2
  exit 0
fi
echo "test_venv: pip could not install $requirements:" >&2
cat "$log" >&2
exit 1
