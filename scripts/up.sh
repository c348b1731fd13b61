#!/usr/bin/env bash
# Brings the whole suite up locally: installs what is missing, builds,
# starts a MariaDB of its own from .run/mariadb (data kept between runs;
# --fresh wipes it), one database and user per service, the four services
# and the gateway, waits until all are SERVING, loads the demo company
# through the public API and prints how to call it. Stop with scripts/down.sh.
# --no-build starts what build/ already holds (e.g. while a colleague's
# half-written file keeps a target from compiling).
source "$(dirname "$0")/lib.sh"

FRESH=0
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --fresh) FRESH=1 ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "unknown option $arg (try --fresh or --no-build)" ;;
  esac
done

DB_PORT="${SALES_DB_PORT:-3316}"
DB_DIR="$RUN_DIR/mariadb"
SECRETS="$RUN_DIR/secrets"
LOGS="$RUN_DIR/logs"
PIDS="$RUN_DIR/pids"
SERVICES=(targets customers orders finance)
declare -A PORT=([gateway]=50060 [targets]=50061 [customers]=50062 [orders]=50063 [finance]=50064)

alive() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

print_howto() {
  cat <<HOWTO

The sales suite is up.
  gateway    127.0.0.1:${PORT[gateway]}
  targets    127.0.0.1:${PORT[targets]}     customers  127.0.0.1:${PORT[customers]}
  orders     127.0.0.1:${PORT[orders]}     finance    127.0.0.1:${PORT[finance]}
  MariaDB    127.0.0.1:$DB_PORT (socket $DB_DIR/mysqld.sock), logs in $LOGS

Calls go through the gateway with the token of the last login (now: admin).
Demo users: $BUILD_DIR/tools/salesctl/salesctl login --list   (e.g. login rep1, director, finance)

Try:
  $BUILD_DIR/tools/salesctl/salesctl health
  $BUILD_DIR/tools/salesctl/salesctl call targets/ListOrgUnits '{}'
  $BUILD_DIR/tools/salesctl/salesctl call customers/GetCustomer '{"id": 1}'
  $BUILD_DIR/tools/salesctl/salesctl methods orders
Stop with: scripts/down.sh
HOWTO
}

running=0
for p in gateway "${SERVICES[@]}"; do alive "$p" && running=$((running + 1)); done
if [ "$running" -gt 0 ] && [ "$FRESH" -eq 0 ]; then
  log "the suite is already running ($running of 5 processes); not starting twins"
  print_howto
  exit 0
fi
if [ "$running" -gt 0 ]; then
  log "--fresh: stopping the running suite first"
  "$ROOT/scripts/down.sh"
fi

ensure_packages
if [ "$BUILD" -eq 1 ]; then
  # Only what runs: the services, the gateway, salesctl and the demo loader.
  # Tests and benchmarks are scripts/test.sh's business; building them here
  # would double a fresh machine's wait and tie bringing the suite up to
  # every test file compiling.
  RUN_TARGETS=(targets-svc customers-svc orders-svc finance-svc gateway salesctl demo-loader)
  log "building (Release, -j$JOBS) in $BUILD_DIR: ${RUN_TARGETS[*]}"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "${RUN_TARGETS[@]}"
fi
for b in targets-svc/targets-svc customers-svc/customers-svc orders-svc/orders-svc finance-svc/finance-svc \
         gateway/gateway tools/salesctl/salesctl tools/demo/demo-loader; do
  [ -x "$BUILD_DIR/$b" ] || die "$BUILD_DIR/$b is missing; run without --no-build"
done
mkdir -p "$RUN_DIR" "$SECRETS" "$LOGS" "$PIDS"
chmod 700 "$SECRETS"

# ---------------------------------------------------------------- MariaDB
db_alive() { [ -f "$DB_DIR/mysqld.pid" ] && kill -0 "$(cat "$DB_DIR/mysqld.pid")" 2>/dev/null; }
root_sql() { mariadb --no-defaults --socket="$DB_DIR/mysqld.sock" -uroot "$@"; }

if [ "$FRESH" -eq 1 ]; then
  if db_alive; then root_sql -e "SHUTDOWN" || true; sleep 2; fi
  rm -rf "$DB_DIR"
fi
mkdir -p "$DB_DIR"
cat > "$DB_DIR/my.cnf" <<CNF
[mysqld]
datadir=$DB_DIR/data
socket=$DB_DIR/mysqld.sock
pid-file=$DB_DIR/mysqld.pid
log-error=$DB_DIR/mysqld.log
port=$DB_PORT
bind-address=127.0.0.1
skip-name-resolve
skip-log-bin
innodb-buffer-pool-size=256M
max-connections=400
character-set-server=utf8mb4
collation-server=utf8mb4_bin
$( [ "$(id -u)" -eq 0 ] && echo "user=root" )
CNF
if [ ! -d "$DB_DIR/data/mysql" ]; then
  log "initialising MariaDB data in $DB_DIR/data"
  mariadb-install-db --defaults-file="$DB_DIR/my.cnf" --auth-root-authentication-method=normal \
    --skip-test-db $( [ "$(id -u)" -eq 0 ] && echo "--user=root" ) >"$DB_DIR/install.log" 2>&1 \
    || die "mariadb-install-db failed; see $DB_DIR/install.log"
fi
if ! db_alive; then
  log "starting MariaDB on 127.0.0.1:$DB_PORT"
  setsid nohup mariadbd --defaults-file="$DB_DIR/my.cnf" >/dev/null 2>&1 &
fi
for _ in $(seq 1 100); do root_sql -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
root_sql -e "SELECT 1" >/dev/null || die "MariaDB did not start; see $DB_DIR/mysqld.log"

# One database and one user per service, with rights on that database only.
for s in "${SERVICES[@]}"; do
  [ -s "$SECRETS/$s.db.pw" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$SECRETS/$s.db.pw")
  pw="$(cat "$SECRETS/$s.db.pw")"
  root_sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$s\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS '$s'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER '$s'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON \`$s\`.* TO '$s'@'127.0.0.1';
SQL
done

# ---------------------------------------------------------------- auth
# A local dev issuer: an ES256 signing key (salesctl login mints tokens
# with it), its public half in the gateway's key folder under a dated kid
# (rotate by adding a new <kid>.pem; the gateway re-reads the folder), the
# demo users, and the secret with which the gateway vouches for callers to
# the services (they refuse unsigned principals once it is set).
AUTH="$RUN_DIR/auth"
mkdir -p "$AUTH/keys"
chmod 700 "$AUTH"
[ -s "$SECRETS/principal_hmac.secret" ] || (umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$SECRETS/principal_hmac.secret")
if [ ! -s "$AUTH/signing-key.pem" ] || [ ! -s "$AUTH/signing-key.kid" ]; then
  kid="dev-$(date -u +%Y%m%d%H%M%S)"
  log "creating the local token signing key ($kid)"
  (umask 077; openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null \
     | openssl pkcs8 -topk8 -nocrypt -out "$AUTH/signing-key.pem")
  openssl pkey -in "$AUTH/signing-key.pem" -pubout -out "$AUTH/keys/$kid.pem"
  echo "$kid" > "$AUTH/signing-key.kid"
fi
KID="$(cat "$AUTH/signing-key.kid")"
[ -s "$AUTH/keys/$KID.pem" ] || openssl pkey -in "$AUTH/signing-key.pem" -pubout -out "$AUTH/keys/$KID.pem"
cat > "$AUTH/users.json" <<USERS
{
  "issuer": "sales-dev",
  "audience": "sales-gateway",
  "alg": "ES256",
  "kid": "$KID",
  "signing_key": "signing-key.pem",
  "users": {
    "admin":        {"role": "ADMIN"},
    "director":     {"role": "SALES_DIRECTOR"},
    "manager-east": {"role": "SALES_MANAGER", "org_unit_code": "EAST"},
    "rep1":         {"role": "SALES_REP", "rep_user_id": "rep1"},
    "rep2":         {"role": "SALES_REP", "rep_user_id": "rep2"},
    "clerk":        {"role": "SALES_CLERK"},
    "finance":      {"role": "FINANCE"},
    "reception":    {"role": "RECEPTIONIST"},
    "warehouse":    {"role": "WAREHOUSE"}
  }
}
USERS
export SALES_PRINCIPAL_HMAC_SECRET_FILE="$SECRETS/principal_hmac.secret"

# ---------------------------------------------------------------- processes
start_proc() {
  local name="$1"; shift
  setsid nohup "$@" >>"$LOGS/$name.log" 2>&1 &
  echo $! > "$PIDS/$name.pid"
}
ADDRS=(--targets_address=127.0.0.1:${PORT[targets]} --customers_address=127.0.0.1:${PORT[customers]}
       --orders_address=127.0.0.1:${PORT[orders]} --finance_address=127.0.0.1:${PORT[finance]})
for s in "${SERVICES[@]}"; do
  log "starting $s-svc on 127.0.0.1:${PORT[$s]}"
  SALES_MYSQL_PASSWORD_FILE="$SECRETS/$s.db.pw" start_proc "$s" "$BUILD_DIR/$s-svc/$s-svc" \
    --listen=127.0.0.1:${PORT[$s]} --mysql_host=127.0.0.1 --mysql_port="$DB_PORT" \
    --mysql_user="$s" --mysql_database="$s" "${ADDRS[@]}"
done
log "starting gateway on 127.0.0.1:${PORT[gateway]}"
start_proc gateway "$BUILD_DIR/gateway/gateway" --listen=127.0.0.1:${PORT[gateway]} "${ADDRS[@]}" \
  --jwt_public_keys_dir="$AUTH/keys" --jwt_issuer=sales-dev --jwt_audience=sales-gateway \
  --policy_file="$ROOT/gateway/policy.json"

log "waiting until every process reports SERVING"
ok=0
for _ in $(seq 1 150); do
  if "$BUILD_DIR/tools/salesctl/salesctl" health >/dev/null 2>&1; then ok=1; break; fi
  for p in gateway "${SERVICES[@]}"; do
    alive "$p" || die "$p exited during start; see $LOGS/$p.log"
  done
  sleep 0.2
done
[ "$ok" -eq 1 ] || { "$BUILD_DIR/tools/salesctl/salesctl" health || true; die "not every process became healthy"; }
"$BUILD_DIR/tools/salesctl/salesctl" health

log "loading the demo company through the public API"
"$BUILD_DIR/tools/demo/demo-loader" --targets_address=127.0.0.1:${PORT[targets]} \
  --customers_address=127.0.0.1:${PORT[customers]} --orders_address=127.0.0.1:${PORT[orders]} \
  --finance_address=127.0.0.1:${PORT[finance]}

SALES_AUTH_DIR="$AUTH" "$BUILD_DIR/tools/salesctl/salesctl" login admin

print_howto
