#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs ctest (unit,
# integration against MariaDB servers the tests start themselves, buf lint).
source "$(dirname "$0")/lib.sh"
ensure_packages
ensure_npm_tools
start=$(date +%s)
build
built=$(date +%s)
log "running tests"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$JOBS" "$@"
done_at=$(date +%s)
log "build $((built - start))s, tests $((done_at - built))s"
