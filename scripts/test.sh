#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs ctest (unit,
# integration against MariaDB servers the tests start themselves, buf lint).
source "$(dirname "$0")/lib.sh"
ensure_packages
ensure_npm_tools
ensure_promtool
# --sanitize: the same suite built with AddressSanitizer and UBSan in
# build-asan; any memory error or undefined behaviour fails its test.
if [ "${1:-}" = "--sanitize" ]; then
  shift
  BUILD_DIR="${SALES_ASAN_BUILD_DIR:-$ROOT/build-asan}"
  # -O1: sanitizer reports stay exact and the build takes half the time.
  cmake -S "$ROOT" -B "$BUILD_DIR" -DSALES_SANITIZE=address,undefined -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" >/dev/null
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi
start=$(date +%s)
build
built=$(date +%s)
log "running tests"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$JOBS" "$@"
done_at=$(date +%s)
log "build $((built - start))s, tests $((done_at - built))s"
