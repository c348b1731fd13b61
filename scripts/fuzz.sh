#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz (JWT, principal, policy and globs,
# page tokens and dates, config values, salesctl's JSON, migration splitting).
# Configures and builds them with clang-14 (libFuzzer + ASan + UBSan, ccache)
# in their own folder, then runs each against its corpus tests/fuzz/corpus/<target>.
#
#   scripts/fuzz.sh                     every target for a few seconds (ctest: fuzz_short)
#   scripts/fuzz.sh --long [SECONDS]    every target for SECONDS each (default 600); what the
#                                       fuzzer learns is kept in <build>/corpus/<target>
#   scripts/fuzz.sh --merge             fold <build>/corpus into tests/fuzz/corpus (minimised)
#   options: --target NAME (repeatable) --build-dir DIR (default $SALES_FUZZ_BUILD_DIR or build/fuzz)
#
# A crash or broken property stops nothing else: every target runs, the
# script fails at the end naming the inputs in <build>/artifacts (replay one
# with: <build>/tests/fuzz/fuzz_<target> <artifact>).
source "$(dirname "$0")/lib.sh"

mode=short
seconds=5
targets=()
FUZZ_DIR="${SALES_FUZZ_BUILD_DIR:-$ROOT/build/fuzz}"
while [ $# -gt 0 ]; do
  case "$1" in
    --long) mode=long; seconds=600
            if [[ "${2:-}" =~ ^[0-9]+$ ]]; then seconds="$2"; shift; fi ;;
    --merge) mode=merge ;;
    --target) targets+=("$2"); shift ;;
    --build-dir) FUZZ_DIR="$2"; shift ;;
    *) die "unknown option '$1' (see the top of $0)" ;;
  esac
  shift
done

command -v clang++-14 >/dev/null || ensure_packages

# -g puts the build folder in the objects, which ccache hashes by default:
# without this no other folder (a fresh clone's build/fuzz) would hit.
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
start=$(date +%s)
log "building fuzz targets (clang-14, -j$JOBS) in $FUZZ_DIR"
cmake -S "$ROOT" -B "$FUZZ_DIR" -DSALES_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$FUZZ_DIR" -j "$JOBS" --target fuzz_all >"$FUZZ_DIR/build.log" 2>&1 \
  || { tail -50 "$FUZZ_DIR/build.log"; die "fuzz build failed (full log: $FUZZ_DIR/build.log)"; }
built=$(date +%s)

if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$FUZZ_DIR"/tests/fuzz/fuzz_*; do targets+=("$(basename "$bin" | sed 's/^fuzz_//')"); done
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
mkdir -p "$FUZZ_DIR/artifacts" "$FUZZ_DIR/logs"
failed=()
for t in "${targets[@]}"; do
  bin="$FUZZ_DIR/tests/fuzz/fuzz_$t"
  seeds="$ROOT/tests/fuzz/corpus/$t"
  [ -x "$bin" ] || die "no fuzz target '$t' ($bin)"
  [ -d "$seeds" ] || die "fuzz target '$t' has no corpus folder $seeds"
  if [ "$mode" = merge ]; then
    "$bin" -merge=1 "$seeds" "$FUZZ_DIR/corpus/$t" >"$FUZZ_DIR/logs/$t.merge.log" 2>&1
    log "$t: corpus now $(ls "$seeds" | wc -l) inputs"
    continue
  fi
  # New inputs go to the first folder: a scratch one for the short run (the
  # committed corpus is only read), a lasting one for long runs.
  work="$FUZZ_DIR/corpus/$t"
  [ "$mode" = short ] && { work="$FUZZ_DIR/scratch/$t"; rm -rf "$work"; }
  mkdir -p "$work"
  dict=()
  [ -f "$ROOT/tests/fuzz/$t.dict" ] && dict=(-dict="$ROOT/tests/fuzz/$t.dict")
  logf="$FUZZ_DIR/logs/$t.log"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
       -print_final_stats=1 -artifact_prefix="$FUZZ_DIR/artifacts/$t-" "${dict[@]}" \
       "$work" "$seeds" >"$logf" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logf" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$logf" | tail -1)
    printf '%-14s ok      %10s runs in %ss, %s\n' "$t" "${runs:-?}" "$seconds" "${cov:-cov: ?}"
  else
    printf '%-14s FAILED  (log %s)\n' "$t" "$logf"
    grep -A 30 -E '^==[0-9]+==ERROR|property broken|runtime error|deadly signal' "$logf" | head -60
    failed+=("$t")
  fi
done
done_at=$(date +%s)
log "fuzz: build $((built - start))s, runs $((done_at - built))s"
[ ${#failed[@]} -eq 0 ] || die "fuzz targets failed: ${failed[*]} (inputs in $FUZZ_DIR/artifacts)"
