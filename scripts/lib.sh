# Shared helpers for the scripts in this folder. Source, don't run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${SALES_BUILD_DIR:-$ROOT/build}"
RUN_DIR="${SALES_RUN_DIR:-$ROOT/.run}"
JOBS="${SALES_JOBS:-$(nproc 2>/dev/null || echo 2)}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

# Debian 12 packages the suite needs to build, test and run.
DEBIAN_PACKAGES=(
  build-essential cmake ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libmysqlcppconn-dev libboost-dev libssl-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus-cpp-dev
  mariadb-server mariadb-client
  libjwt-dev openssl nginx-light clang-14 clang-format-14 libfuzzer-14-dev
)

# Installs whatever is missing, and nothing when all is there.
ensure_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # buf (proto lint) comes from the npm registry; take Debian's npm only
  # when the machine has none of its own.
  command -v npm >/dev/null || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# promtool (tests monitoring/alerts.yaml) comes from Debian's prometheus
# package. Installing that package would start a Prometheus server on the
# machine, so only its promtool binary (static) is unpacked into .tools/.
ensure_promtool() {
  local tool="$ROOT/.tools/bin/promtool"
  [ -x "$tool" ] && return 0
  log "unpacking promtool from Debian's prometheus package"
  local tmp
  tmp="$(mktemp -d)"
  if ! (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1); then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    (cd "$tmp" && apt-get download prometheus >/dev/null)
  fi
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
  mkdir -p "$ROOT/.tools/bin"
  install -m 0755 "$tmp/x/usr/bin/promtool" "$tool"
  rm -rf "$tmp"
}

# Pinned npm tools (package-lock.json); reinstalled only when the lock changes.
ensure_npm_tools() {
  local stamp="$ROOT/node_modules/.lock-stamp"
  if [ ! -x "$ROOT/node_modules/.bin/buf" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp" 2>/dev/null; then
    log "installing pinned npm tools (buf)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/package-lock.json" "$stamp"
  fi
}

build() {
  log "building (Release, -j$JOBS) in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}
