#!/usr/bin/env bash
# Every benchmark driver at issue 16's sizes, one after the other, then the
# one `bench <name>: key=value ...` line each ends with, together, so that two
# runs compare line by line; and each driver's exit status, wall seconds and
# peak RSS as /usr/bin/time -v reports it (left out when that is missing):
# the largest of the driver and the processes it started and reaped — its
# MariaDB, the gateway, nginx — since the kernel folds a reaped child's peak
# into its parent's.
#
#   bench/run_all.sh [--quick] [--no-build]
#
#   BUILD_DIR   the CMake build directory (default: build at the repository
#               root); the driver targets are built there first, -j2, unless
#               --no-build
#   --quick     small sizes for every driver: a smoke run of a few minutes
#               that checks each still ends with its line, not a measurement
#
# Drivers, the flags each takes (its defaults), and what this script passes
# (full run | --quick). Each file's header says what it measures and what
# every key of its line means.
#   orders_throughput_driver    --seconds=N per measurement (3), --clients=1,8,32,64,
#                               --workloads=hot5,realistic, --history=N open orders (1000),
#                               --skus=N (2000), --customers=N (1000)
#                               --seconds=3 --clients=1,8,32,64 --history=1000
#                               | --seconds=1 --clients=1,8 --history=100 --skus=200 --customers=100
#   gateway_proxy_driver        --seconds=N per cell (10), --concurrency=1,16,64, --channels=4,
#                               --gateway_flag=--key=value (repeatable), --flood
#                               --seconds=10 --concurrency=1,16,64 | --seconds=2 --concurrency=1,16,64
#   finance_receivables_driver  --invoices=N (1000000), --customers=N (20000), --calls=N (2000),
#                               --threads=N (16)
#                               --invoices=1000000 --customers=20000 --threads=16
#                               | --invoices=20000 --customers=400 --calls=200 --threads=16
#   customers_core_driver       --customers=N (1000000), --calls=N (2000), --threads=N (16),
#                               --lapsed_pct=N (10)
#                               --customers=1000000 --threads=16 --lapsed_pct=10
#                               | --customers=20000 --calls=200 --threads=16 --lapsed_pct=10
#   targets_persist_driver      --reps=N (2000: 960 000 rep cells)
#                               --reps=2000 | --reps=50
#
# Drivers run one at a time (on a 2-core machine two would measure each
# other, and their throwaway MariaDBs too). Their stdout and stderr
# (where the in-process services log JSON) stay in a temporary directory whose
# path is printed. Exits 1 when a driver failed or printed no bench line.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="$(cd "${BUILD_DIR:-$root/build}" && pwd)"

quick=0
build=1
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    *)
      echo "usage: $0 [--quick] [--no-build]   (BUILD_DIR=<build dir>, default $root/build)" >&2
      exit 2
      ;;
  esac
done

drivers=(orders_throughput_driver gateway_proxy_driver finance_receivables_driver customers_core_driver
  targets_persist_driver)

if ((build)); then
  cmake --build "$build_dir" -j2 --target "${drivers[@]}"
fi

log_dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-run-all.XXXXXX")"
timer=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -v -o /dev/null true 2>/dev/null; then
  timer=/usr/bin/time
fi

bench_lines=()
driver_lines=()
failed=0

# run_driver <driver> [flags...]: runs it with its output in $log_dir and
# keeps its bench lines and its exit status, wall seconds and peak RSS.
run_driver() {
  local name="$1"
  shift
  local bin="$build_dir/bench/$name"
  local out="$log_dir/$name.out" err="$log_dir/$name.err" usage="$log_dir/$name.time"
  echo "== $(date +%T) $name $* (stdout $out, stderr $err)"
  local start=$SECONDS status=0
  if [[ -n "$timer" ]]; then
    "$timer" -v -o "$usage" "$bin" "$@" >"$out" 2>"$err" || status=$?
  else
    "$bin" "$@" >"$out" 2>"$err" || status=$?
  fi
  local wall=$((SECONDS - start))
  local lines
  lines="$(grep '^bench ' "$out" || true)"
  if [[ -n "$lines" ]]; then
    while IFS= read -r line; do bench_lines+=("$line"); done <<<"$lines"
  else
    echo "   no bench line from $name (exit $status); see $out and $err" >&2
    failed=1
  fi
  if ((status != 0)); then
    echo "   $name exited with $status; see $err" >&2
    failed=1
  fi
  local summary="driver $name: exit=$status wall_s=$wall"
  if [[ -n "$timer" && -s "$usage" ]]; then
    local peak_kb
    peak_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$usage")"
    if [[ -n "$peak_kb" ]]; then summary+=" peak_rss_mib=$((peak_kb / 1024))"; fi
  fi
  driver_lines+=("$summary")
}

if ((quick)); then
  run_driver orders_throughput_driver --seconds=1 --clients=1,8 --history=100 --skus=200 --customers=100
  run_driver gateway_proxy_driver --seconds=2 --concurrency=1,16,64
  run_driver finance_receivables_driver --invoices=20000 --customers=400 --calls=200 --threads=16
  run_driver customers_core_driver --customers=20000 --calls=200 --threads=16 --lapsed_pct=10
  run_driver targets_persist_driver --reps=50
else
  run_driver orders_throughput_driver --seconds=3 --clients=1,8,32,64 --history=1000
  run_driver gateway_proxy_driver --seconds=10 --concurrency=1,16,64
  run_driver finance_receivables_driver --invoices=1000000 --customers=20000 --threads=16
  run_driver customers_core_driver --customers=1000000 --threads=16 --lapsed_pct=10
  run_driver targets_persist_driver --reps=2000
fi

sizes="issue 16 sizes"
if ((quick)); then sizes="--quick sizes"; fi
echo
echo "== bench lines ($sizes, $(date '+%F %T'), $(nproc) cores)"
printf '%s\n' "${bench_lines[@]}"
echo "== drivers (logs in $log_dir)"
printf '%s\n' "${driver_lines[@]}"
exit "$failed"
